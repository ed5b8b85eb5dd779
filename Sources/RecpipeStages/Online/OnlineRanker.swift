import RecpipeAlgorithms
import RecpipeData
import RecpipeEngine
import RecpipeScripting
import Synchronization

/// One ranked item of a user's list, with its provenance (sources, blend, rules).
package struct RankedItem: Sendable, Equatable {
    package var item: String
    package var score: Float
    package var provenance: String
}

/// A user's ranked list; `fallback` when it came from the popular fallback.
package struct RankedList: Sendable, Equatable {
    package var items: [RankedItem]
    package var fallback: Bool
}

/// What the server knows about a user beyond the batch: items added to the seen and purchased
/// sets, an updated profile row, tags, and candidate lists that replace a source's (ALS fold-in).
package struct UserOverride: Sendable {
    package var user: String
    package var seen: [String] = []
    package var purchased: [String] = []
    /// One row with the columns of ``OnlineRanker/profiles`` (nil: the batch row, if any).
    package var profile: Table?
    package var tags: [String] = []
    /// Source name → the user's new list (item id, score), best first.
    package var lists: [String: [(item: String, score: Float)]] = [:]

    package init(user: String) { self.user = user }
}

/// The batch's rank plan, kept in memory to rank one user at a time on request: the same blend,
/// filters, promotions, pins and category cap as the `rank` stage, for batch users as stored or
/// for a user with a ``UserOverride``. Workers (one Lua runtime each) are pooled and reused.
/// Thread-safe; a rules change makes a new ranker (``replacingScripts(_:)``) to swap in whole.
package final class OnlineRanker: Sendable {
    let plan: RankPlan
    let rules: RankRules
    private let userIndex: [String: Int32]
    private let itemIndex: [String: Int32]
    private let pool = Mutex<[WorkerBox]>([])
    /// The popular source's row for users without their own list (nil: none).
    private let popularGlobalRow: Int32?

    /// A worker used by one request at a time (taken from and returned to the pool).
    final class WorkerBox: @unchecked Sendable {
        let worker: RankWorker
        init(_ worker: RankWorker) { self.worker = worker }
    }

    /// The plan of `context`'s rank stage (its inputs loaded from the cache), as a run builds it.
    package convenience init(context: StageContext) throws {
        let prepared = try RankStage.prepare(context)
        self.init(plan: prepared.plan, rules: prepared.rules)
    }

    init(plan: RankPlan, rules: RankRules) {
        self.plan = plan
        self.rules = rules
        var index: [String: Int32] = [:]
        index.reserveCapacity(plan.userIDs.count)
        for (u, id) in plan.userIDs.enumerated() where index[id] == nil { index[id] = Int32(u) }
        userIndex = index
        itemIndex = Dictionary(plan.itemIDs.enumerated().map { ($1, Int32($0)) }) { a, _ in a }
        if let p = plan.popular {
            let ids = p.candidates.users
            popularGlobalRow = (ids["*"] ?? ids["__all__"] ?? ids[""] ?? (ids.count == 1 ? 0 : nil)).map(Int32.init)
        } else {
            popularGlobalRow = nil
        }
    }

    // MARK: - What the plan holds

    package var asOf: String { plan.asOf }
    package var top: Int { plan.options.top }
    package var userCount: Int { plan.userIDs.count }
    package var itemIDs: [String] { plan.itemIDs }
    package var sourceNames: [String] { plan.sources.map(\.name) }
    package var profiles: Table? { plan.profiles }
    package var scripts: [(file: String, text: String)] { plan.scripts.map { ($0.file, $0.text) } }
    package var ruleNames: [String] { rules.all.map(\.name) }
    package func knows(user: String) -> Bool { userIndex[user] != nil }
    package func knows(item: String) -> Bool { itemIndex[item] != nil }

    /// The longest list `source` holds for a user (how many candidates a fold-in should give).
    package func listLength(source: String) -> Int {
        guard let s = plan.sources.first(where: { $0.name == source }) else { return 0 }
        var best = 0
        for u in 0..<s.candidates.users.count { best = max(best, s.candidates.range(user: u).count) }
        return best
    }

    /// The batch user's profile row in ``profiles``, or nil.
    package func profileRow(user: String) -> Int? {
        guard let u = userIndex[user], plan.profileRow[Int(u)] >= 0 else { return nil }
        return Int(plan.profileRow[Int(u)])
    }

    /// Items the batch saw for `user` (the `seen` input), ids.
    package func seenItems(user: String) -> [String] {
        guard let u = userIndex[user], let seen = plan.seen, plan.seenUserRow[Int(u)] >= 0 else { return [] }
        return seen.seen(user: Int(plan.seenUserRow[Int(u)])).map { seen.items[Int($0)] }
    }

    // MARK: - Rules

    /// A ranker with the same inputs and new rule scripts (file, text), validated by loading them
    /// all into one runtime first; throws the first load error and leaves `self` untouched.
    package func replacingScripts(_ scripts: [(file: String, text: String)]) throws(RuleError) -> OnlineRanker {
        var next = plan
        next.scripts = scripts.map { RankPlan.Script(file: $0.file, text: $0.text) }
        let rules = try next.loadRules()
        return OnlineRanker(plan: next, rules: rules)
    }

    // MARK: - Ranking

    /// The batch user's list with the current rules, or nil when the plan does not know the user.
    package func rank(user: String) throws(RuleError) -> RankedList? {
        guard let u = userIndex[user] else { return nil }
        let worker: WorkerBox
        if let box = pool.withLock({ $0.popLast() }) {
            worker = box
        } else {
            worker = WorkerBox(try RankWorker(plan: plan, rules: rules))
        }
        defer { pool.withLock { $0.append(worker) } }
        return list(try worker.worker.rank(users: Int(u)..<Int(u) + 1), plan: plan)
    }

    /// The list of a user changed by `o` (a batch user or a new one), ranked on a one-user plan
    /// that shares the items, sources and rules of the batch plan.
    package func rank(_ o: UserOverride) throws(RuleError) -> RankedList {
        let single = plan.single(o, base: userIndex[o.user].map(Int.init), popularGlobalRow: popularGlobalRow)
        let worker = try RankWorker(plan: single, rules: rules)
        return list(try worker.rank(users: 0..<1), plan: single)
    }

    private func list(_ r: RankChunkResult, plan: RankPlan) -> RankedList {
        RankedList(
            items: r.items.indices.map { k in
                RankedItem(item: plan.itemIDs[Int(r.items[k])], score: r.scores[k], provenance: r.provenance[k])
            },
            fallback: !r.fallbackUsers.isEmpty)
    }
}
