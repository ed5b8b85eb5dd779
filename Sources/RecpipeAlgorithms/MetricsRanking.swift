/// Averages of the top-N ranking metrics over users, optionally broken down by user group.
package struct RankingReport: Sendable, Equatable {
    package var k: Int
    /// Users with at least one test item: the users every average is over.
    package var usersEvaluated: Int
    /// Users given that have no test items (skipped).
    package var usersWithoutTest: Int
    package var precision: Double
    package var recall: Double
    package var ndcg: Double
    package var map: Double
    package var hitRate: Double
    /// Distinct items in the evaluated users' top k / catalogue size.
    package var coverage: Double
    /// Mean training popularity of recommended items (nil without popularity counts).
    package var meanPopularity: Double?
    /// Mean popularity percentile of recommended items (nil without popularity counts).
    package var meanPopularityPercentile: Double?
    /// The same report restricted to each group's users (empty without groups).
    package var groups: [String: RankingReport]

    /// The metrics by name (the keys of `Metrics.definitions`, with `@k` spelled out).
    package var values: [(name: String, value: Double)] {
        var out: [(String, Double)] = [
            ("precision@\(k)", precision), ("recall@\(k)", recall), ("ndcg@\(k)", ndcg), ("map@\(k)", map),
            ("hit_rate@\(k)", hitRate), ("coverage@\(k)", coverage),
        ]
        if let meanPopularity { out.append(("popularity@\(k)", meanPopularity)) }
        if let meanPopularityPercentile { out.append(("popularity_percentile@\(k)", meanPopularityPercentile)) }
        return out.map { (name: $0.0, value: $0.1) }
    }
}

extension Metrics {
    /// Evaluates ranked lists against test items.
    ///
    /// - Parameters:
    ///   - recommendations: user u's ranked items (best first) are `recommendations[u]`.
    ///   - relevant: user u's test items are `relevant[u]` (same length as `recommendations`).
    ///   - catalogSize: number of items in the catalogue (for coverage and percentiles).
    ///   - itemPopularity: training interaction count per item (length `catalogSize`), optional.
    ///   - groups: user index → group label, optional; users without a label are only in the total.
    /// Complexity: O(Σ_u (k + |relevant_u|) + catalogSize log catalogSize).
    package static func ranking(
        recommendations: [[Int32]], relevant: [[Int32]], k: Int, catalogSize: Int,
        itemPopularity: [Int]? = nil, groups: [Int: String]? = nil
    ) throws(AlgorithmError) -> RankingReport {
        guard k >= 1 else { throw AlgorithmError.invalid("ranking metrics need k ≥ 1 (got \(k))") }
        guard recommendations.count == relevant.count else {
            throw AlgorithmError(
                .dimensionMismatch,
                "got recommendations for \(recommendations.count) users but test items "
                    + "for \(relevant.count); pass one (possibly empty) list per user to both")
        }
        guard catalogSize >= 1 else { throw AlgorithmError.invalid("catalogue size must be ≥ 1 (got \(catalogSize))") }
        if let itemPopularity, itemPopularity.count != catalogSize {
            throw AlgorithmError(
                .dimensionMismatch,
                "item popularity has \(itemPopularity.count) entries for a catalogue of \(catalogSize)")
        }
        for list in recommendations {
            if let bad = list.first(where: { $0 < 0 || Int($0) >= catalogSize }) {
                throw AlgorithmError.invalid(
                    "recommended item index \(bad) is outside the catalogue 0..<\(catalogSize)")
            }
        }
        let percentile = itemPopularity.map(popularityPercentiles)
        let all = Array(0..<recommendations.count)
        var report = aggregate(all, recommendations, relevant, k, catalogSize, itemPopularity, percentile)
        if let groups {
            var members: [String: [Int]] = [:]
            for u in all { if let g = groups[u] { members[g, default: []].append(u) } }
            for (g, users) in members {
                report.groups[g] = aggregate(
                    users, recommendations, relevant, k, catalogSize, itemPopularity, percentile)
            }
        }
        return report
    }

    /// Fraction of catalogue items strictly less popular than each item. O(n log n).
    static func popularityPercentiles(_ popularity: [Int]) -> [Double] {
        let sorted = popularity.sorted()
        let n = Double(popularity.count)
        return popularity.map { p in
            var lo = 0, hi = sorted.count
            while lo < hi {
                let mid = (lo + hi) / 2
                if sorted[mid] < p { lo = mid + 1 } else { hi = mid }
            }
            return Double(lo) / n
        }
    }

    private static func aggregate(
        _ users: [Int], _ recs: [[Int32]], _ relevant: [[Int32]], _ k: Int, _ catalogSize: Int,
        _ popularity: [Int]?, _ percentile: [Double]?
    ) -> RankingReport {
        var r = RankingReport(
            k: k, usersEvaluated: 0, usersWithoutTest: 0, precision: 0, recall: 0, ndcg: 0, map: 0, hitRate: 0,
            coverage: 0, meanPopularity: nil, meanPopularityPercentile: nil, groups: [:])
        var covered = Set<Int32>()
        var popSum = 0.0, pctSum = 0.0, popUsers = 0
        for u in users {
            let rel = Set(relevant[u])
            guard !rel.isEmpty else {
                r.usersWithoutTest += 1
                continue
            }
            r.usersEvaluated += 1
            let list = recs[u]
            r.precision += precision(list, relevant: rel, k: k)
            r.recall += recall(list, relevant: rel, k: k)
            r.ndcg += ndcg(list, relevant: rel, k: k)
            r.map += averagePrecision(list, relevant: rel, k: k)
            r.hitRate += hit(list, relevant: rel, k: k)
            let top = list.prefix(k)
            covered.formUnion(top)
            if let popularity, let percentile, !top.isEmpty {
                popSum += top.reduce(0.0) { $0 + Double(popularity[Int($1)]) } / Double(top.count)
                pctSum += top.reduce(0.0) { $0 + percentile[Int($1)] } / Double(top.count)
                popUsers += 1
            }
        }
        if r.usersEvaluated > 0 {
            let n = Double(r.usersEvaluated)
            r.precision /= n
            r.recall /= n
            r.ndcg /= n
            r.map /= n
            r.hitRate /= n
        }
        r.coverage = Double(covered.count) / Double(catalogSize)
        if popularity != nil {
            r.meanPopularity = popUsers > 0 ? popSum / Double(popUsers) : 0
            r.meanPopularityPercentile = popUsers > 0 ? pctSum / Double(popUsers) : 0
        }
        return r
    }
}
