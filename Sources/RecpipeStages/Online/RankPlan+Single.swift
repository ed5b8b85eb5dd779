import RecpipeAlgorithms
import RecpipeData

/// A one-user plan for `recpipe serve`: the batch plan's items, sources, rules and options, with
/// the user's rows replaced by what the server learned since the batch (``UserOverride``).
/// Arrays indexed by item are shared with the batch plan (copy on write, never written here), so
/// building it costs O(the user's lists), not O(users).
extension RankPlan {
    /// A user the plan does not know (`u` nil) without a global popular row gets `fallback` (one
    /// row in the popular source's item space) as their popular list.
    func single(_ o: UserOverride, base u: Int?, popularGlobalRow: Int32?, fallback: Candidates? = nil) -> RankPlan {
        var p = self
        p.userIDs = [o.user]
        for i in p.sources.indices {
            let s = p.sources[i]
            if let list = o.lists[s.name] {
                let own = list.compactMap { e in s.candidates.items[e.item].map { (item: Int32($0), score: e.score) } }
                p.sources[i].candidates = Candidates(
                    source: s.candidates.source, users: IDMap([o.user]), items: s.candidates.items, lists: [own])
                p.sources[i].userRow = [0]
            } else {
                p.sources[i].userRow = [u.map { s.userRow[$0] } ?? -1]
            }
        }
        if let pop = p.popular {
            if u == nil, popularGlobalRow == nil, let fallback {
                p.popular!.candidates = fallback
                p.popular!.userRow = [0]
            } else {
                p.popular!.userRow = [u.map { pop.userRow[$0] } ?? popularGlobalRow ?? -1]
            }
        }
        if let seen {
            p.seen = Self.oneRow(seen, user: o.user, row: u.map { Int(seenUserRow[$0]) } ?? -1, adding: o.seen)
            p.seenUserRow = [0]
        } else {
            p.seenUserRow = [-1]
        }
        if let purchased {
            p.purchased = Self.oneRow(
                purchased, user: o.user, row: u.map { Int(purchasedUserRow[$0]) } ?? -1, adding: o.purchased)
            p.purchasedUserRow = [0]
        } else {
            p.purchasedUserRow = [-1]
        }
        if let profile = o.profile {
            p.profiles = profile
            p.profileRow = [0]
            p.profileTags = [o.tags]
        } else if let u, profileRow[u] >= 0 {
            p.profileRow = [profileRow[u]]
            p.profileTags = profileTags
        } else {
            p.profileRow = [-1]
        }
        return p
    }

    /// `interactions` reduced to one user: row `row` (or none when -1) plus `adding` (ids the
    /// matrix's items know; others cannot be in the batch's item space and are left out).
    static func oneRow(_ interactions: Interactions, user: String, row: Int, adding: [String]) -> Interactions {
        var cols = Set<Int32>()
        var weights: [Int32: Float] = [:]
        if row >= 0 {
            for k in interactions.matrix.rowRange(row) {
                cols.insert(interactions.matrix.columns[k])
                weights[interactions.matrix.columns[k]] = interactions.matrix.values[k]
            }
        }
        for id in adding {
            if let i = interactions.items[id] {
                cols.insert(Int32(i))
                weights[Int32(i), default: 0] += 1
            }
        }
        let sorted = cols.sorted()
        let matrix = SparseMatrix(
            rows: 1, cols: interactions.items.count, rowPointers: [0, sorted.count], columns: sorted,
            values: sorted.map { weights[$0] ?? 1 })
        return Interactions(users: IDMap([user]), items: interactions.items, matrix: matrix)
    }
}
