import Foundation
import RecpipeAlgorithms
import RecpipeCore
import RecpipeData
import RecpipeEngine
import RecpipeSpec

/// `popular`: the most popular items each user has not seen yet — the fallback of `rank`.
///
/// popularity(i) = Σ over users who interacted with i of 0.5^(age / half_life_days), age in days
/// from the entry's latest event to the reference time (the pipeline's `as_of`, else the latest
/// event); without `half_life_days` (or without event times) every interacting user counts 1.
/// With a `segments` input, popularity is computed within each user's group (users without a
/// group get the overall ranking). Ties: item index ascending.
/// Complexity: O(nnz + groups × items log items + Σ_u (|seen(u)| + N)).
struct PopularStage: Stage {
    static let declaration = StageDeclaration(
        kind: "popular",
        summary: "Most popular unseen items per user (optionally recency-weighted and per segment).",
        aliases: ["popularity", "toppop", "most_popular", "baseline"],
        inputs: [
            PortSpec(
                "interactions", accepts: [.interactions, .split],
                doc: "the user×item matrix, or a split (uses its train part)"),
            PortSpec(
                "segments", accepts: [.segments, .profiles], required: false,
                doc: "per-user groups: popularity within each group"),
        ],
        params: [
            ParamSpec("candidates", .int, default: .int(100), range: 1...1_000_000, doc: "top-N items per user"),
            ParamSpec(
                "half_life_days", .float, range: 0.001...1e9,
                doc: "recency weighting: an interaction counts 0.5^(age/half_life)"),
            ParamSpec(
                "group_column", .string, default: .string("segment"),
                doc: "profiles input: the column naming each user's group"),
        ],
        output: .candidates)

    func run(_ context: StageContext) async throws -> StageOutput {
        let data = try context.trainingInteractions()
        let m = data.matrix
        let count = context.int("candidates")
        let weights = Self.entryWeights(
            data, halfLifeDays: context.optionalDouble("half_life_days"), asOf: context.asOf)
        var groupOf = [Int](repeating: -1, count: m.rows)
        var groupNames: [String] = []
        if let labels = try context.userGroups(users: data.users) {
            groupNames = Set(labels.values).sorted()
            let index = Dictionary(uniqueKeysWithValues: groupNames.enumerated().map { ($1, $0) })
            for (u, g) in labels { groupOf[u] = index[g]! }
        }
        // Popularity per group (last slot: everyone).
        var scores = [[Double]](repeating: [Double](repeating: 0, count: m.cols), count: groupNames.count + 1)
        for u in 0..<m.rows {
            for p in m.rowRange(u) {
                let i = Int(m.columns[p])
                scores[groupNames.count][i] += weights[p]
                if groupOf[u] >= 0 { scores[groupOf[u]][i] += weights[p] }
            }
        }
        let rankings = scores.map(Self.ranking)
        var lists: [[(item: Int32, score: Float)]] = []
        lists.reserveCapacity(m.rows)
        for u in 0..<m.rows {
            let g = groupOf[u] >= 0 ? groupOf[u] : groupNames.count
            var list: [(item: Int32, score: Float)] = []
            for i in rankings[g] where !data.hasSeen(user: u, item: i) {
                list.append((Int32(i), Float(scores[g][i])))
                if list.count == count { break }
            }
            lists.append(list)
        }
        let candidates = Candidates(source: context.stageName, users: data.users, items: data.items, lists: lists)
        let top = rankings[groupNames.count].prefix(5).map { data.items[$0] }.joined(separator: ", ")
        var notes = [
            "most popular: \(top)" + (context.optionalDouble("half_life_days").map { " (half-life \($0) days)" } ?? "")
        ]
        if !groupNames.isEmpty { notes.append("popularity computed within \(groupNames.count) groups") }
        let withCandidates = lists.count { !$0.isEmpty }
        return StageOutput(
            candidates, rowsIn: m.nonZeroCount,
            counters: [
                .init("users_with_candidates", withCandidates), .init("items_ranked", rankings[groupNames.count].count),
            ],
            notes: notes)
    }

    /// Items with a popularity above 0, most popular first (ties: item index ascending).
    static func ranking(_ s: [Double]) -> [Int] {
        (0..<s.count).filter { s[$0] > 0 }.sorted { (s[$0], -$0) > (s[$1], -$1) }
    }

    /// The overall list of the stage of `context` (its inputs loaded as a run hands them): the
    /// `candidates` most popular items over all users, nothing excluded — what a user the run did
    /// not see would get (`recpipe serve`'s fallback for unknown users).
    static func overallList(_ context: StageContext) throws -> [(item: String, score: Float)] {
        let data = try context.trainingInteractions()
        let m = data.matrix
        let weights = Self.entryWeights(
            data, halfLifeDays: context.optionalDouble("half_life_days"), asOf: context.asOf)
        var score = [Double](repeating: 0, count: m.cols)
        for p in 0..<m.nonZeroCount { score[Int(m.columns[p])] += weights[p] }
        return ranking(score).prefix(context.int("candidates")).map { (data.items[$0], Float(score[$0])) }
    }

    /// Weight of each stored entry: 1, or 0.5^(age/half_life) with age from its event time.
    static func entryWeights(_ data: Interactions, halfLifeDays: Double?, asOf: String?) -> [Double] {
        let n = data.matrix.nonZeroCount
        guard let halfLifeDays, let ts = data.timestamps, let latest = ts.max() else {
            return [Double](repeating: 1, count: n)
        }
        let reference = asOf.flatMap(Timestamp.date) ?? latest
        return ts.map { t in
            let ageDays = max(0, Double(reference - t) / 86_400)
            return pow(0.5, ageDays / halfLifeDays)
        }
    }
}
