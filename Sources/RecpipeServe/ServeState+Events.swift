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
            out.append(
                "event \(k + 1): item '\(e.item)' is not in the catalogue of '\(pipeline.rankStage)' (\(pipeline.ranker.itemIDs.count) items)"
            )
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
        var skippedALS = 0, ruleErrors: [String] = [], folds = 0, rescored = 0
        for user in order {
            // One user at a time under their stripe's lock (events for other users go on in
            // parallel, and reads are not held up): the state is read, changed outside the map's
            // lock, then published with its cache entries dropped.
            let change = userLock(user).mutex.withLock { _ -> UserChange in
                var online = users.withLock { $0[user] } ?? makeUser(user)
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
                    online.override.profile = try? row.appending(
                        .strings(TagColumn.name, [TagColumn.text(online.override.tags)]))
                }
                // ALS fold-in (new users too), item-kNN re-scoring, and re-rank.
                if let fold = foldIn(user: user, online.posted) {
                    online.override.lists[pipeline.factorsStage!] = fold
                    folds += 1
                }
                for (knn, rows) in pipeline.itemKNN {
                    online.override.lists[knn.stage] = knn.candidates(
                        rows.row(user: user, events: Self.reaching(rows, online.posted)).row)
                    rescored += 1
                }
                online.list = nil
                do throws(RuleError) {
                    let list = try ranker.rank(online.override)
                    online.list = (generation, list)
                } catch {
                    ruleErrors.append("rank rules for user '\(user)': \(error.description)")
                }
                let published = online
                users.withLock { all in
                    // Before the new state is published: no read after this sees an older answer.
                    cache.invalidate(user: user, version: published.events)
                    all[user] = published
                }
                return UserChange(
                    user: user, events: byUser[user]!.count, isNew: isNew, tags: online.override.tags,
                    top: online.list?.list.items.map(\.item) ?? [])
            }
            applied.users.append(change)
        }
        counts.withLock {
            if replay { $0.replayed += events.count } else { $0.accepted += events.count }
            $0.skippedForALS += skippedALS
            $0.ruleErrors += ruleErrors.count
            $0.foldIns += folds
            $0.knnRescores += rescored
            if let last = ruleErrors.last { $0.lastRuleError = last }
        }
        if !replay { metrics.eventsAccepted.increment(by: Int64(events.count)) }
        metrics.ruleErrors.increment(by: Int64(ruleErrors.count))
        metrics.onlineUsers.set(Double(onlineUsers))
        applied.warnings = ruleErrors
        if skippedALS > 0 {
            applied.warnings.append(
                "\(skippedALS) event(s) did not change the ALS factors (type without a weight in the ALS input's encoder, or item without factors)"
            )
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
        totals.purchasedItems = Set(
            p.purchasedRows.map { $0.batchRow(user: user).map { p.purchasedRows!.matrix.items[$0.item] } } ?? [])
        if let batchRow { p.updater.startTotals(&totals, row: p.profiles.row(batchRow)) }
        if let days = p.eventDays[user] { (totals.firstDay, totals.lastDay) = (days.first, days.last) }
        var o = UserOverride(user: user)
        o.tags = p.batchTags[user] ?? []
        let row = batchRow.map { p.profiles.row($0) } ?? p.updater.newRow(user: user, idColumn: p.profileIDColumn)
        return OnlineUser(override: o, row: row, totals: totals)
    }

    private func add(_ e: EventSchema.Parsed, to online: inout OnlineUser, skippedALS: inout Int) {
        let p = pipeline
        let info = p.itemInfo[e.item]
        let quantity = e.quantity.flatMap { $0.isNaN ? nil : $0 } ?? 1
        let amount = p.events.amountColumn != nil ? (e.amount ?? 0) : quantity * (e.price ?? info?.price ?? 0)
        if !e.excludedBy.contains(p.featuresStage ?? "") {
            p.updater.apply(
                .init(
                    item: e.item, type: e.type, time: e.time, amount: amount, kind: e.kind, quantity: quantity,
                    order: e.order),
                category: info?.category, to: &online.row, totals: &online.totals)
        }
        if ServedPipeline.counts(e.type, in: p.seenWeights) != nil, !e.excludedBy.contains(p.seenStage ?? "") {
            online.override.seen.append(e.item)
        }
        if p.purchasedWeights != nil, ServedPipeline.counts(e.type, in: p.purchasedWeights) != nil,
            !e.excludedBy.contains(p.purchasedStage ?? "")
        {
            online.override.purchased.append(e.item)
        }
        online.posted.append(e)
        guard let rows = p.alsRows else { return }
        if e.excludedBy.contains(rows.stage) || rows.weight(type: e.type, time: e.time) == nil
            || rows.matrix.items[e.item] == nil
            || p.factors?.items[e.item] == nil
        {
            skippedALS += 1
        }
    }

    /// The user's ALS list from a vector folded in from their row now (the batch row plus the
    /// events since, combined as the ALS input's encoder does; its items excluded), with the
    /// model's `YᵀY` computed once at load.
    private func foldIn(user: String, _ posted: [EventSchema.Parsed]) -> [(item: String, score: Float)]? {
        guard let model = pipeline.model, let f = pipeline.factors, let stage = pipeline.factorsStage,
            let rows = pipeline.alsRows
        else { return nil }
        let start = ContinuousClock.now
        defer { metrics.foldIn.record(ContinuousClock.now - start) }
        let history = rows.row(user: user, events: Self.reaching(rows, posted)).row.compactMap {
            e -> (item: Int, value: Float)? in
            f.items[rows.matrix.items[e.item]].map { ($0, e.value) }
        }
        guard !history.isEmpty else { return nil }
        let n = max(1, pipeline.ranker.listLength(source: stage))
        guard let folded = try? model.foldIn(history, gram: pipeline.gram),
            let top = try? model.recommend(
                vector: folded.factors, n: min(n, max(1, f.items.count - 1)), exclude: history.map(\.item).sorted())
        else { return nil }
        return top.map { (f.items[$0.item], $0.score) }
    }

    /// The events that reach the encoder of `rows` (its clean steps keep them), in order.
    static func reaching(_ rows: OnlineInteractions, _ posted: [EventSchema.Parsed]) -> [(
        item: String, type: String?, time: Int64?
    )] {
        posted.compactMap { $0.excludedBy.contains(rows.stage) ? nil : ($0.item, $0.type, $0.time) }
    }
}
