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
        summary:
            "Write artifacts to CSV/JSON Lines files (the whole set switched at once) and SQLite/PostgreSQL tables (swapped in one transaction).",
        version: 2,
        aliases: ["write", "save", "output", "sink", "to_csv"],
        inputs: [
            PortSpec(
                "data", accepts: ArtifactKind.allCases.filter { $0 != .files }, multiple: true,
                doc: "the artifacts to write, one file per stage and format")
        ],
        params: [
            ParamSpec(
                "to", .outputPath, required: true,
                doc:
                    "output directory, relative to the pipeline file; it becomes a link to `<to>.runs/<run-id>/` (one stage per directory)"
            ),
            ParamSpec(
                "formats", .list(.choice(["csv", "jsonl"] + databaseFormats)), default: .list([.string("csv")]),
                doc: "file formats and databases to write"),
            ParamSpec(
                "csv_escape_formulas", .bool, default: .bool(true),
                doc:
                    "prefix CSV text cells starting with = + - @ (not plain numbers) with ' so spreadsheets do not run them as formulas; the count is shown; JSON Lines is never changed"
            ),
            ParamSpec(
                "keep_runs", .int, default: .int(3), range: 1...1000,
                doc: "complete sets kept in `<to>.runs/` (the current one and the newest before it)"),
        ] + databaseParams,
        output: .files,
        check: { stage, _ in checkDatabase(stage) })

    /// Test hook: after this many files written into the set for a `to` directory (resolved
    /// path), the stage throws as if the process died there. Empty outside tests.
    package static let failAfterFiles = Mutex<[String: Int]>([:])

    struct Interrupted: Error, CustomStringConvertible {
        var description: String { "interrupted (test hook)" }
    }

    func run(_ context: StageContext) async throws -> StageOutput {
        let formats = context.strings("formats")
        let fileFormats = formats.filter { !Self.databaseFormats.contains($0) }
        if fileFormats.isEmpty {
            let rows = (context.inputs["data"] ?? []).reduce(0) { $0 + $1.artifact.rowCount }
            let databases = try await exportToDatabases(context, formats: formats)
            return StageOutput(
                WrittenFiles(entries: [], tables: databases.tables), rowsIn: rows, rowsOut: rows,
                counters: [.init("tables", databases.tables.count)], notes: databases.notes)
        }
        let dir = context.path("to"), writtenDir = context.string("to")
        let escapeFormulas = context.bool("csv_escape_formulas")
        let set = OutputSet(path: dir)
        let staging: OutputSet.Staging
        do {
            staging = try set.begin(runID: context.runID)
        } catch {
            throw StageError("cannot export: \(error)", code: .writeFailed, at: context.location(of: "to"))
        }
        var written: [WrittenFiles.Entry] = []
        var rows = 0, escaped = 0
        let commit: OutputSet.Commit
        var databases: (tables: [WrittenFiles.TableEntry], notes: [String]) = ([], [])
        do {
            let failAfter = Self.failAfterFiles.withLock { $0[set.path] }
            let tables = (context.inputs["data"] ?? []).flatMap { input in
                [(input.stage, input.artifact.exportTable())]
                    + input.artifact.extraExports().map { ("\(input.stage).\($0.suffix)", $0.table) }
            }
            for (stem, table) in tables {
                rows += table.rowCount
                for format in fileFormats {
                    if written.count == failAfter { throw Interrupted() }
                    let name = "\(stem).\(format)"
                    context.progress(nil, "writing \(name)")
                    if format == "csv" {
                        escaped += try TableWriter.writeCSV(
                            table, to: staging.path(for: name), escapeFormulas: escapeFormulas)
                    } else {
                        try TableWriter.writeJSONLines(table, to: staging.path(for: name))
                    }
                    let recorded = StageContext.pipelinePath(
                        "\(set.path)/\(name)", written: writtenDir, base: context.pipeline.baseDirectory)
                    written.append(
                        .init(
                            path: recorded, hash: FileHashCache.hashFile(staging.path(for: name)) ?? "",
                            rows: table.rowCount))
                }
            }
            databases = try await exportToDatabases(context, formats: formats)
            commit = try set.commit(staging, keep: context.int("keep_runs"))
        } catch let e as StageError {
            set.discard(staging)
            throw e
        } catch {
            set.discard(staging)
            throw StageError("cannot export: \(error)", code: .writeFailed, at: context.location(of: "to"))
        }
        var notes = written.map { "\(context.resolve($0.path)) (\($0.rows) rows)" }
        notes.append("\(WriteError.display(set.path)) → \(WriteError.display(commit.directory))")
        notes += databases.notes
        var warnings: [String] = []
        if let moved = commit.movedLegacy {
            warnings.append(
                "'\(WriteError.display(set.path))' was a plain directory (the layout before output sets); "
                    + "run \(context.runID) moved its files to '\(WriteError.display(moved))'")
        }
        var counters: [StageOutput.Counter] = [.init("files", written.count)]
        if !databases.tables.isEmpty { counters.append(.init("tables", databases.tables.count)) }
        if formats.contains("csv") { counters.append(.init("formula_cells_escaped", escaped)) }
        if commit.removedSets > 0 { counters.append(.init("old_sets_removed", commit.removedSets)) }
        if commit.removedTemporaries > 0 {
            counters.append(.init("dead_temporaries_removed", commit.removedTemporaries))
            let mib = String(format: "%.1f MiB", Double(commit.removedBytes) / 1_048_576)
            notes.append("removed \(commit.removedTemporaries) leftover(s) of killed runs (\(mib))")
        }
        return StageOutput(
            WrittenFiles(entries: written, tables: databases.tables), rowsIn: rows, rowsOut: rows, counters: counters,
            notes: notes, warnings: warnings)
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

    /// A database table an export wrote: `target` is `sqlite:<path as the pipeline names it>` or
    /// `postgres:<url>`.
    struct TableEntry: Sendable, Equatable {
        var target: String
        var table: String
        var runID: String
        var rows: Int
    }

    var entries: [Entry]
    var tables: [TableEntry]

    var rowCount: Int { entries.count + tables.count }

    var outputPaths: [String] { entries.map(\.path) }

    func isIntact(base: String) -> Bool {
        entries.allSatisfy { FileHashCache.hashFile(StageContext.resolve($0.path, base: base)) == $0.hash }
            && tables.allSatisfy { $0.isIntact(base: base) }
    }

    func encode(into w: inout ByteWriter) {
        w.write(entries.map(\.path))
        w.write(entries.map(\.hash))
        w.writeArray(entries.map(\.rows))
        w.write(tables.map(\.target))
        w.write(tables.map(\.table))
        w.write(tables.map(\.runID))
        w.writeArray(tables.map(\.rows))
    }

    init(entries: [Entry], tables: [TableEntry] = []) {
        self.entries = entries
        self.tables = tables
    }

    init(decoding r: inout ByteReader) throws {
        let paths = try r.readStrings(), hashes = try r.readStrings(), rows = try r.readArray(Int.self)
        guard paths.count == hashes.count, rows.count == paths.count else {
            throw ArtifactDecodeError("inconsistent file list")
        }
        entries = (0..<paths.count).map { Entry(path: paths[$0], hash: hashes[$0], rows: rows[$0]) }
        let targets = try r.readStrings(), names = try r.readStrings(), runs = try r.readStrings(),
            counts = try r.readArray(Int.self)
        guard names.count == targets.count, runs.count == targets.count, counts.count == targets.count else {
            throw ArtifactDecodeError("inconsistent table list")
        }
        tables = (0..<targets.count).map {
            TableEntry(target: targets[$0], table: names[$0], runID: runs[$0], rows: counts[$0])
        }
    }

    func exportTable() -> Table {
        .assemble([
            .strings("path", entries.map(\.path)), .strings("hash", entries.map(\.hash)),
            .ints("rows", entries.map { Int64($0.rows) }),
        ])
    }
}
