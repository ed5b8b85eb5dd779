import Foundation
import RecpipeCore
import RecpipeData
import RecpipeEngine
import RecpipeSpec

/// `export`: writes each input artifact's tabular view as `<to>/<stage>.<format>`, atomically
/// (temp file, then rename), so a crash never leaves a half-written file where a good one was.
struct ExportStage: Stage {
    static let declaration = StageDeclaration(
        kind: "export",
        summary: "Write artifacts to CSV and/or JSON Lines files (atomically).",
        inputs: [
            PortSpec(
                "data", accepts: ArtifactKind.allCases.filter { $0 != .files }, multiple: true,
                doc: "the artifacts to write, one file per stage and format")
        ],
        params: [
            ParamSpec("to", .outputPath, required: true, doc: "output directory, relative to the pipeline file"),
            ParamSpec("formats", .list(.choice(["csv", "jsonl"])), default: .list([.string("csv")]), doc: "file formats to write"),
        ],
        output: .files)

    func run(_ context: StageContext) async throws -> StageOutput {
        let dir = context.path("to")!, writtenDir = context.string("to")!
        let formats = context.strings("formats") ?? ["csv"]
        var written: [WrittenFiles.Entry] = []
        var rows = 0
        for input in context.inputs["data"] ?? [] {
            let table = input.artifact.exportTable()
            rows += table.rowCount
            for format in formats {
                let path = "\(dir)/\(input.stage).\(format)"
                context.progress(nil, "writing \(input.stage).\(format)")
                do {
                    if format == "csv" {
                        try TableWriter.writeCSV(table, to: path)
                    } else {
                        try TableWriter.writeJSONLines(table, to: path)
                    }
                } catch {
                    throw StageError("cannot write '\(path)': \(error)", at: context.location(of: "to"))
                }
                let recorded = StageContext.pipelinePath(path, written: writtenDir, base: context.pipeline.baseDirectory)
                written.append(.init(path: recorded, hash: FileHashCache.hashFile(path) ?? "", rows: table.rowCount))
            }
        }
        let files = WrittenFiles(entries: written)
        return StageOutput(
            files, rowsIn: rows, rowsOut: rows,
            counters: [.init("files", written.count)],
            notes: written.map { "\(context.resolve($0.path)) (\($0.rows) rows)" })
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
