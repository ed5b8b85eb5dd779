import Foundation
import RecpipeCore
import RecpipeData
import RecpipeEngine
import RecpipeSpec
import Synchronization

/// `export`: writes each input artifact's tabular view as `<to>/<stage>.<format>`, as one set
/// that switches together (``OutputSet``): the files go to `<to>.runs/<run-id>/`, then the link
/// `<to>` is pointed at that directory in one rename, so a reader sees every file of one run and
/// a crash never leaves a half-written file or a mix of two runs.
struct ExportStage: Stage {
    static let declaration = StageDeclaration(
        kind: "export",
        summary: "Write artifacts to CSV and/or JSON Lines files, switching the whole set at once.",
        aliases: ["write", "save", "output", "sink", "to_csv"],
        inputs: [
            PortSpec(
                "data", accepts: ArtifactKind.allCases.filter { $0 != .files }, multiple: true,
                doc: "the artifacts to write, one file per stage and format")
        ],
        params: [
            ParamSpec(
                "to", .outputPath, required: true,
                doc: "output directory, relative to the pipeline file; it becomes a link to `<to>.runs/<run-id>/` (one stage per directory)"),
            ParamSpec("formats", .list(.choice(["csv", "jsonl"])), default: .list([.string("csv")]), doc: "file formats to write"),
            ParamSpec(
                "csv_escape_formulas", .bool, default: .bool(true),
                doc: "prefix CSV text cells starting with = + - @ (not plain numbers) with ' so spreadsheets do not run them as formulas; the count is shown; JSON Lines is never changed"),
            ParamSpec(
                "keep_runs", .int, default: .int(3), range: 1...1000,
                doc: "complete sets kept in `<to>.runs/` (the current one and the newest before it)"),
        ],
        output: .files)

    /// Test hook: after this many files written into the set for a `to` directory (resolved
    /// path), the stage throws as if the process died there. Empty outside tests.
    package static let failAfterFiles = Mutex<[String: Int]>([:])

    struct Interrupted: Error, CustomStringConvertible {
        var description: String { "interrupted (test hook)" }
    }

    func run(_ context: StageContext) async throws -> StageOutput {
        let dir = context.path("to")!, writtenDir = context.string("to")!
        let formats = context.strings("formats")!
        let escapeFormulas = context.bool("csv_escape_formulas")!
        let set = OutputSet(path: dir)
        let staging: OutputSet.Staging
        do {
            staging = try set.begin(runID: context.runID)
        } catch {
            throw StageError("cannot export: \(error)", at: context.location(of: "to"))
        }
        var written: [WrittenFiles.Entry] = []
        var rows = 0, escaped = 0
        let commit: OutputSet.Commit
        do {
            let failAfter = Self.failAfterFiles.withLock { $0[set.path] }
            let tables = (context.inputs["data"] ?? []).flatMap { input in
                [(input.stage, input.artifact.exportTable())] + input.artifact.extraExports().map { ("\(input.stage).\($0.suffix)", $0.table) }
            }
            for (stem, table) in tables {
                rows += table.rowCount
                for format in formats {
                    if written.count == failAfter { throw Interrupted() }
                    let name = "\(stem).\(format)"
                    context.progress(nil, "writing \(name)")
                    if format == "csv" {
                        escaped += try TableWriter.writeCSV(table, to: staging.path(for: name), escapeFormulas: escapeFormulas)
                    } else {
                        try TableWriter.writeJSONLines(table, to: staging.path(for: name))
                    }
                    let recorded = StageContext.pipelinePath("\(set.path)/\(name)", written: writtenDir, base: context.pipeline.baseDirectory)
                    written.append(.init(path: recorded, hash: FileHashCache.hashFile(staging.path(for: name)) ?? "", rows: table.rowCount))
                }
            }
            commit = try set.commit(staging, keep: context.int("keep_runs")!)
        } catch {
            set.discard(staging)
            throw StageError("cannot export: \(error)", at: context.location(of: "to"))
        }
        var notes = written.map { "\(context.resolve($0.path)) (\($0.rows) rows)" }
        notes.append("\(WriteError.display(set.path)) → \(WriteError.display(commit.directory))")
        var warnings: [String] = []
        if let moved = commit.movedLegacy {
            warnings.append(
                "'\(WriteError.display(set.path))' was a plain directory (the layout before output sets); "
                    + "run \(context.runID) moved its files to '\(WriteError.display(moved))'")
        }
        var counters: [StageOutput.Counter] = [.init("files", written.count)]
        if formats.contains("csv") { counters.append(.init("formula_cells_escaped", escaped)) }
        if commit.removedSets > 0 { counters.append(.init("old_sets_removed", commit.removedSets)) }
        if commit.removedTemporaries > 0 {
            counters.append(.init("dead_temporaries_removed", commit.removedTemporaries))
            let mib = String(format: "%.1f MiB", Double(commit.removedBytes) / 1_048_576)
            notes.append("removed \(commit.removedTemporaries) leftover(s) of killed runs (\(mib))")
        }
        return StageOutput(
            WrittenFiles(entries: written), rowsIn: rows, rowsOut: rows, counters: counters, notes: notes, warnings: warnings)
    }
}

/// The files an `export` wrote, with their content hashes: a cached export is reused only while
/// every file is still exactly what it wrote. Paths are as the pipeline names them (relative to
/// its directory unless `to` was absolute), so a moved project checks, and rewrites, its own copy.
struct WrittenFiles: Artifact, ExternalOutputs {
    static var kind: ArtifactKind { .files }

    struct Entry: Sendable, Equatable {
        var path: String
        var hash: String
        var rows: Int
    }

    var entries: [Entry]

    var rowCount: Int { entries.count }

    var outputPaths: [String] { entries.map(\.path) }

    func isIntact(base: String) -> Bool {
        entries.allSatisfy { FileHashCache.hashFile(StageContext.resolve($0.path, base: base)) == $0.hash }
    }

    func encode(into w: inout ByteWriter) {
        w.write(entries.map(\.path))
        w.write(entries.map(\.hash))
        w.writeArray(entries.map(\.rows))
    }

    init(entries: [Entry]) { self.entries = entries }

    init(decoding r: inout ByteReader) throws {
        let paths = try r.readStrings(), hashes = try r.readStrings(), rows = try r.readArray(Int.self)
        guard paths.count == hashes.count, rows.count == paths.count else { throw ArtifactDecodeError("inconsistent file list") }
        entries = (0..<paths.count).map { Entry(path: paths[$0], hash: hashes[$0], rows: rows[$0]) }
    }

    func exportTable() -> Table {
        .assemble([.strings("path", entries.map(\.path)), .strings("hash", entries.map(\.hash)), .ints("rows", entries.map { Int64($0.rows) })])
    }
}
