import ArgumentParser
import RecpipeCore
import RecpipeSpec
import RecpipeStages

/// `recpipe columns PIPELINE STAGE`: a stage's output columns with types and meanings, worked out
/// from the pipeline alone (ingest schemas and file headers, encode's feature list, …) — nothing runs.
struct ColumnsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "columns",
        abstract: "Print a stage's output columns with their types, before running anything.",
        discussion:
            "Known for ingest (schema, else the file's header), clean, encode (target: user_features), cluster, tag, rank and evaluate."
    )

    @OptionGroup var pipeline: PipelineArguments

    @Argument(help: "The stage whose output columns to print.")
    var stage: String

    func run() throws {
        let spec = try pipeline.load()
        guard let s = spec.stage(stage) else {
            let names = spec.stages.map(\.name)
            Console.error(
                "error: pipeline '\(spec.name)' has no stage '\(stage)' (\(Suggestions.hint(for: stage, in: names) ?? "stages: \(names.joined(separator: ", "))"))"
            )
            throw ExitCode(2)
        }
        guard let known = StageColumns.of(stage, in: spec) else {
            Console.error(
                "error: stage '\(stage)' (\(s.kind)) does not produce a table whose columns are known before it runs; tables come from ingest, clean, encode (target: user_features), cluster, tag, rank and evaluate"
            )
            throw ExitCode(2)
        }
        Console.print("\(stage) (\(s.kind)):")
        for line in Self.table(known) { Console.print("  " + line) }
        if !known.complete { Console.print("  … and the file's other columns (its header could not be read)") }
    }

    /// `name  type  meaning` lines, families last.
    static func table(_ known: KnownColumns) -> [String] {
        let all = known.entries + known.families
        let w = all.map(\.name.count).max() ?? 0, t = all.map(\.type.count).max() ?? 0
        return all.map { e in
            e.name.padding(toLength: w + 2, withPad: " ", startingAt: 0)
                + e.type.padding(toLength: t + 2, withPad: " ", startingAt: 0) + e.doc
        }
    }
}
