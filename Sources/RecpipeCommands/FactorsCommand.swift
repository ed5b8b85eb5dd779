import ArgumentParser
import Foundation
import RecpipeCore
import RecpipeData
import RecpipeEngine
import RecpipeSpec
import RecpipeStages

/// `recpipe factors PIPELINE (--user U | --items a,b,c | --similar ITEM)`: queries the last run's
/// `als` factors — a user's recommendations (trained vector, or fold-in of a new user from items),
/// explanations, and similar items. Reads the cache only (nothing runs).
struct FactorsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "factors",
        abstract:
            "Query the last run's ALS factors: recommendations, fold-in of new users, explanations, similar items.",
        discussion: """
            --user U alone uses U's trained vector and excludes the items U interacted with in \
            training. --items a,b,c (each `id` or `id:value`) folds in a vector from those items \
            with the item factors fixed, for a user not in the data (or instead of U's trained \
            vector). --explain lists under each item the liked items that contributed most \
            (implicit models). --similar ITEM lists the items closest to ITEM (cosine).

            Examples:
              recpipe factors pipelines/demo.yaml --user U1043 --explain
              recpipe factors pipelines/demo.yaml --items I0012,I0400:3 -n 5
              recpipe factors pipelines/demo.yaml --similar I0012
            """)

    @OptionGroup var pipeline: PipelineArguments

    @Option(help: "A user id: recommendations from the trained vector (or a fold-in with --items).")
    var user: String?

    @Option(help: "Comma-separated item ids (id or id:value) to fold in a user vector from.")
    var items: String?

    @Option(help: "An item id: print the most similar items.")
    var similar: String?

    @Option(help: "The als stage to read (default: the only als stage, else the only one feeding a rank stage).")
    var stage: String?

    @Option(name: .short, help: "How many items to print.")
    var n: Int = 10

    @Flag(help: "Under each recommended item, the liked items that contributed most (implicit models).")
    var explain = false

    @Option(help: "Cache directory (default: .recpipe/ beside the pipeline file).")
    var cacheDir: String?

    func validate() throws {
        if n < 1 { throw ValidationError("-n must be at least 1 (got \(n))") }
        let itemList = items.map(Self.split) ?? []
        if similar != nil, user != nil || items != nil {
            throw ValidationError("--similar cannot be combined with --user or --items")
        }
        if similar == nil, user == nil, items == nil {
            throw ValidationError("give --user U, --items a,b,c or --similar ITEM")
        }
        if items != nil, itemList.isEmpty {
            throw ValidationError("--items is empty; give item ids separated by commas")
        }
        if explain, similar != nil { throw ValidationError("--explain applies to --user/--items recommendations") }
    }

    func run() async throws {
        let spec = try pipeline.load()
        let als = try alsStage(spec)
        let factors: Factors, seen: Interactions?
        do {
            (factors, seen) = try Self.latestFactors(
                of: als, from: StoredResult(spec, cacheDirectory: cacheDir, pipelineFile: pipeline.pipeline),
                seen: similar == nil && items == nil)
        } catch {
            Console.error("error: \(error.message)")
            throw ExitCode(1)
        }
        do {
            let lines: [String]
            if let similar {
                lines = try ALSQueries.similar(factors: factors, item: similar, n: n)
            } else {
                lines = try ALSQueries.recommend(
                    factors: factors, seen: seen, user: user, items: items.map(Self.split) ?? [], n: n, explain: explain
                )
            }
            Console.print(lines.joined(separator: "\n"))
        } catch let error as ALSQueryError {
            Console.error("error: \(error.message)")
            throw ExitCode(1)
        }
    }

    // MARK: - Helpers

    static func split(_ text: String) -> [String] {
        text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }

    /// The chosen als stage, or the only one.
    func alsStage(_ spec: PipelineSpec) throws -> StageSpec {
        try StageChoice.choose(spec, kind: "als", name: stage, flag: "--stage", purpose: "factors reads an als stage")!
    }

    /// The als stage's latest factors and, when `seen` (a known user's trained-vector list), the
    /// interactions it trained on, from the cache. A stage not run yet, or a result that cannot be
    /// read, is an error: without the interactions the seen items could not be excluded, so no
    /// answer is better than a different one.
    static func latestFactors(
        of als: StageSpec, from results: StoredResult, seen needSeen: Bool
    ) throws(StoredResult.Unavailable) -> (factors: Factors, seen: Interactions?) {
        let factors = try results.load(als.name, as: Factors.self, what: "als factors")
        return (factors, needSeen ? try seen(for: als, from: results) : nil)
    }

    /// The interactions the als stage trained on (its input, or the input split's train part).
    static func seen(for als: StageSpec, from results: StoredResult) throws(StoredResult.Unavailable) -> Interactions? {
        guard let input = als.inputs["interactions"]?.first else { return nil }
        let artifact = try results.load(input, as: (any Artifact).self, what: "interactions")
        if let split = artifact as? EvaluationSplit { return split.train }
        guard let interactions = artifact as? Interactions else {
            throw StoredResult.Unavailable(
                message:
                    "the stored result of stage '\(input)' is \(type(of: artifact).kind.rawValue), not interactions")
        }
        return interactions
    }
}
