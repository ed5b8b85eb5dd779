import RealModule

/// Evaluation metrics for rating prediction and top-N ranking.
///
/// Ranking metrics take one ranked list per user (best first) and the user's relevant (test)
/// items, with binary relevance. A ranked list shorter than k is scored as if padded with misses;
/// each relevant item counts at most once. See `definitions` for the exact formulas.
package enum Metrics {
    /// One-line definitions, for printing next to results.
    package static let definitions: [String: String] = [
        "rmse": "RMSE = √(Σ (r̂ − r)² / n) over all predicted test ratings",
        "mae": "MAE = Σ |r̂ − r| / n over all predicted test ratings",
        "precision@k":
            "precision@k = hits in the top k / k (always divided by k, even when the user has fewer than k test items or the list is shorter), averaged over users with test items",
        "recall@k": "recall@k = hits in the top k / |test items|, averaged over users with test items",
        "ndcg@k":
            "NDCG@k = Σ_{hit at rank p ≤ k} 1/log2(p + 1) ÷ Σ_{p=1}^{min(k, |test|)} 1/log2(p + 1) (binary relevance), averaged over users with test items",
        "map@k": "MAP@k = Σ_{hit at rank p ≤ k} precision@p / min(k, |test|), averaged over users with test items",
        "hit_rate@k": "hit rate@k = fraction of users with test items that have at least one hit in the top k",
        "coverage@k": "catalogue coverage@k = distinct items in any evaluated user's top k / catalogue size",
        "popularity@k":
            "mean popularity@k = mean over evaluated users of the mean training interaction count of their top-k items (users with an empty list skipped)",
        "popularity_percentile@k":
            "popularity percentile@k = as popularity@k, with each item's popularity replaced by the fraction of catalogue items strictly less popular (0 = least popular, → 1 = most popular)",
        "users_evaluated": "users evaluated = users with at least one test item (only they enter the averages)",
        "users_without_test": "users without test = users given that have no test items (excluded from the averages)",
    ]

    // MARK: - Rating error

    /// Root mean squared error. O(n).
    package static func rmse(predicted: [Float], actual: [Float]) throws(AlgorithmError) -> Double {
        try checkPairs(predicted, actual)
        var s = 0.0
        for (p, a) in zip(predicted, actual) { s += (Double(p) - Double(a)) * (Double(p) - Double(a)) }
        return (s / Double(actual.count)).squareRoot()
    }

    /// Mean absolute error. O(n).
    package static func mae(predicted: [Float], actual: [Float]) throws(AlgorithmError) -> Double {
        try checkPairs(predicted, actual)
        var s = 0.0
        for (p, a) in zip(predicted, actual) { s += abs(Double(p) - Double(a)) }
        return s / Double(actual.count)
    }

    private static func checkPairs(_ p: [Float], _ a: [Float]) throws(AlgorithmError) {
        guard p.count == a.count else {
            throw AlgorithmError(
                .dimensionMismatch, "got \(p.count) predictions for \(a.count) ratings; pass one prediction per rating")
        }
        guard !a.isEmpty else { throw AlgorithmError.invalid("no ratings to evaluate: the test set is empty") }
    }

    // MARK: - Per-user ranking metrics

    /// 1-based ranks (≤ k) of the relevant items found in the top k, ascending.
    static func hitRanks(_ ranked: ArraySlice<Int32>, _ relevant: Set<Int32>, k: Int) -> [Int] {
        var found = Set<Int32>()
        var ranks: [Int] = []
        for (p, item) in ranked.prefix(k).enumerated() where relevant.contains(item) && !found.contains(item) {
            found.insert(item)
            ranks.append(p + 1)
        }
        return ranks
    }

    /// Hits in the top k / k.
    package static func precision(_ ranked: [Int32], relevant: Set<Int32>, k: Int) -> Double {
        guard k > 0 else { return 0 }
        return Double(hitRanks(ranked[...], relevant, k: k).count) / Double(k)
    }

    /// Hits in the top k / |relevant| (0 when nothing is relevant).
    package static func recall(_ ranked: [Int32], relevant: Set<Int32>, k: Int) -> Double {
        guard !relevant.isEmpty else { return 0 }
        return Double(hitRanks(ranked[...], relevant, k: k).count) / Double(relevant.count)
    }

    /// Binary-relevance NDCG@k with ideal DCG over min(k, |relevant|) positions.
    package static func ndcg(_ ranked: [Int32], relevant: Set<Int32>, k: Int) -> Double {
        let ideal = (0..<min(k, relevant.count)).reduce(0.0) { $0 + 1 / Double.log2(Double($1 + 2)) }
        guard ideal > 0 else { return 0 }
        let dcg = hitRanks(ranked[...], relevant, k: k).reduce(0.0) { $0 + 1 / Double.log2(Double($1 + 1)) }
        return dcg / ideal
    }

    /// Average precision@k: Σ precision@p at each hit rank p / min(k, |relevant|).
    package static func averagePrecision(_ ranked: [Int32], relevant: Set<Int32>, k: Int) -> Double {
        let denom = min(k, relevant.count)
        guard denom > 0 else { return 0 }
        let ranks = hitRanks(ranked[...], relevant, k: k)
        var s = 0.0
        for (h, p) in ranks.enumerated() { s += Double(h + 1) / Double(p) }
        return s / Double(denom)
    }

    /// 1 when some relevant item is in the top k, else 0.
    package static func hit(_ ranked: [Int32], relevant: Set<Int32>, k: Int) -> Double {
        hitRanks(ranked[...], relevant, k: k).isEmpty ? 0 : 1
    }
}
