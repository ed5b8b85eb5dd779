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
        let data = try pluginContext(context, itemIDColumn: context.string("item_id_column"), known: inputs.items)
        let limit = plugin.limit ?? 100
        let n = inputs.userIDs.count
        let rank = idRanks(inputs.items.ids)
        let pool = LuaWorkerPool(count: n, chunkSize: chunkSize, threads: context.threads)
        let start = ContinuousClock.now
        let parts = try await pool.run(unit: "users", progress: context.progress) { () throws -> CandidateWorker in
            try candidatesWorker(plan, users: inputs, data: data)
        } work: { w, c, users throws -> CandidatePart in
            w.lua.reseed(plan.context.seed &+ UInt64(c))
            var part = CandidatePart()
            var batch = CandidateBatch()
            batch.best = (limit, rank)
            // The worker's marks, held locally for the chunk (no access to the class per item).
            var stamp = w.stamp
            w.stamp = []
            defer { w.stamp = stamp }
            var list: [(item: Int32, score: Float)] = []
            for u in users {
                batch.removeAll()
                do throws(RuleError) {
                    try w.lua.callCandidates(w.index, user: u, into: &batch)
                } catch {
                    guard plan.skipErrors else { throw stageError(error) }
                    part.skipped.add(error)
                    part.lists.append([])
                    continue
                }
                if let first = batch.unknown.first {
                    part.unknown += batch.unknown.count
                    if part.firstUnknown == nil { part.firstUnknown = first.item }
                }
                if batch.selected {
                    // A ctx.scores() table, already cut to the best `limit` in C (its items are distinct).
                    if batch.items.isEmpty { part.empty += 1 }
                    part.produced += batch.items.count
                    part.lists.append(zip(batch.items, batch.scores).map { ($0, Float($1)) })
                    continue
                }
                // Each item's first score: `stamp` marks the items this user already has.
                let mark = Int32(truncatingIfNeeded: u)
                list.removeAll(keepingCapacity: true)
                for (i, score) in zip(batch.items, batch.scores) {
                    if stamp[Int(i)] == mark {
                        part.duplicates += 1
                    } else {
                        stamp[Int(i)] = mark
                        list.append((i, Float(score)))
                    }
                }
                keepBest(&list, limit: limit, rank: rank)
                if list.isEmpty { part.empty += 1 }
                part.produced += list.count
                part.lists.append(Array(list))
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

    /// A candidates worker: its runtime, and per known item the last user that returned it.
    final class CandidateWorker {
        let lua: LuaRuntime
        let index: Int
        var stamp: [Int32]

        init(lua: LuaRuntime, index: Int, items: Int) {
            self.lua = lua
            self.index = index
            stamp = [Int32](repeating: -1, count: items)
        }
    }

    static func candidatesWorker(_ plan: Plan, users: PluginUsers, data: PluginContext) throws(StageError)
        -> CandidateWorker
    {
        do throws(RuleError) {
            let (lua, index) = try plan.makeRuntime()
            lua.bind(users: PluginUserSource(users))
            try lua.setPluginContext(data)
            return CandidateWorker(lua: lua, index: index, items: users.items.count)
        } catch {
            throw stageError(error)
        }
    }

    /// Per item number, the position of its id in id order: ties are broken by comparing these,
    /// not the id strings.
    static func idRanks(_ ids: [String]) -> [Int32] {
        var rank = [Int32](repeating: 0, count: ids.count)
        for (position, i) in ids.indices.sorted(by: { ids[$0] < ids[$1] }).enumerated() {
            rank[i] = Int32(position)
        }
        return rank
    }

    /// Sorts `list` (score descending, then id: `rank` from ``idRanks(_:)``) and keeps the first
    /// `limit`: a heap of the best `limit` when there are more, the same result as sorting
    /// everything and cutting.
    static func keepBest(_ list: inout [(item: Int32, score: Float)], limit: Int, rank: [Int32]) {
        guard limit > 0 else {
            list.removeAll()
            return
        }
        rank.withUnsafeBufferPointer { rank in
            @inline(__always) func better(_ a: (item: Int32, score: Float), _ b: (item: Int32, score: Float)) -> Bool {
                a.score != b.score ? a.score > b.score : rank[Int(a.item)] < rank[Int(b.item)]
            }
            if list.count > limit {
                list.withUnsafeMutableBufferPointer { all in
                    // A heap in all[0..<limit] whose root is the worst of the best `limit` so far.
                    let heap = UnsafeMutableBufferPointer(rebasing: all[..<limit])
                    @inline(__always) func down(_ start: Int) {
                        var i = start
                        while true {
                            let l = 2 * i + 1
                            let r = l + 1
                            var worst = i
                            if l < limit, better(heap[worst], heap[l]) { worst = l }
                            if r < limit, better(heap[worst], heap[r]) { worst = r }
                            if worst == i { return }
                            heap.swapAt(i, worst)
                            i = worst
                        }
                    }
                    for i in stride(from: limit / 2 - 1, through: 0, by: -1) { down(i) }
                    for k in limit..<all.count where better(all[k], heap[0]) {
                        heap[0] = all[k]
                        down(0)
                    }
                }
                list.removeLast(list.count - limit)
            }
            list.sort(by: better)
        }
    }

    /// `ctx.items` from the items table and `ctx.neighbors` from the `neighbors` input: per item,
    /// the items sharing most rows with it (cosine of their sets of rows), best `neighbors` first.
    static func pluginContext(_ context: StageContext, itemIDColumn: String, known: IDMap) throws -> PluginContext {
        var data = PluginContext()
        data.knownItems = known.ids
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
