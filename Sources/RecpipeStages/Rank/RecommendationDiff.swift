import RecpipeData

/// What changed between two runs' recommendations (`recpipe run --diff`): the share of users
/// whose top-N changed, the items that entered or left lists most often, catalogue coverage and
/// per-category share before and after. A pure function of the two artifacts.
package struct RecommendationDiff: Sendable, Equatable {
    package struct ItemCount: Sendable, Equatable {
        package var item: String
        package var users: Int
        /// The item with its `item_columns` (`22086 PAPER CHAIN KIT 50'S CHRISTMAS`); the id without them.
        package var label: String

        package init(item: String, users: Int, label: String? = nil) {
            self.item = item
            self.users = users
            self.label = label ?? item
        }
    }

    package struct CategoryShare: Sendable, Equatable {
        package var category: String
        /// Share of all recommended slots, 0…1.
        package var before: Double
        package var after: Double
    }

    /// Users present in both runs.
    package var usersCompared = 0
    /// Of those, users whose list differs (items or order).
    package var usersChanged = 0
    /// Of those, users whose list holds different items (not just a new order).
    package var usersWithNewItems = 0
    package var usersOnlyBefore = 0
    package var usersOnlyAfter = 0
    /// Items most often entering / leaving a user's list (most users first, then id).
    package var entering: [ItemCount] = []
    package var leaving: [ItemCount] = []
    /// Distinct items recommended to anyone.
    package var coverageBefore = 0
    package var coverageAfter = 0
    /// Per category (when categories are known), largest share after first.
    package var categories: [CategoryShare] = []

    package var changedShare: Double { usersCompared == 0 ? 0 : Double(usersChanged) / Double(usersCompared) }

    /// Compares two recommendation sets. O(total entries + users).
    ///
    /// - Parameters:
    ///   - categories: item id → category, for the per-category share (empty: no category table).
    ///   - limit: how many entering/leaving items to keep.
    package static func compare(
        before: Recommendations, after: Recommendations, categories: [String: String] = [:], limit: Int = 10
    ) -> RecommendationDiff {
        var d = RecommendationDiff()
        var entering: [String: Int] = [:], leaving: [String: Int] = [:]
        for u in 0..<after.users.count {
            guard let b = before.users[after.users[u]] else {
                d.usersOnlyAfter += 1
                continue
            }
            d.usersCompared += 1
            let new = after.itemIDs(user: u), old = before.itemIDs(user: b)
            guard new != old else { continue }
            d.usersChanged += 1
            let newSet = Set(new), oldSet = Set(old)
            if newSet != oldSet { d.usersWithNewItems += 1 }
            for i in new where !oldSet.contains(i) { entering[i, default: 0] += 1 }
            for i in old where !newSet.contains(i) { leaving[i, default: 0] += 1 }
        }
        d.usersOnlyBefore = before.users.ids.count { after.users[$0] == nil }
        func label(_ id: String) -> String { after.items[id] != nil ? after.label(id: id) : before.label(id: id) }
        d.entering = top(entering, limit).map { ItemCount(item: $0.item, users: $0.users, label: label($0.item)) }
        d.leaving = top(leaving, limit).map { ItemCount(item: $0.item, users: $0.users, label: label($0.item)) }
        d.coverageBefore = Set(before.itemIndices).count
        d.coverageAfter = Set(after.itemIndices).count
        if !categories.isEmpty {
            let b = shares(before, categories), a = shares(after, categories)
            d.categories = Set(b.keys).union(a.keys).map {
                CategoryShare(category: $0, before: b[$0] ?? 0, after: a[$0] ?? 0)
            }
            .sorted { $0.after > $1.after || ($0.after == $1.after && $0.category < $1.category) }
        }
        return d
    }

    private static func top(_ counts: [String: Int], _ limit: Int) -> [ItemCount] {
        counts.map { ItemCount(item: $0.key, users: $0.value) }
            .sorted { $0.users > $1.users || ($0.users == $1.users && $0.item < $1.item) }
            .prefix(limit).map { $0 }
    }

    private static func shares(_ r: Recommendations, _ categories: [String: String]) -> [String: Double] {
        var counts: [String: Int] = [:]
        for i in r.itemIndices { counts[categories[r.items[Int(i)]] ?? "(none)", default: 0] += 1 }
        let total = Double(max(1, r.itemIndices.count))
        return counts.mapValues { Double($0) / total }
    }

    // MARK: - Report

    /// The report printed by `recpipe run --diff`.
    package func render(stage: String, heading: String? = nil) -> String {
        var lines = [heading ?? "diff of '\(stage)' against its previous result:"]
        lines.append(
            "  users whose top-N changed: \(usersChanged) of \(usersCompared) (\(Self.percent(changedShare)))"
                + (usersWithNewItems < usersChanged ? ", \(usersChanged - usersWithNewItems) only reordered" : ""))
        if usersOnlyAfter + usersOnlyBefore > 0 {
            lines.append("  users new: \(usersOnlyAfter), gone: \(usersOnlyBefore)")
        }
        lines.append("  coverage: \(coverageBefore) → \(coverageAfter) distinct items")
        if !entering.isEmpty {
            lines.append(
                "  entering most often: " + entering.map { "\($0.label) (+\($0.users))" }.joined(separator: ", "))
        }
        if !leaving.isEmpty {
            lines.append(
                "  leaving most often:  " + leaving.map { "\($0.label) (-\($0.users))" }.joined(separator: ", "))
        }
        if !categories.isEmpty {
            lines.append("  category share (before → after):")
            for c in categories {
                lines.append("    \(c.category): \(Self.percent(c.before)) → \(Self.percent(c.after))")
            }
        }
        return lines.joined(separator: "\n")
    }

    /// `12.5%`.
    static func percent(_ x: Double) -> String {
        let tenths = Int((x * 1000).rounded())
        return "\(tenths / 10).\(tenths % 10)%"
    }
}
