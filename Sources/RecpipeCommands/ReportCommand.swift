import ArgumentParser
import Foundation
import RecpipeCore
import RecpipeEngine
import RecpipeReport
import RecpipeSpec
import RecpipeStages

/// `recpipe report PIPELINE [--run ID] [--out FILE]`: one self-contained HTML page for a run,
/// from its manifest and the cached artifacts (nothing runs).
struct ReportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Write one self-contained HTML report of a run: stages, customers, models and rules, with charts.",
        discussion: """
            Reads the run's manifest (.recpipe/runs/<id>/manifest.json) and its cached results; \
            nothing is run. The page has no scripts and fetches nothing: charts are inline SVG, \
            each with its numbers in a table, and it prints to PDF.

            Examples:
              recpipe run pipelines/demo.yaml && recpipe report pipelines/demo.yaml --out report.html
              recpipe report pipelines/demo.yaml --run 20261123T175615Z-3efd
            """)

    @OptionGroup var pipeline: PipelineArguments

    @Option(help: "The run to report (default: the pipeline's latest run).")
    var run: String?

    @Option(help: "Where to write the page (default: report.html in the run's directory).")
    var out: String?

    @Option(help: "Cache directory (default: .recpipe/ beside the pipeline file).")
    var cacheDir: String?

    func run() async throws {
        let spec = try pipeline.load()
        var options = RunOptions()
        options.cacheDirectory = cacheDir
        let store = StageRegistry.runner.store(for: spec, options: options)
        let report = try Self.findRun(run, pipeline: spec.name, store: store, file: pipeline.pipeline)
        let page = ReportBuilder.page(spec: spec, run: report, store: store)
        let html: String
        do {
            html = try ReportRenderer().render(page)
        } catch {
            Console.error("error: \(error)")
            throw ExitCode(1)
        }
        let path =
            out.map { StageContext.resolve($0, base: FileManager.default.currentDirectoryPath) }
            ?? "\(report.runDirectory)/report.html"
        do {
            try AtomicFile.write(html, to: path)
        } catch {
            Console.error("error: cannot write '\(path)': \(error)")
            throw ExitCode(1)
        }
        Console.print(Self.summary(page, path: path, bytes: html.utf8.count))
    }

    /// What the page holds, per section, so a section left without charts is said, not found later.
    static func summary(_ page: ReportPage, path: String, bytes: Int) -> String {
        var lines = ["report: \(path) (\(NumberText.fixed(Double(bytes) / 1024, decimals: 0)) KiB)"]
        for s in page.sections {
            let figures = s.blocks.count { $0.figure != nil }
            let tables = s.blocks.count { $0.table != nil }
            var line =
                "  \(s.title.lowercased()): \(figures) chart\(figures == 1 ? "" : "s"), \(tables) table\(tables == 1 ? "" : "s")"
            let said = s.blocks.filter { $0.figure == nil && $0.table == nil }.flatMap(\.notes)
            if figures == 0, let first = said.first { line += " — \(first)" }
            lines.append(line)
            for w in s.blocks where w.isWarning { lines += w.notes.map { "    warning: \($0)" } }
        }
        return lines.joined(separator: "\n")
    }

    /// The manifest of run `id`, or of the pipeline's newest run. A cache shared by several
    /// pipelines holds their runs side by side: only runs of `pipeline` count.
    static func findRun(_ id: String?, pipeline: String, store: ArtifactStore, file: String) throws -> RunReport {
        let runsDirectory = store.runsDirectory
        let history = RunHistory(runsDirectory: runsDirectory)
        let ids = ((try? FileManager.default.contentsOfDirectory(atPath: runsDirectory)) ?? []).filter {
            $0 != "latest"
        }.sorted(by: >)
        if let id {
            guard ids.contains(id) else {
                let hint = Suggestions.hint(for: id, in: ids).map { " (\($0))" } ?? ""
                let recent = ids.prefix(5).joined(separator: ", ")
                Console.error(
                    "error: no run '\(id)' in \(runsDirectory)\(hint)"
                        + (recent.isEmpty ? "" : "; latest runs: \(recent)"))
                throw ExitCode(2)
            }
            guard let r = history.run(id) else {
                Console.error(
                    "error: run '\(id)' has no readable manifest (\(runsDirectory)/\(id)/manifest.json); it may have been interrupted"
                )
                throw ExitCode(1)
            }
            guard r.pipeline == pipeline else {
                Console.error("error: run '\(id)' is a run of pipeline '\(r.pipeline)', not '\(pipeline)'")
                throw ExitCode(2)
            }
            return r
        }
        if let r = history.runs.first(where: { $0.pipeline == pipeline }) { return r }
        Console.error("error: pipeline '\(pipeline)' has no run yet; run it first:\n  recpipe run \(file)")
        throw ExitCode(1)
    }
}
