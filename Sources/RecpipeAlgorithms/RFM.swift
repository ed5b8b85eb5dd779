/// Recency–frequency–monetary scoring helpers.
package enum RFM {
    // MARK: - Quantile scores

    /// Scores each value 1…`bins` by its rank, `bins` being the best.
    ///
    /// **Tie rule.** A value's score depends only on how many values are strictly worse than it:
    /// `score = 1 + ⌊bins × worse / n⌋`, where "worse" means smaller when `higherIsBetter`
    /// (frequency, monetary) and larger otherwise (recency in days). Equal values therefore always
    /// share a score. This is pandas' `qcut` applied to `rank(method="min")` (the percentile of the
    /// minimum rank), so with distinct values the bins hold n/bins values each; a large tie block
    /// gets the score of its lowest rank and the next bins start after it (e.g. 60% of customers
    /// with frequency 1 all score 1, and the next frequency scores 4).
    ///
    /// NaN counts as the worst value (score 1 when alone at the bottom). O(n log n).
    /// - Precondition: `bins >= 1`.
    package static func quantileScores(values: [Double], bins: Int = 5, higherIsBetter: Bool) -> [Int] {
        precondition(bins >= 1, "bins must be at least 1")
        guard !values.isEmpty else { return [] }
        let sorted = sortedKeys(values: values, higherIsBetter: higherIsBetter)
        return values.map { score($0, sortedKeys: sorted, bins: bins, higherIsBetter: higherIsBetter) }
    }

    /// The keys ``score(_:sortedKeys:bins:higherIsBetter:)`` compares against: ascending from
    /// worse to better (NaN the worst).
    package static func sortedKeys(values: [Double], higherIsBetter: Bool) -> [Double] {
        values.map { key($0, higherIsBetter: higherIsBetter) }.sorted()
    }

    /// The 1…`bins` score of `value` among the values behind `sortedKeys` (those that are worse
    /// decide it), as ``quantileScores(values:bins:higherIsBetter:)`` scores its own values: a
    /// new value is scored against a batch's distribution without recomputing it. O(log n).
    package static func score(_ value: Double, sortedKeys: [Double], bins: Int = 5, higherIsBetter: Bool) -> Int {
        guard !sortedKeys.isEmpty else { return 1 }
        let worse = firstIndex(in: sortedKeys, notBelow: key(value, higherIsBetter: higherIsBetter))
        return min(bins, 1 + (bins * worse) / sortedKeys.count)
    }

    static func key(_ v: Double, higherIsBetter: Bool) -> Double {
        if v.isNaN { return -.infinity }
        return higherIsBetter ? v : -v
    }

    static func firstIndex(in sorted: [Double], notBelow key: Double) -> Int {
        var lo = 0, hi = sorted.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if sorted[mid] < key { lo = mid + 1 } else { hi = mid }
        }
        return lo
    }

    // MARK: - Segments

    /// The classic RFM segment for 1…5 scores (5 best; recency scored so that recent = 5).
    ///
    /// Uses the widely used R × F grid (the map popularised by the "RFM segmentation" notebooks,
    /// rows = R, columns = F), checked in this order:
    ///
    /// | R \ F | 1 | 2 | 3 | 4 | 5 |
    /// |---|---|---|---|---|---|
    /// | 5 | New Customers | Potential Loyalists | Potential Loyalists | Champions | Champions |
    /// | 4 | Promising | Potential Loyalists | Potential Loyalists | Loyal Customers | Loyal Customers |
    /// | 3 | About To Sleep | About To Sleep | Need Attention | Loyal Customers | Loyal Customers |
    /// | 2 | Hibernating | Hibernating | At Risk | At Risk | Can't Lose Them |
    /// | 1 | Hibernating* | Hibernating | At Risk | At Risk | Can't Lose Them |
    ///
    /// \* The grid has no "Lost" cell; following the 11-segment tables that add it, R = 1, F = 1
    /// with a low monetary score (M ≤ 2) is **Lost**; with M ≥ 3 it stays Hibernating.
    /// M is used only for that split. Scores outside 1…5 are clamped.
    package static func segmentLabel(r: Int, f: Int, m: Int) -> String {
        let r = min(5, max(1, r)), f = min(5, max(1, f)), m = min(5, max(1, m))
        switch (r, f) {
        case (1, 1) where m <= 2: return "Lost"
        case (1...2, 1...2): return "Hibernating"
        case (1...2, 3...4): return "At Risk"
        case (1...2, 5): return "Can't Lose Them"
        case (3, 1...2): return "About To Sleep"
        case (3, 3): return "Need Attention"
        case (3...4, 4...5): return "Loyal Customers"
        case (4, 1): return "Promising"
        case (5, 1): return "New Customers"
        case (4...5, 2...3): return "Potential Loyalists"
        default: return "Champions"  // (5, 4...5)
        }
    }

    /// All segment names `segmentLabel` can return, best first.
    package static let segmentNames = [
        "Champions", "Loyal Customers", "Potential Loyalists", "New Customers", "Promising",
        "Need Attention", "About To Sleep", "At Risk", "Can't Lose Them", "Hibernating", "Lost",
    ]
}
