import RecpipeAlgorithms
import RecpipeCore
import RecpipeData
import RecpipeEngine
import RecpipeScripting

/// `candidates`: a user-written model. Per user the plugin returns `{ {item, score}, … }`; the
/// host drops ids that are no known item (counted), keeps each item's first score, sorts (score
/// descending, id ascending) and keeps the best `max` (default 100).
extension LuaStage {
    struct CandidatePart: Sendable {
        var lists: [[(item: Int32, score: Float)]] = []
        var empty = 0
        var produced = 0
        var unknown = 0
        var firstUnknown: String?
        var duplicates = 0
        var skipped = Skipped()
        var printed: [String] = []
    }

    static func runCandidates(_ plan: Plan, plugin: RegisteredRule, _ context: StageContext) async throws -> StageOutput
    {
        let inputs = try PluginUsers(context)
        let data = try pluginContext(context, itemIDColumn: context.string("item_id_column"))
        let limit = plugin.limit ?? 100
        let n = inputs.userIDs.count
        let pool = LuaWorkerPool(count: n, chunkSize: chunkSize, threads: context.threads)
        let start = ContinuousClock.now
        let parts = try await pool.run(unit: "users", progress: context.progress) { () throws -> Worker in
            try candidatesWorker(plan, users: inputs, data: data)
        } work: { w, c, users throws -> CandidatePart in
            w.lua.reseed(plan.context.seed &+ UInt64(c))
            var part = CandidatePart()
            var raw: [(item: String, score: Double)] = []
            var seen = Set<Int32>()
            for u in users {
                raw.removeAll(keepingCapacity: true)
                do throws(RuleError) {
                    try w.lua.callCandidates(w.index, user: u, into: &raw)
                } catch {
                    guard plan.skipErrors else { throw stageError(error) }
                    part.skipped.add(error)
                    part.lists.append([])
                    continue
                }
                seen.removeAll(keepingCapacity: true)
                var list: [(item: Int32, score: Float)] = []
                list.reserveCapacity(raw.count)
                for (id, score) in raw {
                    guard let i = inputs.items[id] else {
                        part.unknown += 1
                        if part.firstUnknown == nil { part.firstUnknown = id }
                        continue
                    }
                    if seen.insert(Int32(i)).inserted {
                        list.append((Int32(i), Float(score)))
                    } else {
                        part.duplicates += 1
                    }
                }
                list.sort { a, b in
                    a.score != b.score ? a.score > b.score : inputs.items[Int(a.item)] < inputs.items[Int(b.item)]
                }
                if list.count > limit { list.removeSubrange(limit...) }
                if list.isEmpty { part.empty += 1 }
                part.produced += list.count
                part.lists.append(list)
            }
            part.printed = takePrinted(w.lua)
            return part
        }
        let time = timing(
            since: start, count: parts.reduce(0) { $0 + $1.produced }, unit: "candidates", workers: pool.workers)
        var all = CandidatePart()
        for p in parts {
            all.lists += p.lists
            all.empty += p.empty
            all.produced += p.produced
            all.unknown += p.unknown
            all.firstUnknown = all.firstUnknown ?? p.firstUnknown
            all.duplicates += p.duplicates
            all.skipped.merge(p.skipped)
            if all.printed.count < 20 { all.printed += p.printed }
        }
        let out = Candidates(
            source: context.stageName, users: IDMap(inputs.userIDs), items: inputs.items, lists: all.lists)
        var notes = [
            "candidates '\(plugin.name)' (\(plugin.file):\(plugin.line)): \(all.produced) candidates for \(n) users "
                + "(at most \(limit) each), \(all.empty) users with none",
            time,
        ]
        if inputs.hiddenPurchases > 0 {
            notes.append(
                "evaluation: \(inputs.hiddenPurchases) purchases the split holds out are hidden from u:purchased")
        }
        if !data.neighborOwners.isEmpty {
            notes.append("ctx.neighbors: \(data.neighborOwners.count) items with co-occurrence lists")
        }
        if !all.printed.isEmpty {
            notes.append("printed by the plugin: " + all.printed.prefix(5).joined(separator: " | "))
        }
        var warnings = all.skipped.warning("users")
        if all.unknown > 0 {
            warnings.append(
                "\(all.unknown) candidates named no known item and were dropped (first: '\(all.firstUnknown ?? "")'); "
                    + "items come from the items, seen, purchased and neighbors inputs")
        }
        return StageOutput(
            out, rowsIn: n, rowsOut: all.produced,
            counters: [
                .init("users_without_candidates", all.empty), .init("unknown_items_dropped", all.unknown),
                .init("duplicate_items_dropped", all.duplicates), .init("users_skipped_on_error", all.skipped.count),
            ],
            notes: notes, warnings: warnings)
    }

    static func candidatesWorker(_ plan: Plan, users: PluginUsers, data: PluginContext) throws(StageError) -> Worker {
        do throws(RuleError) {
            let (lua, index) = try plan.makeRuntime()
            lua.bind(users: PluginUserSource(users))
            try lua.setPluginContext(data)
            return Worker(lua: lua, index: index)
        } catch {
            throw stageError(error)
        }
    }

    /// `ctx.items` from the items table and `ctx.neighbors` from the `neighbors` input: per item,
    /// the items sharing most rows with it (cosine of their sets of rows), best `neighbors` first.
    static func pluginContext(_ context: StageContext, itemIDColumn: String) throws -> PluginContext {
        var data = PluginContext()
        if let table = try context.optionalInput("items", as: Table.self) {
            guard let idc = table.columnIndex(itemIDColumn) else {
                throw StageError(
                    "the items table has no column '\(itemIDColumn)'", code: .missingColumn,
                    at: context.location(of: "item_id_column"),
                    hint: Suggestions.hint(for: itemIDColumn, in: table.columnNames))
            }
            var taken = Set<String>()
            for r in 0..<table.rowCount {
                guard let id = table.value(row: r, col: idc).idText, taken.insert(id).inserted else { continue }
                data.itemIDs.append(id)
                for c in table.columns { data.itemValues.append(c.scriptValue(r)) }
            }
            data.itemFields = table.columnNames
        }
        if let baskets = try PluginUsers.interactions(context, "neighbors") {
            var binary = baskets.matrix
            binary.values = [Float](repeating: 1, count: binary.values.count)
            let k = context.int("neighbors")
            let lists: NeighborLists
            do {
                // Cosine of the items' basket sets; each list holds the item itself, dropped below.
                lists = try KNNItemRecommender(userItems: binary, neighbors: k + 1).neighbors
            } catch {
                throw StageError("neighbors: \(error)", code: .of(error), at: context.spec.location)
            }
            for i in 0..<lists.rowCount {
                let others = lists.range(i).filter { lists.indices[$0] != Int32(i) && lists.scores[$0] > 0 }.prefix(k)
                guard !others.isEmpty else { continue }
                data.neighborOwners.append(baskets.items[i])
                data.neighborItems.append(others.map { baskets.items[Int(lists.indices[$0])] })
                data.neighborScores.append(others.map { Double(lists.scores[$0]) })
            }
        }
        return data
    }
}
