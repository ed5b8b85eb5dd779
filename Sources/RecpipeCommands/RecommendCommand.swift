import ArgumentParser
import Foundation
import RecpipeCore
import RecpipeData
import RecpipeEngine
import RecpipeSpec
import RecpipeStages

/// `recpipe recommend PIPELINE --user U`: a user's list from the last run's `rank` result;
/// `--items a,b,c`: a new user folded in from those items with the pipeline's `als` factors.
///
/// Reads the cache only (nothing runs). ``lookup(_:user:)`` returns the stored rows,
/// ``render(_:user:explain:)`` prints them. Only a pipeline without a rank stage answers `--user`
/// from the ALS factors (RecommendCommand+ALS.swift); a missing or unreadable rank result is an
/// error, never a list that skipped the rank stage's filters.
struct RecommendCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "recommend",
        abstract:
            "Print a user's recommendations from the last run of a rank stage (or fold in a new user with ALS factors).",
        discussion: """
            Examples:
              recpipe recommend pipelines/demo.yaml --user U1043
              recpipe recommend pipelines/demo.yaml --user U1043 --explain -n 5
              recpipe recommend pipelines/demo.yaml --user U1043 --stage recs
              recpipe recommend pipelines/demo.yaml --items I0012,I0400:3 -n 5

            --items a,b,c (each `id` or `id:value`) folds in a new user from those items with the \
            item factors of the pipeline's als stage fixed (with several, the one feeding a rank \
            stage, or the one named by --als-stage). In a pipeline without a rank stage, --user \
            gets the list from the als factors' trained vector.

            Exit codes: 0 answered; 1 no usable stored result (the stage has not run, its cached \
            result is unreadable or corrupt, or the user is not in it) — never an unfiltered \
            list from another stage instead; 2 usage.
            """)

    @OptionGroup var pipeline: PipelineArguments

    @Option(help: "The user id (with --items: only a label for the folded-in user).")
    var user: String?

    @Option(help: "Comma-separated item ids (id or id:value): fold in a new user from them with the ALS factors.")
    var items: String?

    @Option(
        help:
            "The als stage for --items and for users without a rank result (default: the only als stage, else the only one feeding a rank stage)."
    )
    var alsStage: String?

    @Option(help: "The rank stage to read (default: the pipeline's only rank stage).")
    var stage: String?

    @Flag(
        help:
            "Show each item's provenance: sources and scores, blend, and the rules that changed it (from ALS factors: the liked items that contributed most)."
    )
    var explain = false

    @Option(name: .short, help: "How many items to print (default: all stored).")
    var n: Int?

    @Option(help: "Cache directory (default: .recpipe/ beside the pipeline file).")
    var cacheDir: String?

    func validate() throws {
        if let n, n < 1 { throw ValidationError("-n must be at least 1 (got \(n))") }
        if user == nil, items == nil { throw ValidationError("give --user U or --items a,b,c") }
        if let items, FactorsCommand.split(items).isEmpty {
            throw ValidationError("--items is empty; give item ids separated by commas")
        }
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
        if let items {
            try await printFromFactors(spec, user: user, items: FactorsCommand.split(items), required: true)
            return
        }
        guard let user else { throw ExitCode(2) }  // validate() requires --user or --items
        do {
            let rows = try lookup(spec, user: user)
            Console.print(render(rows, user: user, explain: explain))
        } catch let missing as RankResultMissing {
            if missing.noRankStage,
                try await printFromFactors(spec, user: user, items: [], required: false, instead: missing.message)
            {
                return
            }
            Console.error("error: \(missing.message)")
            throw ExitCode(missing.code)
        }
    }

    /// Why a user has no stored rank list. Only when the pipeline has no rank stage
    /// (`noRankStage`) may the ALS factors answer instead.
    struct RankResultMissing: Error {
        var message: String
        var code: Int32
        var noRankStage = false
    }

    /// The user's rows from the stored result of the chosen rank stage.
    func lookup(_ spec: PipelineSpec, user: String) throws -> [Row] {
        let ranks = RankResults.rankStages(spec)
        let stageSpec: StageSpec
        if let s = try StageChoice.choose(
            spec, kind: "rank", name: stage, flag: "--stage", purpose: "recommend reads a rank stage", required: false)
        {
            stageSpec = s
        } else if ranks.isEmpty {
            throw RankResultMissing(
                message: "the pipeline has no rank stage (and no als factors for '\(user)')", code: 2, noRankStage: true
            )
        } else {
            Console.error(
                "error: the pipeline has several rank stages (\(ranks.map(\.name).joined(separator: ", "))); choose one with --stage"
            )
            throw ExitCode(2)
        }
        let recs: Recommendations
        do {
            recs = try StoredResult(spec, cacheDirectory: cacheDir, pipelineFile: pipeline.pipeline)
                .load(stageSpec.name, as: Recommendations.self, what: "recommendations")
        } catch {
            throw RankResultMissing(message: error.message, code: 1)
        }
        guard let u = recs.users[user] else {
            let hint = Suggestions.hint(for: user, in: Array(recs.users.ids.prefix(100_000))).map { " (\($0))" } ?? ""
            throw RankResultMissing(
                message:
                    "user '\(user)' is not in the result of '\(stageSpec.name)' (\(recs.users.count) users)\(hint); "
                    + "pass --items a,b,c to fold in a new user with the pipeline's als factors", code: 1)
        }
        let fallback = recs.fallbackUsers.contains(Int32(u))
        return recs.range(user: u).prefix(n ?? Int.max).enumerated().map { rank, k in
            Row(
                rank: rank + 1, item: recs.label(item: Int(recs.itemIndices[k])), score: recs.scores[k],
                provenance: recs.provenance[k], fallback: fallback)
        }
    }

    /// `1. I042  0.91` per row, with the provenance under each item when `explain`.
    func render(_ rows: [Row], user: String, explain: Bool) -> String {
        guard !rows.isEmpty else { return "no recommendations for user '\(user)'" }
        var lines = ["recommendations for '\(user)'" + (rows.first!.fallback ? " (popular fallback)" : "") + ":"]
        let width = rows.map(\.item.count).max() ?? 0
        for r in rows {
            let score = Float((r.score * 1000).rounded() / 1000)
            lines.append(
                "\(String(r.rank).leftPad(3)). \(r.item.padding(toLength: width, withPad: " ", startingAt: 0))  \(score)"
            )
            if explain { lines.append("      \(r.provenance)") }
        }
        return lines.joined(separator: "\n")
    }
}

extension String {
    fileprivate func leftPad(_ n: Int) -> String { count >= n ? self : String(repeating: " ", count: n - count) + self }
}
