import Foundation
import RecpipeEngine
import RecpipeSpec

/// Where a pipeline's event log lives, and which ingest stage reads it.
///
/// The default log is `serve-log/<pipeline file stem>/events.jsonl` beside the pipeline file:
/// one folder per pipeline, so two pipelines in one folder (`demo.yaml`, `online-retail.yaml`)
/// never write to one file, and each pipeline's `include: serve-log/<stem>` reads its own
/// server's events only.
package enum EventLogPlace {
    /// The default log of the pipeline `spec` (absolute, standardized).
    package static func defaultPath(_ spec: PipelineSpec) -> String {
        StageContext.resolve("serve-log/\(stem(spec))/events.jsonl", base: spec.baseDirectory)
    }

    /// The pipeline file's name without its extension (`demo` for `pipelines/demo.yaml`).
    package static func stem(_ spec: PipelineSpec) -> String {
        let name = (spec.file as NSString).lastPathComponent
        let stem = (name as NSString).deletingPathExtension
        return stem.isEmpty ? spec.name : stem
    }

    /// The log every pipeline of a folder shared before the default became per pipeline.
    package static func sharedPath(_ spec: PipelineSpec) -> String {
        StageContext.resolve("serve-log/events.jsonl", base: spec.baseDirectory)
    }

    /// Refuses to start on the default log while the old shared log of the folder holds events:
    /// its lines belong to whichever pipeline served them, and only the user can say which (a
    /// server that ignored it would leave them out of every later batch run).
    package static func checkNoSharedLog(_ spec: PipelineSpec) throws(ServeError) {
        let shared = sharedPath(spec)
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: shared),
            (attributes[.size] as? NSNumber)?.intValue ?? 0 > 0
        else { return }
        let mine = defaultPath(spec)
        let folder = (mine as NSString).deletingLastPathComponent
        // When this pipeline's log already has lines, a `mv` would drop them: the old lines go
        // first (they are older), and a batch run then reads them all before the server starts.
        let hasOwn = ((try? FileManager.default.attributesOfItem(atPath: mine))?[.size] as? NSNumber)?.intValue ?? 0 > 0
        let move =
            hasOwn
            ? "put its lines before those of this pipeline's log (cat \(shared) \(mine) > \(mine).new && mv \(mine).new \(mine) && rm \(shared)), "
                + "then `recpipe run` the pipeline so that its batch reads them"
            : "move the file there (mkdir -p \(folder) && mv \(shared) \(mine))"
        throw .setup(
            "\(shared) holds events logged by an earlier `recpipe serve`, which shared that file among every pipeline of the folder; "
                + "each pipeline now has a log of its own (\(mine)). If those events are \(spec.name)'s, \(move); "
                + "if they are another pipeline's, move it to serve-log/<that pipeline's file name>/; or name a log with --event-log"
        )
    }

    /// The ingest stages with an `include`, and whether it names the log at `path` (the file
    /// or its folder).
    package struct Readers: Sendable, Equatable {
        /// The stage whose `include` reads the log (the first).
        package var reading: String?
        /// Other ingest stages' includes: (stage, the included path as resolved).
        package var others: [Include] = []

        package init(reading: String? = nil, others: [Include] = []) {
            self.reading = reading
            self.others = others
        }

        package struct Include: Sendable, Equatable {
            package var stage: String
            package var path: String

            package init(stage: String, path: String) {
                self.stage = stage
                self.path = path
            }
        }
    }

    package static func readers(of path: String, spec: PipelineSpec) -> Readers {
        let logPath = URL(fileURLWithPath: path).standardizedFileURL.path
        let folder = (logPath as NSString).deletingLastPathComponent
        var out = Readers()
        for stage in spec.stages where stage.kind == "ingest" {
            guard let inc = stage.params["include"]?.stringValue else { continue }
            let resolved = StageContext.resolve(inc, base: spec.baseDirectory)
            if out.reading == nil && (resolved == logPath || resolved == folder) {
                out.reading = stage.name
            } else {
                out.others.append(.init(stage: stage.name, path: resolved))
            }
        }
        return out
    }

    /// What the start-up summary and `/v1/status` say when no ingest stage reads the log at
    /// `path`: the batch would then never contain the events this server accepts.
    package static func warning(path: String, spec: PipelineSpec, readers: Readers) -> String? {
        guard readers.reading == nil else { return nil }
        let folder = (URL(fileURLWithPath: path).standardizedFileURL.path as NSString).deletingLastPathComponent
        let include = written(folder, spec)
        let others = readers.others.map { "ingest '\($0.stage)' includes \(written($0.path, spec))" }
        return "no ingest stage of \(spec.name) reads this event log"
            + (others.isEmpty ? "" : " (\(others.joined(separator: "; ")): not this log's file or folder)")
            + ", so the next `recpipe run` will not contain the events this server accepts, and every start replays the whole log; "
            + "add `include: \(include)` to the events ingest stage (as pipelines/demo.yaml does)"
    }

    /// `path` as a pipeline would write it: relative to the pipeline's folder when inside it.
    private static func written(_ path: String, _ spec: PipelineSpec) -> String {
        let relative = StageContext.relativePath(path, to: spec.baseDirectory)
        return relative.hasPrefix("..") ? path : relative
    }
}
