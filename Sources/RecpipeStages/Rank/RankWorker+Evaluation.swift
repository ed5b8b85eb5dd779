import RecpipeScripting

/// Blending, the examined walk, the category cap and rule calls with the `on_error` policy.
extension RankWorker {
    // MARK: - Blend

    /// Fills `touched` with the items the given sources list for `u`, their normalized
    /// per-source scores and the weighted blend (divided by the weights of the sources that have
    /// the user, so a user missing from a source is ranked by the others), sorted by blend desc,
    /// then item id asc. O(c log c).
    func gather(_ sourceIndices: Range<Int>, user u: Int) {
        gatherStamp &+= 1
        if gatherStamp == 0 {
            mark.update(repeating: 0, count: max(1, itemCount))
            gatherStamp = 1
        }
        var touched = self.touched
        self.touched = []
        touched.removeAll(keepingCapacity: true)
        defer { self.touched = touched }
        let mark = self.mark, blend = self.blend, sourceScore = self.sourceScore, stamp = gatherStamp
        let all = allSources
        let ns = all.count
        var weightSum: Float = 0
        for s in sourceIndices {
            let src = all[s]
            let row = Int(src.userRow[u])
            guard row >= 0 else { continue }
            let c = src.candidates
            let range = c.range(user: row)
            guard !range.isEmpty else { continue }
            weightSum += src.weight
            var lo = Float.infinity, hi = -Float.infinity
            for k in range {
                lo = min(lo, c.scores[k])
                hi = max(hi, c.scores[k])
            }
            let n = Float(range.count)
            // Rank normalization ranks by score (ties in list order); min-max needs no order.
            var order: [Int] = []
            if plan.options.normalize == .rank {
                order = Array(range)
                order.sort { c.scores[$0] > c.scores[$1] || (c.scores[$0] == c.scores[$1] && $0 < $1) }
            }
            for r in 0..<range.count {
                let k = order.isEmpty ? range.lowerBound + r : order[r]
                let g = Int(src.itemGlobal[Int(c.itemIndices[k])])
                let v: Float
                switch plan.options.normalize {
                case .minmax: v = hi > lo ? (c.scores[k] - lo) / (hi - lo) : 1
                case .rank: v = (n - Float(r)) / n
                }
                if mark[g] != stamp {
                    mark[g] = stamp
                    blend[g] = 0
                    for j in 0..<ns { sourceScore[g * ns + j] = -1 }
                    touched.append(Int32(g))
                }
                let slot = g * ns + s
                if v > sourceScore[slot] {
                    // A duplicate entry in one list keeps its best score.
                    if sourceScore[slot] >= 0 { blend[g] -= src.weight * sourceScore[slot] }
                    sourceScore[slot] = v
                    blend[g] += src.weight * v
                }
            }
        }
        if weightSum > 0 {
            for g in touched { blend[Int(g)] /= weightSum }
        }
        sortTouched(&touched)
    }

    /// Sorts `touched` by blend desc, then item id asc (``sortByBlend``), with the worker's scratch keys.
    private func sortTouched(_ touched: inout [Int32]) {
        var keys = sortKeys
        sortKeys = []
        defer { sortKeys = keys }
        Self.sortByBlend(&touched, blend: blend, order: plan.itemOrder, byOrder: plan.itemByOrder, keys: &keys)
    }

    /// Sorts distinct items by `blend` desc, then `order` (their id rank) asc. Blends are normally
    /// non-negative, so one packed integer key per item (inverted float bits, then the id rank)
    /// sorts the same way with a plain integer sort; otherwise (a NaN or negative blend) the
    /// comparator sort runs. O(c log c).
    static func sortByBlend(
        _ touched: inout [Int32], blend: UnsafePointer<Float>, order: [Int32], byOrder: [Int32], keys: inout [UInt64]
    ) {
        keys.removeAll(keepingCapacity: true)
        var packable = true
        for g in touched {
            // `+ 0` turns -0 into +0, so equal blends have equal bits.
            let x = blend[Int(g)] + 0
            guard x >= 0 else {
                packable = false
                break
            }
            keys.append(UInt64(UInt32.max - x.bitPattern) << 32 | UInt64(UInt32(bitPattern: order[Int(g)])))
        }
        guard packable else {
            touched.sort { a, b in
                let x = blend[Int(a)], y = blend[Int(b)]
                return x > y || (x == y && order[Int(a)] < order[Int(b)])
            }
            return
        }
        keys.sort()
        for (n, k) in keys.enumerated() { touched[n] = byOrder[Int(UInt32(truncatingIfNeeded: k))] }
    }

    // MARK: - Walk

    /// Evaluates filters, promotions and bury rules down the blended list; stops early once
    /// `slots` items that no unexamined candidate can overtake are known.
    func walk(user u: Int, slots: Int, pinned: [Int32], into out: inout RankChunkResult) throws(RuleError) -> [Survivor]
    {
        var survivors: [Survivor] = []
        guard slots > 0 else { return survivors }
        survivors.reserveCapacity(min(touched.count, max(64, slots * 4)))
        var nextCheck = slots
        var examined = 0
        for (idx, g32) in touched.enumerated() {
            let g = Int(g32)
            examined = idx + 1
            if pinMark[g] == userStamp { continue }
            if let reason = try excludedSlot(g, user: u, into: &out) {
                out.removed[reason] += 1
                continue
            }
            var promote: Int32 = -1
            var score = blend[g]
            for (j, r) in promoteRules.enumerated() where try applies(r, user: u, item: g, into: &out) {
                promote = Int32(j)
                score *= boosts[j]
                break
            }
            var bury: Int32 = -1
            for (j, r) in buryRules.enumerated() where try applies(r, user: u, item: g, into: &out) {
                bury = Int32(j)
                break
            }
            let factor = try rescore(&score, user: u, item: g, into: &out)
            survivors.append(Survivor(item: g32, score: score, promote: promote, bury: bury, factor: factor))
            // A score plugin can move any candidate anywhere: then every candidate is examined.
            if !plan.options.exhaustive, scoreRule == nil, survivors.count >= nextCheck, idx + 1 < touched.count {
                let bound = blend[Int(touched[idx + 1])] * maxBoost
                if settled(survivors, above: bound, slots: slots, pinned: pinned) { break }
                nextCheck = survivors.count + max(4, slots / 4)
            }
        }
        out.examined += examined
        return survivors
    }

    /// Whether the survivors scoring above `bound` already fill the top-N (after the cap).
    private func settled(_ survivors: [Survivor], above bound: Float, slots: Int, pinned: [Int32]) -> Bool {
        // Count first: most checks fail, and then no array is built.
        guard survivors.count(where: { $0.bury < 0 && $0.score > bound }) >= slots else { return false }
        var sure = survivors.filter { $0.bury < 0 && $0.score > bound }
        guard plan.options.maxPerCategory != nil else { return true }
        sortSurvivors(&sure)
        return select(sure, slots: slots, pinned: pinned).count >= slots
    }

    func sortSurvivors(_ s: inout [Survivor]) {
        let order = plan.itemOrder
        s.sort { a, b in
            if (a.bury >= 0) != (b.bury >= 0) { return a.bury < 0 }
            return a.score > b.score || (a.score == b.score && order[Int(a.item)] < order[Int(b.item)])
        }
    }

    /// The top `slots` survivors: unburied first, score desc, item id asc, at most
    /// `max_per_category` per category (pinned items count towards their category).
    func select(_ survivors: [Survivor], slots: Int, pinned: [Int32]) -> [Survivor] {
        var sorted = survivors
        sortSurvivors(&sorted)
        guard let cap = plan.options.maxPerCategory else { return Array(sorted.prefix(slots)) }
        nextCategoryStamp()
        func take(_ g: Int32) -> Bool {
            let c = Int(plan.itemCategory[Int(g)])
            guard c >= 0 else { return true }
            if categoryStamp[c] != categoryUse { categoryStamp[c] = categoryUse; categoryCount[c] = 0 }
            guard categoryCount[c] < cap else { return false }
            categoryCount[c] += 1
            return true
        }
        for g in pinned { _ = take(g) }
        var out: [Survivor] = []
        out.reserveCapacity(min(slots, sorted.count))
        for s in sorted where out.count < slots && take(s.item) { out.append(s) }
        return out
    }

    /// What bury rules did to this user's list: each buried item that the list without bury
    /// rules (same survivors, same cap) holds at a better position than `natural` does, or at all.
    func countBuried(
        _ survivors: [Survivor], _ natural: [Survivor], slots: Int, pinned: [Int32], into out: inout RankChunkResult
    ) {
        guard survivors.contains(where: { $0.bury >= 0 }) else { return }
        let unburied = select(
            survivors.map {
                var s = $0; s.bury = -1; return s
            }, slots: slots, pinned: pinned)
        var position: [Int32: Int] = [:]
        for (p, s) in natural.enumerated() { position[s.item] = p }
        let buryOf = Dictionary(survivors.map { ($0.item, $0.bury) }) { a, _ in a }
        for (p, s) in unburied.enumerated() {
            guard let slot = buryOf[s.item], slot >= 0 else { continue }
            if let now = position[s.item] {
                if now > p { out.buried[Int(slot)] += 1 }
            } else {
                out.buried[Int(slot)] += 1
                out.buriedOut[Int(slot)] += 1
            }
        }
    }

    // MARK: - Rules

    /// Names of the filter that removes `g` for `u` (nil: kept).
    func excluded(_ g: Int, user u: Int, into out: inout RankChunkResult) throws(RuleError) -> String? {
        guard let slot = try excludedSlot(g, user: u, into: &out) else { return nil }
        return slot < Self.yamlFilterNames.count
            ? Self.yamlFilterNames[slot] : "filter '\(ruleNames[filterRules[slot - Self.yamlFilterNames.count]])'"
    }

    /// The filter slot that removes `g` for `u`: YAML shorthands first, then Lua filters in order.
    @inline(__always)
    func excludedSlot(_ g: Int, user u: Int, into out: inout RankChunkResult) throws(RuleError) -> Int? {
        if plan.options.excludeSeen && seenMark[g] == userStamp { return 0 }
        if !plan.inStock.isEmpty && !plan.inStock[g] { return 1 }
        if plan.excludedCategory[g] { return 2 }
        guard let lua else { return nil }
        for (j, r) in filterRules.enumerated() where skipRule[r] != userStamp {
            do {
                if try !lua.evaluateFilter(r, user: u, item: g) { return Self.yamlFilterNames.count + j }
            } catch {
                try skip(r, error, into: &out)
            }
        }
        return nil
    }

    /// Runs a promote/bury `when(u, item)` or a pin's `when(u)`; a skipped rule does not apply.
    @inline(__always)
    func applies(_ r: Int, user u: Int, item g: Int?, into out: inout RankChunkResult) throws(RuleError) -> Bool {
        guard let lua, skipRule[r] != userStamp else { return false }
        do {
            guard try lua.evaluateWhen(r, user: u, item: g) else { return false }
            out.matched[r] += 1
            if matchedUser[r] != userStamp {
                matchedUser[r] = userStamp
                out.matchedUsers[r] += 1
            }
            return true
        } catch {
            try skip(r, error, into: &out)
            return false
        }
    }

    /// Applies the `score` plugin to `score` (after promotions); returns new / old (1 without one,
    /// or when the plugin is skipped for this user).
    @inline(__always)
    func rescore(_ score: inout Float, user u: Int, item g: Int, into out: inout RankChunkResult) throws(RuleError)
        -> Float
    {
        guard let r = scoreRule, let lua, skipRule[r] != userStamp else { return 1 }
        do {
            let new = Float(try lua.callScore(r, user: u, item: g, score: Double(score)))
            out.matched[r] += 1
            if matchedUser[r] != userStamp {
                matchedUser[r] = userStamp
                out.matchedUsers[r] += 1
            }
            let factor: Float = score != 0 ? new / score : 1
            score = new
            return factor
        } catch {
            try skip(r, error, into: &out)
            return 1
        }
    }

    /// `on_error: fail` rethrows; `skip_record` turns the rule off for the rest of this user.
    private func skip(_ r: Int, _ error: RuleError, into out: inout RankChunkResult) throws(RuleError) {
        guard plan.options.onError == .skipRecord else { throw error }
        skipRule[r] = userStamp
        let name = ruleNames[r]
        out.ruleErrors[name, default: 0] += 1
        if out.firstErrors[name] == nil { out.firstErrors[name] = error.description }
    }
}
