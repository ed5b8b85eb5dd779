import Foundation
import RecpipeData
import RecpipeEngine
import RecpipeScripting

/// Resolving the stage's inputs into a ``RankPlan``: one global user and item universe and the
/// index maps into each input. O(total candidates + items + profiles + seen entries).
extension RankPlan {
    struct Inputs {
        var sources: [(name: String, candidates: Candidates)] = []
        var popular: (name: String, candidates: Candidates)?
        var items: Table?
        var profiles: Table?
        /// The profiles table's id column (`user_id`, else its first column).
        var profileIDColumn: String?
        var seen: Interactions?
        /// Interactions of purchase events, for `u:purchased(id)`.
        var purchased: Interactions?
        /// Source name → weight; sources not listed weigh 1.
        var weights: [String: Double] = [:]
        var excludeCategories: [String] = []
        var categoryColumn = "category"
        /// Item ids named by pin rules: they join the universe even when no source lists them.
        var extraItems: [String] = []
    }

    /// Errors a user can fix in the YAML (a missing column).
    struct BuildError: Error, CustomStringConvertible {
        var description: String
        var param: String?
        /// The runtime code the stage fails with.
        var code: StageError.Code = .missingColumn
    }

    mutating func build(_ inputs: Inputs) throws(BuildError) {
        // Users: first appearance across sources, then profile-only users (they get the fallback).
        var userIndex: [String: Int32] = [:]
        func addUser(_ id: String) {
            if userIndex[id] == nil {
                userIndex[id] = Int32(userIDs.count)
                userIDs.append(id)
            }
        }
        var itemIndex: [String: Int32] = [:]
        func addItem(_ id: String) -> Int32 {
            if let g = itemIndex[id] { return g }
            let g = Int32(itemIDs.count)
            itemIndex[id] = g
            itemIDs.append(id)
            return g
        }
        for s in inputs.sources { for id in s.candidates.users.ids { addUser(id) } }
        var profileIDs: [String] = []
        if let p = inputs.profiles {
            let col = inputs.profileIDColumn ?? p.columnNames.first ?? "user_id"
            guard let c = p.columnIndex(col) else {
                throw BuildError(description: "the profiles table has no '\(col)' column", param: nil)
            }
            profileIDs = (0..<p.rowCount).map { p.value(row: $0, col: c).idText ?? "" }
            for id in profileIDs { addUser(id) }
        }

        func makeSource(_ name: String, _ c: Candidates, weight: Float) -> Source {
            let itemGlobal = c.items.ids.map { addItem($0) }
            var userRow = [Int32](repeating: -1, count: 0)
            userRow.reserveCapacity(userIDs.count)
            return Source(name: name, weight: weight, candidates: c, userRow: userRow, itemGlobal: itemGlobal)
        }
        sources = inputs.sources.map { s in
            makeSource(s.name, s.candidates, weight: Float(inputs.weights[s.name] ?? 1))
        }
        popular = inputs.popular.map { makeSource($0.name, $0.candidates, weight: 1) }
        for id in inputs.extraItems { _ = addItem(id) }
        if let items = inputs.items, let c = items.columnIndex(itemIDColumn) {
            // Catalogue items join the universe so rules and pins can name any of them.
            for r in 0..<items.rowCount { _ = addItem(items.value(row: r, col: c).idText ?? "") }
        }

        // User rows per source.
        for i in sources.indices {
            sources[i].userRow = userRows(sources[i].candidates.users, userIndex, fallbackRow: nil)
        }
        if let p = popular {
            var ids = p.candidates.users
            var global = ids["*"] ?? ids["__all__"] ?? ids[""] ?? (ids.count == 1 ? 0 : nil)
            if global == nil, userIDs.contains(where: { ids[$0] == nil }), let overall = Self.overallRow(p.candidates) {
                // A user the popular stage has no row for (profiled from rows its interactions
                // leave out) gets the overall list, as `recpipe serve` gives an unknown visitor.
                // Only then: the row is added to a copy of the lists.
                popular!.candidates = p.candidates.appendingRow(user: "*", overall)
                ids = popular!.candidates.users
                global = ids.count - 1
            }
            popular!.userRow = userRows(ids, userIndex, fallbackRow: global.map(Int32.init))
        }

        // Item order (ties: item id ascending).
        itemOrder = [Int32](repeating: 0, count: itemIDs.count)
        itemByOrder = itemIDs.indices.sorted(by: { itemIDs[$0] < itemIDs[$1] }).map(Int32.init)
        for (rank, g) in itemByOrder.enumerated() {
            itemOrder[Int(g)] = Int32(rank)
        }

        // Seen sets.
        if let seen = inputs.seen {
            self.seen = seen
            seenUserRow = userRows(seen.users, userIndex, fallbackRow: nil)
            seenItemGlobal = seen.items.ids.map { itemIndex[$0] ?? -1 }
        } else {
            seenUserRow = [Int32](repeating: -1, count: userIDs.count)
        }
        if let purchased = inputs.purchased {
            self.purchased = purchased
            purchasedUserRow = userRows(purchased.users, userIndex, fallbackRow: nil)
        } else {
            purchasedUserRow = [Int32](repeating: -1, count: userIDs.count)
        }

        // Items table: rows, categories, stock.
        itemRow = [Int32](repeating: -1, count: itemIDs.count)
        itemCategory = [Int32](repeating: -1, count: itemIDs.count)
        excludedCategory = [Bool](repeating: false, count: itemIDs.count)
        if let items = inputs.items {
            self.items = items
            guard let idCol = items.columnIndex(itemIDColumn) else {
                throw BuildError(
                    description:
                        "the items table has no '\(itemIDColumn)' column (columns: \(items.columnNames.joined(separator: ", ")))",
                    param: "item_id_column")
            }
            for r in 0..<items.rowCount {
                if let g = itemIndex[items.value(row: r, col: idCol).idText ?? ""], itemRow[Int(g)] < 0 {
                    itemRow[Int(g)] = Int32(r)
                }
            }
            if let catCol = items.columnIndex(inputs.categoryColumn) {
                var codes: [String: Int32] = [:]
                let excluded = Set(inputs.excludeCategories)
                for g in 0..<itemIDs.count where itemRow[g] >= 0 {
                    let v = items.value(row: Int(itemRow[g]), col: catCol)
                    guard !v.isNull else { continue }
                    let name = v.idText ?? ""
                    if let c = codes[name] {
                        itemCategory[g] = c
                    } else {
                        let c = Int32(categoryNames.count)
                        codes[name] = c
                        categoryNames.append(name)
                        itemCategory[g] = c
                    }
                    excludedCategory[g] = excluded.contains(name)
                }
            } else if !inputs.excludeCategories.isEmpty || options.maxPerCategory != nil {
                throw BuildError(
                    description:
                        "the items table has no '\(inputs.categoryColumn)' column, needed by exclude_categories/max_per_category",
                    param: "category_column")
            }
            if options.inStockOnly {
                guard let stockCol = items.columnIndex("stock") else {
                    throw BuildError(
                        description: "in_stock_only needs a 'stock' column in the items table", param: "in_stock_only")
                }
                inStock = (0..<itemIDs.count).map { g in
                    itemRow[g] >= 0 && (items.double(row: Int(itemRow[g]), col: stockCol) ?? 0) > 0
                }
            }
        } else if options.inStockOnly || !inputs.excludeCategories.isEmpty || options.maxPerCategory != nil {
            throw BuildError(
                description:
                    "in_stock_only, exclude_categories and max_per_category need the items table: connect an `items` input",
                param: nil, code: .missingInput)
        }

        // Item views for rules.
        let columns = items?.columns ?? []
        itemFieldNames = columns.isEmpty ? [itemIDColumn] : columns.map(\.name)
        let idField = itemFieldNames.firstIndex(of: itemIDColumn)
        itemValues.reserveCapacity(itemIDs.count * itemFieldNames.count)
        for g in 0..<itemIDs.count {
            let r = Int(itemRow[g])
            for f in itemFieldNames.indices {
                itemValues.append(r >= 0 ? columns[f].scriptValue(r) : (f == idField ? .string(itemIDs[g]) : .null))
            }
        }

        // Profiles.
        profileRow = [Int32](repeating: -1, count: userIDs.count)
        if let p = inputs.profiles {
            profiles = p
            for (r, id) in profileIDs.enumerated() where profileRow[Int(userIndex[id]!)] < 0 {
                profileRow[Int(userIndex[id]!)] = Int32(r)
            }
            profileTags = TagColumn.rows(of: p) ?? [[String]](repeating: [], count: p.rowCount)
        }
    }

    /// Global user → row in `ids` (or `fallbackRow`, or -1).
    private func userRows(_ ids: IDMap, _ userIndex: [String: Int32], fallbackRow: Int32?) -> [Int32] {
        var rows = [Int32](repeating: fallbackRow ?? -1, count: userIDs.count)
        for (r, id) in ids.ids.enumerated() {
            if let g = userIndex[id] { rows[Int(g)] = Int32(r) }
        }
        return rows
    }
}

extension RankPlan {
    /// The one ranking every row of a popular stage's lists is cut from (each row: the overall
    /// list less that user's seen items), as long as the longest row; nil when two rows give an
    /// item different scores (popularity within groups) or there are no rows. O(entries + items log items).
    static func overallRow(_ c: Candidates) -> [(item: Int32, score: Float)]? {
        guard c.users.count > 0 else { return nil }
        var score = [Float](repeating: .nan, count: c.items.count)
        var longest = 0
        for u in 0..<c.users.count {
            let r = c.range(user: u)
            longest = max(longest, r.count)
            for p in r {
                let i = Int(c.itemIndices[p]), s = c.scores[p]
                if score[i].isNaN { score[i] = s } else if score[i] != s { return nil }
            }
        }
        let ranked = score.indices.filter { !score[$0].isNaN }.sorted { (score[$0], -$0) > (score[$1], -$1) }
        return ranked.prefix(longest).map { (Int32($0), score[$0]) }
    }
}

extension Candidates {
    /// These lists with one more row, `list` for `user`.
    func appendingRow(user: String, _ list: [(item: Int32, score: Float)]) -> Candidates {
        Candidates(
            source: source, users: IDMap(users.ids + [user]), items: items,
            offsets: offsets + [offsets[offsets.count - 1] + list.count], itemIndices: itemIndices + list.map(\.item),
            scores: scores + list.map(\.score))
    }
}
