import RecpipeAlgorithms
import RecpipeData

/// `u:seen(id)`, `u:purchased(id)` and `u:has_tag(t)` of a user record, for rank rules and
/// candidates plugins alike. A plugin calls `u:seen` once per neighbour it visits, so a lookup
/// copies nothing: one dictionary probe for the id and a binary search in the user's sorted row.
final class UserItemSets: Sendable {
    /// The items of an interactions matrix, by user record row.
    final class Matrix: Sendable {
        let items: [String: Int]
        let pointers: [Int]
        let columns: [Int32]
        /// Per user record row, its row in the matrix (-1: none).
        let rowOf: [Int32]

        init(_ m: Interactions, rowOf: [Int32]) {
            items = m.items.index
            pointers = m.matrix.rowPointers
            columns = m.matrix.columns
            self.rowOf = rowOf
        }

        func contains(row: Int, key: String) -> Bool {
            let r = Int(rowOf[row])
            guard r >= 0, let i = items[key] else { return false }
            let t = Int32(i)
            var lo = pointers[r], hi = pointers[r + 1]
            while lo < hi {
                let mid = (lo + hi) / 2
                if columns[mid] < t { lo = mid + 1 } else { hi = mid }
            }
            return lo < pointers[r + 1] && columns[lo] == t
        }
    }

    let seen: Matrix?
    let purchased: Matrix?
    /// Per profile row its tags, and per user record row its profile row (-1: none).
    let tags: [[String]]
    let profileRow: [Int32]

    init(
        seen: Interactions?, seenRow: [Int32], purchased: Interactions?, purchasedRow: [Int32], tags: [[String]],
        profileRow: [Int32]
    ) {
        self.seen = seen.map { Matrix($0, rowOf: seenRow) }
        self.purchased = purchased.map { Matrix($0, rowOf: purchasedRow) }
        self.tags = tags
        self.profileRow = profileRow
    }

    /// Whether `key` is in set `set` (`seen`, `purchased`, `tags`) of user record `row`.
    func has(set: String, row: Int, key: String) -> Bool {
        switch set {
        case "seen": return seen?.contains(row: row, key: key) ?? false
        case "purchased": return purchased?.contains(row: row, key: key) ?? false
        case "tags":
            let r = Int(profileRow[row])
            return r >= 0 && r < tags.count && tags[r].contains(key)
        default: return false
        }
    }
}
