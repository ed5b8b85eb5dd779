import RecpipeData

/// Item popularity (users who interacted with an item) and what recommendation lists do with it:
/// the share of slots per popularity decile, coverage, and a most-popular baseline list.
struct PopularityBias {
    let interactions: Interactions
    /// Item index → decile 0 (most popular 10% of items) … 9.
    let decile: [Int]
    let itemIndex: [String: Int]
    /// Item indices, most popular first (ties by index).
    let order: [Int]

    init(_ interactions: Interactions) {
        self.interactions = interactions
        let n = interactions.items.count
        var users = [Int](repeating: 0, count: n)
        for c in interactions.matrix.columns { users[Int(c)] += 1 }
        order = (0..<n).sorted { users[$0] > users[$1] || (users[$0] == users[$1] && $0 < $1) }
        var decile = [Int](repeating: 9, count: n)
        for (rank, i) in order.enumerated() { decile[i] = min(9, rank * 10 / max(1, n)) }
        self.decile = decile
        itemIndex = Dictionary(uniqueKeysWithValues: (0..<n).map { (interactions.items[$0], $0) })
    }

    /// Share of all slots per decile (sums to 1 over items known to the interactions; items the
    /// interactions never saw count in the last decile, as they have no interactions).
    func decileShares(_ lists: [[String]]) -> [Double] {
        var counts = [Int](repeating: 0, count: 10)
        var total = 0
        for list in lists {
            for id in list {
                counts[itemIndex[id].map { decile[$0] } ?? 9] += 1
                total += 1
            }
        }
        return counts.map { total == 0 ? 0 : Double($0) / Double(total) }
    }

    func coverage(_ lists: [[String]]) -> (items: Int, share: Double) {
        let distinct = Set(lists.joined()).count
        return (distinct, Double(distinct) / Double(max(1, interactions.items.count)))
    }

    /// Each user's `top` most popular items they have not interacted with. O(users × (top + seen)).
    func baseline(top: Int) -> [[String]] {
        (0..<interactions.users.count).map { u in
            let seen = Set(interactions.seen(user: u))
            var list: [String] = []
            for i in order where !seen.contains(Int32(i)) {
                list.append(interactions.items[i])
                if list.count == top { break }
            }
            return list
        }
    }
}
