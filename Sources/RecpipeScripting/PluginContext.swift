import CLua

/// The read-only data a `candidates` plugin gets as its second argument, beside `ctx.as_of` and
/// `ctx.params`: `ctx.items[id]` (the item's fields) and `ctx.neighbors[id]` (`{ items = {…},
/// scores = {…} }`, best first). Built once per worker state and frozen like load-time tables.
package struct PluginContext: Sendable {
    package var itemIDs: [String] = []
    package var itemFields: [String] = []
    /// Row-major, `itemFields.count` per item.
    package var itemValues: [ScriptValue] = []
    /// Items with a neighbour list, and each list.
    package var neighborOwners: [String] = []
    package var neighborItems: [[String]] = []
    package var neighborScores: [[Double]] = []
    /// The item numbering: `ctx.scores()` entries, the returned candidates and the user source's
    /// ``ScriptItemSets`` are numbers into this list (ids not in it are unknown items).
    package var knownItems: [String] = []

    package init() {}
}

/// What one `candidates` call returned (``LuaRuntime/callCandidates(_:user:into:)``).
package struct CandidateBatch {
    /// Known items as numbers of the context's ``PluginContext/knownItems``, in the order returned
    /// (duplicates kept), with their scores.
    package var items: [Int32] = []
    package var scores: [Double] = []
    /// Ids that are no known item, with their scores.
    package var unknown: [(item: String, score: Double)] = []
    /// When set, a `ctx.scores()` table is cut in C to its best `limit` known items (score as a
    /// Float descending, then `rank`: per item number its position in id order), best first, and
    /// ``selected`` says so: `items` and `scores` are then the final list.
    package var best: (limit: Int, rank: [Int32])?
    package private(set) var selected = false
    /// Room for the selection's keys (``best``), reused from user to user.
    var keys: [recpipe_best_key] = []

    package init() {}

    package mutating func removeAll() {
        items.removeAll(keepingCapacity: true)
        scores.removeAll(keepingCapacity: true)
        unknown.removeAll(keepingCapacity: true)
        selected = false
    }

    mutating func setSelected() { selected = true }
}

/// `ctx.neighbors`' lists in item numbers (-1: an id that is no known item), for `s:add(n.items,
/// n.scores)` on a score table: the C side reads these instead of the Lua lists, and finds a
/// list's owner by the list table's address (`keys`/`owners`, open addressing with
/// `recpipe_pointer_hash`; the tables live as long as the context that holds them and this).
final class NeighborNumbers {
    let offsets: UnsafeMutableBufferPointer<Int64>
    let items: UnsafeMutableBufferPointer<Int32>
    let scores: UnsafeMutableBufferPointer<Double>
    let keys: UnsafeMutableBufferPointer<UInt>
    let owners: UnsafeMutableBufferPointer<Int32>

    /// `tables`: per list table's address, owner + 1 (items) or -(owner + 1) (scores).
    init(lists: [[String]], scores lists2: [[Double]], tables: [(UInt, Int32)], number: (String) -> Int32) {
        var slots = 16
        while slots < tables.count * 2 { slots *= 2 }
        keys = .allocate(capacity: slots)
        owners = .allocate(capacity: slots)
        keys.initialize(repeating: 0)
        owners.initialize(repeating: 0)
        for (p, owner) in tables {
            var h = Int(recpipe_pointer_hash(p) & UInt(slots - 1))
            while keys[h] != 0 { h = (h + 1) & (slots - 1) }
            keys[h] = p
            owners[h] = owner
        }
        let total = lists.reduce(0) { $0 + $1.count }
        offsets = .allocate(capacity: lists.count + 1)
        items = .allocate(capacity: max(1, total))
        scores = .allocate(capacity: max(1, total))
        items.initialize(repeating: -1)
        scores.initialize(repeating: 0)
        var k = 0
        offsets[0] = 0
        for (o, list) in lists.enumerated() {
            for (j, id) in list.enumerated() {
                items[k] = number(id)
                scores[k] = lists2[o][j]
                k += 1
            }
            offsets[o + 1] = Int64(k)
        }
    }

    deinit {
        offsets.deallocate()
        items.deallocate()
        scores.deallocate()
        keys.deallocate()
        owners.deallocate()
    }
}

/// The dense index of the newest `ctx.scores()` table of a state (`dense` in the C context): a
/// stamp and an entry per item of the item numbering.
final class DenseScoreIndex {
    let slots: UnsafeMutableBufferPointer<UInt64>

    /// Up to this many items (8 bytes each per state); past it, score tables hash.
    static let maxItems = 4 << 20

    init(items: Int) {
        slots = .allocate(capacity: max(1, items))
        slots.initialize(repeating: 0)
    }

    deinit { slots.deallocate() }
}

extension LuaRuntime {
    static let pluginContextKey = "recpipe.plugin_context"

    /// Makes `data` the `ctx` argument of plugin calls (host work: no budget, no cap).
    package func setPluginContext(_ data: PluginContext) throws(RuleError) {
        lua_settop(L, Self.baseTop)
        lua_createtable(L, 0, 4)
        let p = lua_gettop(L)
        pushString(context.asOf)
        lua_setfield(L, p, "as_of")
        _ = lua_getfield(L, Self.envSlot, "ctx")
        _ = lua_getfield(L, -1, "params")
        lua_setfield(L, p, "params")
        recpipe_pop(L, 1)

        lua_createtable(L, 0, Int32(clamping: data.itemIDs.count))
        let width = data.itemFields.count
        for (i, id) in data.itemIDs.enumerated() {
            pushString(id)
            lua_createtable(L, 0, Int32(width))
            for (f, name) in data.itemFields.enumerated() {
                pushValue(data.itemValues[i * width + f])
                lua_setfield(L, -2, name)
            }
            lua_rawset(L, -3)
        }
        lua_setfield(L, p, "items")

        installItemNumbers(data.knownItems)
        // Each neighbour list's items table → owner + 1, scores table → -(owner + 1), by address.
        var tables: [(UInt, Int32)] = []
        tables.reserveCapacity(data.neighborOwners.count * 2)
        lua_createtable(L, 0, Int32(clamping: data.neighborOwners.count))
        for (i, id) in data.neighborOwners.enumerated() {
            pushString(id)
            lua_createtable(L, 0, 2)
            pushValue(.list(data.neighborItems[i].map(ScriptValue.string)))
            tables.append((UInt(bitPattern: lua_topointer(L, -1)), Int32(i + 1)))
            lua_setfield(L, -2, "items")
            pushValue(.list(data.neighborScores[i].map(ScriptValue.double)))
            tables.append((UInt(bitPattern: lua_topointer(L, -1)), -Int32(i + 1)))
            lua_setfield(L, -2, "scores")
            lua_rawset(L, -3)
        }
        lua_setfield(L, p, "neighbors")
        let numbers = NeighborNumbers(lists: data.neighborItems, scores: data.neighborScores, tables: tables) { id in
            Int32(clamping: self.itemNumber(id) ?? -1)
        }
        neighborNumbers = numbers
        ctx.pointee.nb_offsets = UnsafePointer(numbers.offsets.baseAddress)
        ctx.pointee.nb_items = UnsafePointer(numbers.items.baseAddress)
        ctx.pointee.nb_scores = UnsafePointer(numbers.scores.baseAddress)
        ctx.pointee.nb_keys = UnsafePointer(numbers.keys.baseAddress)
        ctx.pointee.nb_owners = UnsafePointer(numbers.owners.baseAddress)
        ctx.pointee.nb_mask = lua_Integer(numbers.keys.count - 1)
        lua_pushcclosure(L, recpipe_fn_scores_new(), 0)
        lua_setfield(L, p, "scores")
        lua_setfield(L, recpipe_registryindex(), Self.pluginContextKey)
        lua_settop(L, Self.baseTop)
        try isolate(1...1, name: { _ in "ctx" }) {
            lua_createtable(L, 1, 0)
            _ = lua_getfield(L, recpipe_registryindex(), Self.pluginContextKey)
            lua_rawseti(L, -2, 1)
        }
    }

    /// Makes `ids` the item numbering (ids → 0-based numbers, a registry table the C fast paths
    /// probe). Host work: the table is not reachable from scripts.
    func installItemNumbers(_ ids: [String]) {
        lua_createtable(L, 0, Int32(clamping: ids.count))
        for (i, id) in ids.enumerated() {
            pushString(id)
            lua_pushinteger(L, lua_Integer(i))
            lua_rawset(L, -3)
        }
        replaceRef(&ctx.pointee.item_ref)
        // Score tables made from now on number items in `ids`; older ones hash (dense_owner 0).
        ctx.pointee.dense_owner = 0
        if ids.count <= DenseScoreIndex.maxItems {
            let index = DenseScoreIndex(items: ids.count)
            denseScoreIndex = index
            ctx.pointee.dense = index.slots.baseAddress
            ctx.pointee.dense_n = lua_Integer(ids.count)
        } else {
            denseScoreIndex = nil
            ctx.pointee.dense = nil
            ctx.pointee.dense_n = 0
        }
    }

    /// The number of item `id`, nil when it is no known item.
    func itemNumber(_ id: String) -> Int? {
        guard ctx.pointee.item_ref > 0 else { return nil }
        pushString(id)
        let n = recpipe_item_number(L, ctx, -1)
        recpipe_pop(L, 1)
        return n >= 0 ? Int(n) : nil
    }

    /// Pops the value on top into the registry, replacing (and releasing) the reference `ref`.
    private func replaceRef(_ ref: inout Int32) {
        if ref > 0 { luaL_unref(L, recpipe_registryindex(), ref) }
        ref = luaL_ref(L, recpipe_registryindex())
    }
}
