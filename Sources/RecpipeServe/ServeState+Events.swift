import Foundation
import RecpipeAlgorithms
import RecpipeData
import RecpipeScripting
import RecpipeStages

/// Applying accepted events: per affected user, the profile row (``ProfileUpdater``), the seen
/// and purchased sets, the tag rules, the ALS fold-in and the ranked list, in that order.
extension ServeState {
    /// What one user's events changed, for the response.
    package struct UserChange: Sendable {
        package var user: String
        package var events: Int
        package var isNew: Bool
        package var tags: [String]
        package var top: [String]
    }

    package struct Applied: Sendable {
        package var users: [UserChange] = []
        /// Rule failures and events the ALS fold-in could not use (counted, never silent).
        package var warnings: [String] = []
    }

    /// Items of `events` the rank plan does not know (an event on them could not be ranked).
    package func unknownItems(_ events: [EventSchema.Parsed]) -> [String] {
        var out: [String] = []
        for (k, e) in events.enumerated() where !pipeline.ranker.knows(item: e.item) {
            out.append("event \(k + 1): item '\(e.item)' is not in the catalogue of '\(pipeline.rankStage)' (\(pipeline.ranker.itemIDs.count) items)")
        }
        return out
    }

    /// Applies `events` (already logged) and re-ranks each affected user.
    package func apply(_ events: [EventSchema.Parsed], replay: Bool = false) -> Applied {
        var order: [String] = []
        var byUser: [String: [EventSchema.Parsed]] = [:]
        for e in events {
            if byUser[e.user] == nil { order.append(e.user) }
            byUser[e.user, default: []].append(e)
        }
        let (ranker, tagger, generation) = rules.withLock { ($0.ranker, $0.tagger, $0.generation) }
        var applied = Applied()
        var skippedALS = 0, ruleErrors: [String] = [], folds = 0
        users.withLock { all in
            for user in order {
                var online = all[user] ?? makeUser(user)
                let isNew = online.totals.isNew && online.events == 0
                for e in byUser[user]! { add(e, to: &online, skippedALS: &skippedALS) }
                online.events += byUser[user]!.count
                // Tags on the updated row.
                let row = try? Table(schema: pipeline.profiles.schema, rows: [online.row])
                if let tagger, let row {
                    do {
                        online.override.tags = try tagger.tags(row, idColumn: pipeline.profileIDColumn).first ?? []
                    } catch {
                        ruleErrors.append("tag rules for user '\(user)': \(error)")
                    }
                }
                if let row {
                    online.override.profile = try? row.appending(.strings(TagColumn.name, [TagColumn.text(online.override.tags)]))
                }
                // ALS fold-in (new users too) and re-rank.
                if let fold = foldIn(online.history) {
                    online.override.lists[pipeline.factorsStage!] = fold
                    folds += 1
                }
                online.list = nil
                do throws(RuleError) {
                    let list = try ranker.rank(online.override)
                    online.list = (generation, list)
                } catch {
                    ruleErrors.append("rank rules for user '\(user)': \(error.description)")
                }
                all[user] = online
                applied.users.append(
                    UserChange(
                        user: user, events: byUser[user]!.count, isNew: isNew, tags: online.override.tags,
                        top: online.list?.list.items.map(\.item) ?? []))
            }
        }
        counts.withLock {
            if replay { $0.replayed += events.count } else { $0.accepted += events.count }
            $0.skippedForALS += skippedALS
            $0.ruleErrors += ruleErrors.count
            $0.foldIns += folds
            if let last = ruleErrors.last { $0.lastRuleError = last }
        }
        if !replay { metrics.eventsAccepted.increment(by: Int64(events.count)) }
        metrics.ruleErrors.increment(by: Int64(ruleErrors.count))
        metrics.onlineUsers.set(Double(onlineUsers))
        applied.warnings = ruleErrors
        if skippedALS > 0 {
            applied.warnings.append(
                "\(skippedALS) event(s) did not change the ALS factors (type without a weight in the ALS input's encoder, or item without factors)")
        }
        return applied
    }

    /// A user's starting point: the batch row, seen items and ALS history, or an empty new user.
    private func makeUser(_ user: String) -> OnlineUser {
        let p = pipeline
        let batchRow = p.ranker.profileRow(user: user)
        var totals = ProfileUpdater.Totals(isNew: batchRow == nil)
        for item in p.ranker.seenItems(user: user) where totals.items.insert(item).inserted {
            if let c = p.itemInfo[item]?.category { totals.categoryCounts[c, default: 0] += 1 }
        }
        var history: [(item: Int, value: Float)] = []
        if let f = p.factors, let input = p.alsInput, let u = input.users[user] {
            for k in input.matrix.rowRange(u) {
                if let i = f.items[input.items[Int(input.matrix.columns[k])]] { history.append((i, input.matrix.values[k])) }
            }
        }
        var o = UserOverride(user: user)
        o.tags = p.batchTags[user] ?? []
        let row = batchRow.map { p.profiles.row($0) } ?? p.updater.newRow(user: user, idColumn: p.profileIDColumn)
        return OnlineUser(override: o, row: row, totals: totals, history: history)
    }

    private func add(_ e: EventSchema.Parsed, to online: inout OnlineUser, skippedALS: inout Int) {
        let p = pipeline
        let info = p.itemInfo[e.item]
        let amount = (e.quantity ?? 1) * (e.price ?? info?.price ?? 0)
        p.updater.apply(
            .init(item: e.item, type: e.type, time: e.time, amount: amount), category: info?.category, to: &online.row,
            totals: &online.totals)
        if ServedPipeline.counts(e.type, in: p.seenWeights) != nil { online.override.seen.append(e.item) }
        if p.purchasedWeights != nil, ServedPipeline.counts(e.type, in: p.purchasedWeights) != nil {
            online.override.purchased.append(e.item)
        }
        guard let f = p.factors else { return }
        if let w = ServedPipeline.counts(e.type, in: p.alsWeights), let i = f.items[e.item] {
            online.history.append((i, Float(w)))
        } else {
            skippedALS += 1
        }
    }

    /// The user's ALS list from a vector folded in from `history` (its items excluded).
    private func foldIn(_ history: [(item: Int, value: Float)]) -> [(item: String, score: Float)]? {
        guard let model = pipeline.model, let f = pipeline.factors, let stage = pipeline.factorsStage, !history.isEmpty else { return nil }
        let start = ContinuousClock.now
        defer { metrics.foldIn.record(ContinuousClock.now - start) }
        let n = max(1, pipeline.ranker.listLength(source: stage))
        guard let folded = try? model.foldIn(history),
            let top = try? model.recommend(vector: folded.factors, n: min(n, max(1, f.items.count - 1)), exclude: Array(Set(history.map(\.item))).sorted())
        else { return nil }
        return top.map { (f.items[$0.item], $0.score) }
    }
}
