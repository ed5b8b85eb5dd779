import ArgumentParser
import Foundation
import RecpipeCore
import RecpipeData
import RecpipeEngine
import RecpipeSpec
import RecpipeStages

/// `recpipe recommend PIPELINE --user U`: a user's list from the last run's `rank` result.
///
/// Reads the cache only (nothing runs). Designed so that an `--items a,b,c` fold-in for unknown
/// users can resolve a list through a model instead of the stored result: ``lookup(_:)``
/// returns the rows to print, ``render(_:explain:)`` prints them.
struct RecommendCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "recommend",
        abstract: "Print a user's recommendations from the last run of a rank stage.",
        discussion: """
            Examples:
              recpipe recommend pipelines/demo.yaml --user U1043
              recpipe recommend pipelines/demo.yaml --user U1043 --explain -n 5
              recpipe recommend pipelines/demo.yaml --user U1043 --stage recs
            """)

    @OptionGroup var pipeline: PipelineArguments

    @Option(help: "The user id.")
    var user: String

    @Option(help: "The rank stage to read (default: the pipeline's only rank stage).")
    var stage: String?

    @Flag(help: "Show each item's provenance: sources and scores, blend, and the rules that changed it.")
    var explain = false

    @Option(name: .short, help: "How many items to print (default: all stored).")
    var n: Int?

    @Option(help: "Cache directory (default: .recpipe/ beside the pipeline file).")
    var cacheDir: String?

    func validate() throws {
        if let n, n < 1 { throw ValidationError("-n must be at least 1 (got \(n))") }
    }

    struct Row: Sendable, Equatable {
        var rank: Int
        var item: String
        var score: Float
        var provenance: String
        var fallback: Bool
    }

    func run() async throws {
        let spec = try pipeline.load()
        let rows = try lookup(spec)
        Console.print(render(rows, explain: explain))
    }

    /// The user's rows from the stored result of the chosen rank stage.
    func lookup(_ spec: PipelineSpec) throws -> [Row] {
        let ranks = RankResults.rankStages(spec)
        let stageSpec: StageSpec
        if let stage {
            guard let s = spec.stage(stage) else {
                let hint = Suggestions.hint(for: stage, in: spec.stages.map(\.name)).map { " (\($0))" } ?? ""
                Console.error("error: the pipeline has no stage '\(stage)'\(hint)")
                throw ExitCode(2)
            }
            guard s.kind == "rank" else {
                Console.error("error: stage '\(stage)' is a \(s.kind) stage; recommend reads a rank stage (\(ranks.map(\.name).joined(separator: ", ")))")
                throw ExitCode(2)
            }
            stageSpec = s
        } else {
            guard let first = ranks.first else {
                Console.error("error: the pipeline has no rank stage")
                throw ExitCode(2)
            }
            guard ranks.count == 1 else {
                Console.error("error: the pipeline has several rank stages (\(ranks.map(\.name).joined(separator: ", "))); choose one with --stage")
                throw ExitCode(2)
            }
            stageSpec = first
        }
        var options = RunOptions()
        options.cacheDirectory = cacheDir
        let store = StageRegistry.runner.store(for: spec, options: options)
        guard let fp = store.loadState().stages[stageSpec.name]?.current.value,
            let recs = RankResults.load(fp, from: store)
        else {
            Console.error("error: stage '\(stageSpec.name)' has no result yet; run the pipeline first:\n  recpipe run \(pipeline.pipeline)")
            throw ExitCode(1)
        }
        guard let u = recs.users[user] else {
            let hint = Suggestions.hint(for: user, in: Array(recs.users.ids.prefix(100_000))).map { " (\($0))" } ?? ""
            Console.error("error: user '\(user)' is not in the result of '\(stageSpec.name)' (\(recs.users.count) users)\(hint)")
            throw ExitCode(1)
        }
        let fallback = recs.fallbackUsers.contains(Int32(u))
        return recs.range(user: u).prefix(n ?? Int.max).enumerated().map { rank, k in
            Row(rank: rank + 1, item: recs.items[Int(recs.itemIndices[k])], score: recs.scores[k], provenance: recs.provenance[k], fallback: fallback)
        }
    }

    /// `1. I042  0.91` per row, with the provenance under each item when `explain`.
    func render(_ rows: [Row], explain: Bool) -> String {
        guard !rows.isEmpty else { return "no recommendations for user '\(user)'" }
        var lines = ["recommendations for '\(user)'" + (rows.first!.fallback ? " (popular fallback)" : "") + ":"]
        let width = rows.map(\.item.count).max() ?? 0
        for r in rows {
            let score = Float((r.score * 1000).rounded() / 1000)
            lines.append("\(String(r.rank).leftPad(3)). \(r.item.padding(toLength: width, withPad: " ", startingAt: 0))  \(score)")
            if explain { lines.append("      \(r.provenance)") }
        }
        return lines.joined(separator: "\n")
    }
}

extension String {
    fileprivate func leftPad(_ n: Int) -> String { count >= n ? self : String(repeating: " ", count: n - count) + self }
}
