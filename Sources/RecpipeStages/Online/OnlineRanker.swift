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

/// A user's ranked list; `fallback` when it came from the popular fallback, `unknownUser` when
/// that was because neither the run nor the server knows the user.
package struct RankedList: Sendable, Equatable {
    package var items: [RankedItem]
    package var fallback: Bool
    package var unknownUser = false
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
    /// Workers bound to the batch plan (batch users as stored).
    private let pool = Mutex<[WorkerBox]>([])
    /// Workers rebound per request to a one-user plan (``rank(_:)``): built once, not per event.
    private let overridePool = Mutex<[WorkerBox]>([])
    /// The popular source's row for users without their own list (nil: none).
    private let popularGlobalRow: Int32?
    /// The popular source's overall list (one row, its item space) for users the plan does not
    /// know, when it has no global row (``withFallback(_:)``).
    private let fallback: Candidates?
    /// Per source, its longest list (``listLength(source:)``).
    private let listLengths: [String: Int]

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

    init(plan: RankPlan, rules: RankRules, fallback: Candidates? = nil) {
        self.plan = plan
        self.rules = rules
        self.fallback = fallback
        listLengths = Self.listLengths(plan)
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
    /// Computed once at start (it reads every user's list).
    package func listLength(source: String) -> Int { listLengths[source] ?? 0 }

    private static func listLengths(_ plan: RankPlan) -> [String: Int] {
        var out: [String: Int] = [:]
        for s in plan.sources {
            var best = 0
            for u in 0..<s.candidates.users.count { best = max(best, s.candidates.range(user: u).count) }
            out[s.name] = best
        }
        return out
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
        return OnlineRanker(plan: next, rules: rules, fallback: fallback)
    }

    /// The same ranker where users the plan does not know fall back on the overall list of the
    /// popular stage of `context` (``PopularStage/overallList(_:)``) when the plan's popular
    /// source has no global row.
    package func withFallback(popular context: StageContext) throws -> OnlineRanker {
        guard plan.popular != nil, popularGlobalRow == nil else { return self }
        return withFallback(try PopularStage.overallList(context))
    }

    /// `list` as the fallback (items outside the popular source's item space are left out).
    func withFallback(_ list: [(item: String, score: Float)]) -> OnlineRanker {
        guard let p = plan.popular, popularGlobalRow == nil else { return self }
        let row = list.compactMap { e in p.candidates.items[e.item].map { (item: Int32($0), score: e.score) } }
        let one = Candidates(source: p.candidates.source, users: IDMap(["*"]), items: p.candidates.items, lists: [row])
        return OnlineRanker(plan: plan, rules: rules, fallback: one)
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
        // `math.random` from the plan's seed: the list does not depend on the users ranked before.
        worker.worker.lua?.reseed(plan.seed)
        return list(try worker.worker.rank(users: Int(u)..<Int(u) + 1), plan: plan)
    }

    /// The list of a user changed by `o` (a batch user or a new one), ranked on a one-user plan
    /// that shares the items, sources and rules of the batch plan.
    /// The worker is taken from a pool and rebound to that plan (``RankWorker/rebind(_:)``); one
    /// whose rules failed is dropped rather than reused.
    package func rank(_ o: UserOverride) throws(RuleError) -> RankedList {
        let single = plan.single(
            o, base: userIndex[o.user].map(Int.init), popularGlobalRow: popularGlobalRow, fallback: fallback)
        let box: WorkerBox
        if let pooled = overridePool.withLock({ $0.popLast() }) {
            pooled.worker.rebind(single)
            box = pooled
        } else {
            box = WorkerBox(try RankWorker(plan: single, rules: rules))
        }
        let result = try box.worker.rank(users: 0..<1)
        overridePool.withLock { $0.append(box) }
        return list(result, plan: single)
    }

    /// Idle pooled workers: (batch plan, one-user plans). For tests of reuse.
    package var idleWorkers: (batch: Int, override: Int) {
        (pool.withLock { $0.count }, overridePool.withLock { $0.count })
    }

    /// Whether the popular source has a list for every user (the fallback for unknown users).
    package var hasPopularFallback: Bool { popularGlobalRow != nil || fallback != nil }

    private func list(_ r: RankChunkResult, plan: RankPlan) -> RankedList {
        RankedList(
            items: r.items.indices.map { k in
                RankedItem(item: plan.itemIDs[Int(r.items[k])], score: r.scores[k], provenance: r.provenance[k])
            },
            fallback: !r.fallbackUsers.isEmpty)
    }
}
