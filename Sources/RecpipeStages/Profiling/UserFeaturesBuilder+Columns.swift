import Foundation
import RecpipeAlgorithms
import RecpipeData

/// Turning the per-user totals into feature columns (users without any counted event dropped).
extension UserFeaturesBuilder {
    func makeColumns(
        _ acc: Accumulators, _ tx: TransactionTotals, userIDs: [String], typeNames: [String], categories: [String],
        asOfDay: Int
    ) -> [Column] {
        let keep = userIDs.indices.filter { acc.events[$0] > 0 }
        let W = windows.count
        // Recency: last purchase, else last event; users with no dated event get the worst recency.
        var recency = keep.map { u -> Int64 in
            let last = acc.lastPurchaseDay[u] != .min ? acc.lastPurchaseDay[u] : acc.lastEventDay[u]
            return last == .min ? -1 : Int64(asOfDay - last)
        }
        let worst = recency.max() ?? 0
        for i in recency.indices where recency[i] < 0 { recency[i] = max(0, worst) }

        let frequency = keep.map { acc.frequency[$0] }
        let monetary = keep.map { Self.round2(acc.monetary[$0]) }
        var cols: [Column] = [
            .strings("user_id", keep.map { userIDs[$0] }),
            .ints("recency_days", recency),
            .ints("frequency", frequency),
            .doubles("monetary", monetary),
            .doubles(
                "avg_basket",
                keep.map { acc.frequency[$0] > 0 ? Self.round2(acc.monetary[$0] / Double(acc.frequency[$0])) : 0 }),
            .ints("events", keep.map { acc.events[$0] }),
        ]
        for (slot, name) in typeNames.enumerated() {
            let values = keep.map { acc.typeCounts[$0 * acc.typeCount + slot] }
            // The three standard counts (or purchases alone, without an event column) always
            // appear; other types only when present.
            if slot < 3 || values.contains(where: { $0 > 0 }) { cols.append(.ints(name, values)) }
        }
        cols.append(
            .ints(
                "active_span_days",
                keep.map { u in
                    acc.lastEventDay[u] == .min ? 0 : Int64(acc.lastEventDay[u] - acc.firstEventDay[u])
                }))
        cols += tx.columns(keep: keep, acc: acc, asOfDay: asOfDay)
        for (w, days) in windows.enumerated() {
            cols.append(.ints("frequency_\(days)d", keep.map { acc.frequencyW[$0 * W + w] }))
            cols.append(.doubles("spend_\(days)d", keep.map { Self.round2(acc.spendW[$0 * W + w]) }))
        }
        if rfm {
            let r = RFM.quantileScores(values: recency.map(Double.init), higherIsBetter: false)
            let f = RFM.quantileScores(values: frequency.map(Double.init), higherIsBetter: true)
            let m = RFM.quantileScores(values: monetary, higherIsBetter: true)
            cols.append(.ints("r_score", r.map(Int64.init)))
            cols.append(.ints("f_score", f.map(Int64.init)))
            cols.append(.ints("m_score", m.map(Int64.init)))
            cols.append(.strings("rfm_segment", keep.indices.map { RFM.segmentLabel(r: r[$0], f: f[$0], m: m[$0]) }))
        }
        if !categories.isEmpty { cols += shareColumns(acc, keep: keep, categories: categories) }
        return cols
    }

    /// `share_<value>` for the `topCategories` most frequent values, then `top_category`.
    func shareColumns(_ acc: Accumulators, keep: [Int], categories: [String]) -> [Column] {
        let C = acc.categories
        var totals = [Int64](repeating: 0, count: C)
        for u in keep { for c in 0..<C { totals[c] += acc.categoryCounts[u * C + c] } }
        let ranked = (0..<C).filter { totals[$0] > 0 }.sorted {
            totals[$0] > totals[$1] || (totals[$0] == totals[$1] && categories[$0] < categories[$1])
        }
        let top = ranked.prefix(topCategories)
        var used = Set<String>()
        var cols: [Column] = []
        for c in top {
            var name = "share_" + ColumnCodes.sanitize(categories[c])
            var suffix = 2
            while !used.insert(name).inserted {
                name = "share_" + ColumnCodes.sanitize(categories[c]) + "_\(suffix)"
                suffix += 1
            }
            cols.append(
                .doubles(
                    name,
                    keep.map { u in
                        var total: Int64 = 0
                        for j in 0..<C { total += acc.categoryCounts[u * C + j] }
                        return total == 0 ? 0 : Double(acc.categoryCounts[u * C + c]) / Double(total)
                    }))
        }
        // The user's most frequent value; ties go to the globally more frequent one.
        var favourite = [String?](repeating: nil, count: keep.count)
        for (i, u) in keep.enumerated() {
            var best = -1
            var bestCount: Int64 = 0
            for c in ranked where acc.categoryCounts[u * C + c] > bestCount {
                best = c
                bestCount = acc.categoryCounts[u * C + c]
            }
            if best >= 0 { favourite[i] = categories[best] }
        }
        var top_category = Column.strings("top_category", favourite.map { $0 ?? "" })
        top_category.validity = favourite.contains(nil) ? favourite.map { $0 != nil } : nil
        cols.append(top_category)
        cols.append(
            .doubles(
                "price_index",
                keep.map { u in
                    acc.pricedEvents[u] == 0 ? 1 : exp(acc.logPriceRatio[u] / Double(acc.pricedEvents[u]))
                }))
        return cols
    }

    /// Money rounded to cents, so sums do not show binary noise (12.300000000000001).
    @inline(__always)
    static func round2(_ x: Double) -> Double { (x * 100).rounded() / 100 }
}
