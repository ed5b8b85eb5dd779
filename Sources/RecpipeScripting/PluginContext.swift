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

    package init() {}
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

        lua_createtable(L, 0, Int32(clamping: data.neighborOwners.count))
        for (i, id) in data.neighborOwners.enumerated() {
            pushString(id)
            lua_createtable(L, 0, 2)
            pushValue(.list(data.neighborItems[i].map(ScriptValue.string)))
            lua_setfield(L, -2, "items")
            pushValue(.list(data.neighborScores[i].map(ScriptValue.double)))
            lua_setfield(L, -2, "scores")
            lua_rawset(L, -3)
        }
        lua_setfield(L, p, "neighbors")
        lua_setfield(L, recpipe_registryindex(), Self.pluginContextKey)
        lua_settop(L, Self.baseTop)
        try isolate(1...1, name: { _ in "ctx" }) {
            lua_createtable(L, 1, 0)
            _ = lua_getfield(L, recpipe_registryindex(), Self.pluginContextKey)
            lua_rawseti(L, -2, 1)
        }
    }
}
