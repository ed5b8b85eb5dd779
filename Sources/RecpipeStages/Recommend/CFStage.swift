import Foundation
import RecpipeAlgorithms
import RecpipeCore
import RecpipeData
import RecpipeEngine
import RecpipeSpec

/// `cf`: user- or item-based collaborative filtering producing top-N candidates per user.
///
/// - item mode with `similarity: cosine`: implicit-style item-kNN (`KNNItemRecommender`) with
///   optional TF-IDF / BM25 weighting; score(u, i) = Σ_{j ∈ seen(u)} sim(j, i) · x_uj.
/// - item mode with another similarity: `KNNIndex` item–item lists, scored the same way.
/// - user mode: `KNNIndex` user–user lists; score(u, i) = Σ_{v ∈ N(u)} sim(u, v) · x_vi.
/// Seen items are excluded. A `split` input trains on its train part only.
///
/// With `output: similar_items` (item mode) the stage stops after the item–item lists and
/// outputs them (``SimilarItems``, kind `similar_items`): each item's `neighbors` most similar other
/// items, exported as `item_id, neighbor_id, rank, similarity`.
struct CFStage: Stage {
    static let similarities = ["cosine", "pearson", "adjusted_cosine", "jaccard", "msd", "pearson_baseline"]

    static let declaration: StageDeclaration = StageDeclaration(
        kind: "cf",
        summary: "User- or item-based kNN collaborative filtering: top-N candidates per user (seen items excluded).",
        aliases: ["knn", "itemknn", "item_knn", "userknn", "user_knn", "itemcf", "usercf", "collaborative_filtering"],
        inputs: [
            PortSpec(
                "interactions", accepts: [.interactions, .split],
                doc: "the user×item matrix, or a split (trains on its train part)")
        ],
        params: [
            ParamSpec("mode", .choice(["user", "item"]), default: .string("item"), doc: "user-kNN or item-kNN"),
            ParamSpec(
                "similarity", .choice(similarities), default: .string("cosine"),
                doc: "similarity measure (Surprise definitions; item cosine = implicit's full-vector cosine)"),
            ParamSpec(
                "weighting", .choice(["none", "tfidf", "bm25"]), default: .string("none"),
                doc: "item mode with cosine: weighting before similarity, as implicit's Cosine/TFIDF/BM25 recommenders"),
            ParamSpec("bm25_k1", .float, default: .double(1.2), range: 0...1000, doc: "BM25 k1"),
            ParamSpec("bm25_b", .float, default: .double(0.75), range: 0...1, doc: "BM25 b"),
            ParamSpec(
                "neighbors", .int, default: .int(50), range: 1...1_000_000, doc: "k: neighbours kept per user/item"),
            ParamSpec(
                "min_neighbors", .int, default: .int(1), range: 1...1_000_000,
                doc: "drop a candidate reached through fewer neighbours than this"),
            ParamSpec(
                "min_support", .int, default: .int(1), range: 1...1_000_000,
                doc: "pairs with fewer co-rated entries get similarity 0 (not for item cosine)"),
            ParamSpec(
                "shrinkage", .float, default: .double(0), range: 0...1e9,
                doc: "sim · n / (n + shrinkage) (not for item cosine)"),
            ParamSpec("candidates", .int, default: .int(100), range: 1...1_000_000, doc: "top-N candidates per user"),
            ParamSpec(
                "output", .choice(["candidates", "similar_items"]), default: .string("candidates"),
                doc:
                    "candidates (per user, for rank/evaluate) or similar_items (item mode: each item's `neighbors` most similar items, for export)"
            ),
            ParamSpec(
                "max_memory", .oneOf([.int, .string]),
                doc:
                    "refuse before computing when the neighbour lists would need more (bytes or \"2GB\"); default half of physical memory"
            ),
        ],
        outputFor: { params in params["output"]?.stringValue == "similar_items" ? .similarItems : .candidates },
        check: { spec, _ in check(spec) })

    static func check(_ spec: StageSpec) -> [Diagnostic] {
        let params = StageParameters(spec, declaration: declaration)
        let mode = params.string("mode"), sim = params.string("similarity"), weighting = params.string("weighting")
        var out: [Diagnostic] = []
        if weighting != "none", mode == "user" || sim != "cosine" {
            out.append(
                .error(
                    "invalid-param",
                    "stage '\(spec.name)': `weighting: \(weighting)` only applies to item mode with `similarity: cosine`",
                    at: spec.paramLocations["weighting"] ?? spec.location,
                    hint: "remove `weighting`, or use `mode: item` with `similarity: cosine`"))
        }
        if params.string("output") == "similar_items" && mode == "user" {
            out.append(
                .error(
                    "invalid-param",
                    "stage '\(spec.name)': `output: similar_items` needs `mode: item` (user mode finds similar users)",
                    at: spec.paramLocations["output"] ?? spec.location,
                    hint: "set `mode: item`, or remove `output` to make candidates"))
        }
        return out
    }

    func run(_ context: StageContext) async throws -> StageOutput {
        let data = try context.trainingInteractions()
        let m = data.matrix
        let settings = try Self.settings(context)
        context.progress(nil, "similarities")
        if context.string("output") == "similar_items" { return try similarItems(data, settings, context) }
        let lists: RankedLists
        let description: String
        let clock = ContinuousClock()
        let started = clock.now
        do {
            (lists, description) = try Self.compute(m, settings)
        } catch {
            throw Self.located(error, context)
        }
        let candidates = Candidates(source: context.stageName, users: data.users, items: data.items, lists: lists)
        let withCandidates = (0..<lists.rowCount).count { !lists.range($0).isEmpty }
        let mean = withCandidates > 0 ? Double(candidates.rowCount) / Double(withCandidates) : 0
        return StageOutput(
            candidates, rowsIn: m.nonZeroCount,
            counters: [
                .init("users_with_candidates", withCandidates),
                .init("users_without_candidates", lists.rowCount - withCandidates),
            ],
            notes: [
                String(
                    format:
                        "%@: %d of %d users have candidates, %.1f per user on average (seen items excluded); fit + recommend %.3f s",
                    description, withCandidates, lists.rowCount, mean, (clock.now - started).seconds)
            ])
    }

    // MARK: - Computation

    struct Settings {
        var mode: String
        var k: Int
        var count: Int
        var minNeighbors: Int
        var maxMemory: Int
        var options: SimilarityOptions
        var weighting: String
        var bm25: (k1: Double, b: Double)
        var threads: Int
    }

    /// The settings of a `cf` stage's parameters.
    static func settings(_ context: StageContext) throws -> Settings {
        let options = SimilarityOptions(
            measure: try measure(context), minSupport: context.int("min_support"),
            shrinkage: context.double("shrinkage"))
        return Settings(
            mode: context.string("mode"), k: context.int("neighbors"), count: context.int("candidates"),
            minNeighbors: context.int("min_neighbors"), maxMemory: try MemoryLimit.bytes(context), options: options,
            weighting: context.string("weighting"), bm25: (context.double("bm25_k1"), context.double("bm25_b")),
            threads: context.threads)
    }

    /// A similarity failure located at the parameter that bounds it.
    static func located(_ error: AlgorithmError, _ context: StageContext) -> StageError {
        let param = error.code == .memoryLimitExceeded ? "max_memory" : "neighbors"
        return StageError(error.message, code: .init(error.code), at: context.location(of: param))
    }

    /// Neighbour lists, then top-N scoring; returns the lists and a one-line description.
    static func compute(
        _ m: SparseMatrix, _ s: Settings
    ) throws(AlgorithmError) -> (RankedLists, String) {
        let measure = s.options.measure
        if let neighbors = try itemNeighbors(m, s) {
            let lists = NeighborScoring.topN(
                first: m, second: neighbors.matrix(columns: m.cols), seen: m, itemCount: m.cols, count: s.count,
                minContributions: s.minNeighbors, threads: s.threads)
            let weighted = measure == .cosine && s.weighting != "none" ? ", \(s.weighting)" : ""
            return (lists, "item-kNN (\(measure.rawValue)\(weighted), k=\(s.k))")
        }
        let biases = measure == .pearsonBaseline ? try BaselineModel(ratings: m).biasTerms(userBased: true) : nil
        let neighbors = try KNNIndex.build(
            m, neighbors: s.k, options: s.options, biases: biases, maxMemoryBytes: s.maxMemory, entity: "user")
        let lists = NeighborScoring.topN(
            first: neighbors.matrix(columns: m.rows), second: m, seen: m, itemCount: m.cols, count: s.count,
            minContributions: s.minNeighbors, threads: s.threads)
        return (lists, "user-kNN (\(measure.rawValue), k=\(s.k))")
    }

    /// Item mode: every item's `k` nearest items (the second hop of the scoring); user mode: nil.
    static func itemNeighbors(_ m: SparseMatrix, _ s: Settings) throws(AlgorithmError) -> NeighborLists? {
        guard s.mode == "item" else { return nil }
        let measure = s.options.measure
        if measure == .cosine {
            let w: KNNWeighting =
                switch s.weighting {
                case "tfidf": .tfidf
                case "bm25": .bm25(k1: s.bm25.k1, b: s.bm25.b)
                default: .none
                }
            return try KNNItemRecommender(userItems: m, neighbors: s.k, weighting: w, maxMemoryBytes: s.maxMemory)
                .neighbors
        }
        let biases = measure == .pearsonBaseline ? try BaselineModel(ratings: m).biasTerms(userBased: false) : nil
        return try KNNIndex.build(
            m.transposed(), neighbors: s.k, options: s.options, biases: biases, maxMemoryBytes: s.maxMemory,
            entity: "item")
    }

    // MARK: - Parameters

    static func measure(_ context: StageContext) throws -> SimilarityMeasure {
        let name = context.string("similarity")
        switch name {
        case "adjusted_cosine": return .adjustedCosine
        case "pearson_baseline": return .pearsonBaseline
        default:
            guard let m = SimilarityMeasure(rawValue: name) else {
                throw StageError(
                    "unknown similarity '\(name)'", code: .invalidParam, at: context.location(of: "similarity"),
                    hint: "use one of \(similarities.joined(separator: ", "))")
            }
            return m
        }
    }
}
