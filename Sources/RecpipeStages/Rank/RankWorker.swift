import RecpipeScripting

/// Ranks users one at a time on one thread, with its own `LuaRuntime` (scripts loaded once).
///
/// Per user: blend the sources' normalized scores, sort (score desc, item id asc), then walk the
/// list evaluating filters (YAML shorthands, then Lua filters in file order), the first matching
/// promotion (priority desc, then file order) and bury rules, until the top-N can no longer change
/// (no unexamined candidate can beat the current top-N even with the largest boost) — or to the
/// end with `exhaustive`. Then the category cap picks the top-N, and pins take their positions.
/// Cost per user: O(c log c) for c candidates plus the rule calls on the examined prefix.
final class RankWorker {
    /// The plan being ranked; `var` only for ``rebind(_:)`` (serve's one-user plans).
    private(set) var plan: RankPlan
    let lua: LuaRuntime?
    private(set) var users: RankUserSource
    /// `plan.allSources`, computed once per plan.
    private(set) var allSources: [RankPlan.Source]
    /// Rule names by runtime index.
    let ruleNames: [String]
    let items: RankItemSource

    /// Rule indices in the runtime, by kind (promotions sorted by priority desc, then file order).
    let filterRules: [Int]
    let promoteRules: [Int]
    let boosts: [Float]
    let pinRules: [Int]
    let pinItems: [[Int32]]
    let pinPositions: [Int]
    let buryRules: [Int]
    /// Provenance suffixes, computed once: `; promote x ×1.3` per promotion, `; bury y` per bury rule.
    let promoteTexts: [String]
    let buryTexts: [String]
    /// The `score` plugin, its provenance prefix (`; margin ×`): every candidate is examined.
    let scoreRule: Int?
    let scorePrefix: String
    /// The largest factor a promotion can apply (at least 1): bounds what an unexamined item can reach.
    let maxBoost: Float

    /// Filter slots: the YAML shorthands, then the Lua filters.
    static let yamlFilterNames = ["exclude_seen", "in_stock_only", "exclude_categories"]

    // MARK: - Scratch, reset per user by stamps

    // Raw buffers (allocated once, freed in deinit): element access on the hot path has no
    // exclusivity checks or copy-on-write tests, which class-owned arrays would have.
    var userStamp: UInt32 = 0
    var gatherStamp: UInt32 = 0
    let itemCount: Int
    let seenMark: UnsafeMutablePointer<UInt32>
    let pinMark: UnsafeMutablePointer<UInt32>
    let mark: UnsafeMutablePointer<UInt32>
    let blend: UnsafeMutablePointer<Float>
    /// Normalized score per (item, source), -1 when the source did not list the item.
    let sourceScore: UnsafeMutablePointer<Float>
    var touched: [Int32] = []
    /// Packed sort keys of `touched` (scratch of `gather`).
    var sortKeys: [UInt64] = []
    /// Provenance text bytes (scratch of `sourcesText`).
    var textBytes: [UInt8] = []
    /// Each source's name followed by a space, as UTF-8.
    let sourcePrefixes: [[UInt8]]
    let skipRule: UnsafeMutablePointer<UInt32>
    /// Per rule: the user stamp of its last match (distinct users per rule).
    let matchedUser: UnsafeMutablePointer<UInt32>
    let ruleCount: Int
    let categoryCount: UnsafeMutablePointer<Int32>
    let categoryStamp: UnsafeMutablePointer<UInt32>
    let categoryTotal: Int
    /// Stamp of the current category-cap pass (several per user).
    var categoryUse: UInt32 = 0

    private static func buffer<T>(_ n: Int, _ value: T) -> UnsafeMutablePointer<T> {
        let p = UnsafeMutablePointer<T>.allocate(capacity: max(1, n))
        p.initialize(repeating: value, count: max(1, n))
        return p
    }

    struct Survivor {
        var item: Int32
        var score: Float
        var promote: Int32
        var bury: Int32
        /// new / old score of the `score` plugin (1: none).
        var factor: Float = 1
    }

    init(plan: RankPlan, rules: RankRules) throws(RuleError) {
        self.plan = plan
        users = RankUserSource(plan: plan)
        allSources = plan.allSources
        sourcePrefixes = plan.allSources.map { Array($0.name.utf8) + [UInt8(ascii: " ")] }
        ruleNames = rules.all.map(\.name)
        items = RankItemSource(plan: plan)
        if plan.scripts.isEmpty {
            lua = nil
        } else {
            let lua = try LuaRuntime(limits: plan.limits, context: .init(asOf: plan.asOf, seed: plan.seed))
            for s in plan.scripts { try lua.load(source: s.text, chunkName: s.file) }
            lua.bind(users: users)
            lua.bind(items: items)
            self.lua = lua
        }
        filterRules = rules.filters
        promoteRules = rules.promotions
        boosts = rules.promotions.map { Float(rules.all[$0].boost ?? 1) }
        pinRules = rules.pins
        // With an items table, only its items can be pinned (a mistyped id is reported by the stage).
        pinItems = rules.pins.map { r in
            (rules.all[r].items ?? []).compactMap { id in plan.itemIDs.firstIndex(of: id).map(Int32.init) }
                .filter { plan.items == nil || plan.itemRow[Int($0)] >= 0 }
        }
        pinPositions = rules.pins.map { rules.all[$0].position ?? 1 }
        buryRules = rules.buries
        promoteTexts = zip(promoteRules, boosts).map { r, b in "; promote \(rules.all[r].name) ×\(RankFormat.boost(b))"
        }
        buryTexts = buryRules.map { "; bury \(rules.all[$0].name)" }
        maxBoost = max(1, boosts.max() ?? 1)
        scoreRule = rules.scorer
        scorePrefix = rules.scorer.map { "; \(rules.all[$0].name) ×" } ?? ""
        let n = plan.itemIDs.count
        itemCount = n
        seenMark = Self.buffer(n, 0)
        pinMark = Self.buffer(n, 0)
        mark = Self.buffer(n, 0)
        blend = Self.buffer(n, 0)
        sourceScore = Self.buffer(n * max(1, plan.allSources.count), -1)
        ruleCount = rules.all.count
        skipRule = Self.buffer(ruleCount, 0)
        matchedUser = Self.buffer(ruleCount, 0)
        categoryTotal = plan.categoryNames.count
        categoryCount = Self.buffer(categoryTotal, 0)
        categoryStamp = Self.buffer(categoryTotal, 0)
    }

    /// Makes this worker rank `plan` instead: serve's one-user plans (``RankPlan/single``), which
    /// share the items, sources' item spaces and rules of the plan the worker was built for, so the
    /// runtime (scripts loaded and frozen once) and the item-sized scratch are reused. `u` in rules
    /// reads the new plan's user; `math.random` restarts from the plan's seed and captured `print`
    /// output is dropped, so a rebound worker answers as a new one would. Isolation is the
    /// runtime's, as for a batch worker ranking many users: rules cannot keep state between calls.
    func rebind(_ plan: RankPlan) {
        precondition(plan.itemIDs.count == itemCount, "a rebound plan has the same items")
        self.plan = plan
        users = RankUserSource(plan: plan)
        allSources = plan.allSources
        if let lua {
            lua.bind(users: users)
            lua.reseed(plan.seed)
            lua.clearPrinted()
        }
    }

    deinit {
        for p in [seenMark, pinMark, mark, skipRule, matchedUser, categoryStamp] { p.deallocate() }
        blend.deallocate()
        sourceScore.deallocate()
        categoryCount.deallocate()
    }

    // MARK: - A range of users

    func rank(users range: Range<Int>) throws(RuleError) -> RankChunkResult {
        var out = RankChunkResult()
        out.removed = [Int](repeating: 0, count: Self.yamlFilterNames.count + filterRules.count)
        out.promoted = [Int](repeating: 0, count: promoteRules.count)
        out.pinned = [Int](repeating: 0, count: pinRules.count)
        out.buried = [Int](repeating: 0, count: buryRules.count)
        out.buriedOut = [Int](repeating: 0, count: buryRules.count)
        out.matched = [Int](repeating: 0, count: ruleCount)
        out.matchedUsers = [Int](repeating: 0, count: ruleCount)
        out.counts.reserveCapacity(range.count)
        for u in range { try rank(user: u, into: &out) }
        return out
    }

    func rank(user u: Int, into out: inout RankChunkResult) throws(RuleError) {
        nextUserStamp()
        let top = plan.options.top
        if plan.options.excludeSeen, let seen = plan.seen, plan.seenUserRow[u] >= 0 {
            for col in seen.seen(user: Int(plan.seenUserRow[u])) {
                let g = plan.seenItemGlobal[Int(col)]
                if g >= 0 { seenMark[Int(g)] = userStamp }
            }
        }

        // Pins first: an item a filter excludes is never pinned.
        var pinned: [(item: Int32, slot: Int)] = []
        for (slot, r) in pinRules.enumerated() where try applies(r, user: u, item: nil, into: &out) {
            for g in pinItems[slot] where pinMark[Int(g)] != userStamp {
                if let reason = try excluded(Int(g), user: u, into: &out) {
                    let key = "\(ruleNames[r])\u{1}\(plan.itemIDs[Int(g)])\u{1}\(reason)"
                    out.blockedPins[key, default: 0] += 1
                    continue
                }
                pinMark[Int(g)] = userStamp
                pinned.append((g, slot))
            }
        }
        let slots = max(0, top - pinned.count)
        let pinnedItems = pinned.map(\.item)

        gather(plan.sources.indices, user: u)
        out.considered += touched.count
        var gathered = touched.count
        var fallback = false
        var survivors = try walk(user: u, slots: slots, pinned: pinnedItems, into: &out)
        if survivors.isEmpty, slots > 0, let p = plan.popular, p.userRow[u] >= 0 {
            gather(plan.sources.count..<plan.sources.count + 1, user: u)
            out.considered += touched.count
            gathered += touched.count
            survivors = try walk(user: u, slots: slots, pinned: pinnedItems, into: &out)
            fallback = true
            out.fallbackUsers.append(Int32(u))
        }
        let natural = select(survivors, slots: slots, pinned: pinnedItems)
        if !buryRules.isEmpty { countBuried(survivors, natural, slots: slots, pinned: pinnedItems, into: &out) }

        // Pins take their positions (earlier rules first; a taken position moves to the next free one).
        var positions = [Int32](repeating: -1, count: top)
        var pinSlotAt = [Int](repeating: -1, count: top)
        for (g, slot) in pinned {
            var p = min(top, pinPositions[slot] - 1)
            while p < top, positions[p] >= 0 { p += 1 }
            guard p < top else {
                out.pinOverflow += 1
                continue
            }
            positions[p] = g
            pinSlotAt[p] = slot
            out.pinned[slot] += 1
        }
        var next = 0
        let before = out.items.count
        for p in 0..<top {
            if positions[p] >= 0 {
                let g = Int(positions[p])
                let slot = pinSlotAt[p]
                let score = mark[g] == gatherStamp ? blend[g] : 0
                var text = sourcesText(g)
                text += (text.isEmpty ? "" : "; ") + "pin \(ruleNames[pinRules[slot]]) @\(pinPositions[slot])"
                emit(g, score, text, into: &out)
            } else if next < natural.count {
                let s = natural[next]
                next += 1
                var text = sourcesText(Int(s.item))
                if fallback { text += "; fallback" }
                if s.promote >= 0 {
                    text += promoteTexts[Int(s.promote)]
                    out.promoted[Int(s.promote)] += 1
                }
                if s.bury >= 0 { text += buryTexts[Int(s.bury)] }
                if s.factor != 1 { text += scorePrefix + RankFormat.boost(s.factor) }
                emit(Int(s.item), s.score, text, into: &out)
            }
        }
        let n = out.items.count - before
        out.counts.append(n)
        if n == 0 {
            out.emptyUsers += 1
            if gathered == 0 { out.emptyWithoutCandidates += 1 }
        }
    }

    @inline(__always)
    private func emit(_ g: Int, _ score: Float, _ text: String, into out: inout RankChunkResult) {
        out.items.append(Int32(g))
        out.scores.append(score)
        out.provenance.append(text)
    }

    /// `als 0.82, itemcf 0.40 → 0.70` for the sources that listed the item ("" when none did).
    /// Built in a reused byte buffer (no intermediate strings).
    func sourcesText(_ g: Int) -> String {
        guard mark[g] == gatherStamp else { return "" }
        let ns = allSources.count
        var bytes = textBytes
        textBytes = []
        defer { textBytes = bytes }
        bytes.removeAll(keepingCapacity: true)
        for s in 0..<ns {
            let v = sourceScore[g * ns + s]
            guard v >= 0 else { continue }
            if !bytes.isEmpty { bytes.append(contentsOf: [UInt8(ascii: ","), UInt8(ascii: " ")]) }
            bytes.append(contentsOf: sourcePrefixes[s])
            RankFormat.appendScore(v, to: &bytes)
        }
        bytes.append(contentsOf: " → ".utf8)
        RankFormat.appendScore(blend[g], to: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }

    private func nextUserStamp() {
        userStamp &+= 1
        if userStamp == 0 {
            seenMark.update(repeating: 0, count: itemCount)
            pinMark.update(repeating: 0, count: itemCount)
            skipRule.update(repeating: 0, count: max(1, ruleCount))
            matchedUser.update(repeating: 0, count: max(1, ruleCount))
            userStamp = 1
        }
    }

    func nextCategoryStamp() {
        categoryUse &+= 1
        if categoryUse == 0 {
            categoryStamp.update(repeating: 0, count: max(1, categoryTotal))
            categoryUse = 1
        }
    }
}
