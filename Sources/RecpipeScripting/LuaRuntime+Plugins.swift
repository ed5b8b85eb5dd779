import CLua
import RecpipeCore

/// Calling plugins (`map`, `aggregate`, `candidates`; `score` is in ``LuaRuntime+Scoring``).
/// Each call runs under the instruction budget and memory cap, exactly like a rule call, and
/// leaves the state usable after an error. The record a plugin reads is the bound user view.
extension LuaRuntime {
    /// Rows one aggregate group may produce, and candidates one user may get before `max` trims.
    package static let maxRowsPerCall = 100_000

    /// The index of the script's plugin (a script registers at most one).
    package var pluginIndex: Int? { ruleKinds.firstIndex { $0.isPlugin } }

    // MARK: - aggregate

    /// Starts a group: the accumulator is `init()` (or the `init` value, or nil).
    package func beginGroup(_ index: Int, group: String) throws(RuleError) {
        lua_settop(L, Self.baseTop)
        _ = lua_getfield(L, Self.stateSlot, Self.aggregateKey(index))
        _ = lua_rawgeti(L, -1, 1)
        if lua_type(L, -1) == LUA_TFUNCTION {
            try call(index, args: 0, entity: group)
        }
        lua_setfield(L, Self.stateSlot, "acc")
        lua_settop(L, Self.baseTop)
    }

    /// `acc = step(acc, row)` when step returns a value (a table accumulator may instead be
    /// changed in place and nothing returned).
    package func stepGroup(_ index: Int, row: Int, group: String) throws(RuleError) {
        ctx.pointee.views.0!.pointee.row = lua_Integer(row)
        _ = lua_rawgeti(L, Self.functionsSlot, lua_Integer(index + 1))
        _ = lua_getfield(L, Self.stateSlot, "acc")
        pushRow()
        try call(index, args: 2, entity: group)
        if lua_type(L, -1) != LUA_TNIL { lua_setfield(L, Self.stateSlot, "acc") }
        lua_settop(L, Self.baseTop)
    }

    /// `finish(acc, key)` (or the accumulator itself without `finish`): nil, one row, or a list
    /// of rows, appended to `rows`. Returns the number of rows.
    @discardableResult
    package func finishGroup(
        _ index: Int, key: [ScriptValue], columns: [PluginColumn], group: String, into rows: inout [[ScriptValue]]
    ) throws(RuleError) -> Int {
        defer {
            lua_pushnil(L)
            lua_setfield(L, Self.stateSlot, "acc")
            lua_settop(L, Self.baseTop)
        }
        _ = lua_getfield(L, Self.stateSlot, Self.aggregateKey(index))
        _ = lua_rawgeti(L, -1, 2)
        if lua_type(L, -1) == LUA_TFUNCTION {
            _ = lua_getfield(L, Self.stateSlot, "acc")
            if key.count == 1 {
                pushValue(key[0])
            } else {
                lua_createtable(L, 0, Int32(key.count))
                for (c, v) in zip(rules[index].by ?? [], key) {
                    pushValue(v)
                    lua_setfield(L, -2, c)
                }
            }
            try call(index, args: 2, entity: group)
        } else {
            _ = lua_getfield(L, Self.stateSlot, "acc")
        }
        let t = lua_gettop(L)
        switch lua_type(L, t) {
        case LUA_TNIL: return 0
        case LUA_TTABLE: break
        default:
            throw pluginError(
                index, entity: group, "finish returned a \(luaTypeName(t)); return a row table, a list of rows or nil")
        }
        var row: [ScriptValue] = []
        _ = lua_rawgeti(L, t, 1)
        let isList = lua_type(L, -1) == LUA_TTABLE
        recpipe_pop(L, 1)
        guard isList else {
            try readRow(t, index, columns: columns, entity: group, into: &row)
            rows.append(row)
            return 1
        }
        let n = Int(lua_rawlen(L, t))
        guard n <= Self.maxRowsPerCall else {
            throw pluginError(
                index, entity: group, "finish returned \(n) rows; at most \(Self.maxRowsPerCall) per group")
        }
        for i in 1...n {
            _ = lua_rawgeti(L, t, lua_Integer(i))
            guard lua_type(L, -1) == LUA_TTABLE else {
                throw pluginError(
                    index, entity: group, "finish returned a list whose element \(i) is a \(luaTypeName(-1)), not a row"
                )
            }
            row.removeAll(keepingCapacity: true)
            try readRow(lua_gettop(L), index, columns: columns, entity: group, into: &row)
            rows.append(row)
            recpipe_pop(L, 1)
        }
        return n
    }

    // MARK: - candidates

    /// Runs `candidates` for `user` (a row of the bound user source) with the plugin context as
    /// the second argument. The plugin returns `{ {item, score}, ... }` or a `ctx.scores()` table;
    /// `out` gets the known items as numbers of the context's ``PluginContext/knownItems`` (in
    /// the order returned) and the other ids apart.
    package func callCandidates(_ index: Int, user: Int, into out: inout CandidateBatch) throws(RuleError) {
        ctx.pointee.views.0!.pointee.row = lua_Integer(user)
        _ = lua_rawgeti(L, Self.functionsSlot, lua_Integer(index + 1))
        lua_pushvalue(L, Self.userViewSlot)
        _ = lua_getfield(L, recpipe_registryindex(), Self.pluginContextKey)
        if lua_type(L, -1) == LUA_TNIL {
            recpipe_pop(L, 1)
            _ = lua_getfield(L, Self.envSlot, "ctx")
        }
        try call(index, args: 2, user: user)
        defer { lua_settop(L, Self.baseTop) }
        let t = lua_gettop(L)
        if lua_type(L, t) == LUA_TNIL { return }
        if let scores = recpipe_toscores(L, t) {
            try readScores(scores.pointee, at: t, index, user: user, into: &out)
            return
        }
        guard lua_type(L, t) == LUA_TTABLE else {
            throw pluginError(
                index, user: user,
                "candidates returned a \(luaTypeName(t)); return a list of {item, score} pairs or a ctx.scores() table")
        }
        let n = Int(lua_rawlen(L, t))
        guard n <= Self.maxRowsPerCall else {
            throw pluginError(
                index, user: user, "candidates returned \(n) pairs; at most \(Self.maxRowsPerCall) per user")
        }
        for i in 0..<n {
            _ = lua_rawgeti(L, t, lua_Integer(i + 1))
            defer { recpipe_pop(L, 1) }
            guard lua_type(L, -1) == LUA_TTABLE else {
                throw pluginError(
                    index, user: user,
                    "candidates returned a list whose element \(i + 1) is a \(luaTypeName(-1)), "
                        + "not an {item, score} pair")
            }
            _ = lua_rawgeti(L, -1, 1)
            _ = lua_rawgeti(L, -2, 2)
            defer { recpipe_pop(L, 2) }
            switch lua_type(L, -2) {
            case LUA_TSTRING: break
            case LUA_TNUMBER where recpipe_isinteger(L, -2) != 0: _ = lua_tolstring(L, -2, nil)
            default:
                throw pluginError(
                    index, user: user, "candidate \(i + 1): the item id is a \(luaTypeName(-2)); use a string")
            }
            guard lua_type(L, -1) == LUA_TNUMBER else {
                throw pluginError(
                    index, user: user,
                    "candidate \(i + 1) ('\(string(at: -2) ?? "")'): the score is a \(luaTypeName(-1)), not a number")
            }
            let score = lua_tonumberx(L, -1, nil)
            guard score.isFinite else {
                throw pluginError(
                    index, user: user,
                    "candidate \(i + 1) ('\(string(at: -2) ?? "")'): the score \(score) is not finite")
            }
            let number = recpipe_item_number(L, ctx, -2)
            if number >= 0 {
                out.items.append(Int32(truncatingIfNeeded: number))
                out.scores.append(score)
            } else {
                out.unknown.append((string(at: -2) ?? "", score))
            }
        }
    }

    /// The entries of a `ctx.scores()` table at `t`: known items in the order first added, then
    /// the unknown ids by id.
    private func readScores(
        _ s: recpipe_scores, at t: Int32, _ index: Int, user: Int, into out: inout CandidateBatch
    ) throws(RuleError) {
        guard s.live <= Self.maxRowsPerCall else {
            throw pluginError(
                index, user: user, "candidates returned \(s.live) scored items; at most \(Self.maxRowsPerCall) per user"
            )
        }
        ctx.pointee.scores_hint = s.count
        if let best = out.best {
            let room = max(0, min(best.limit, Int(s.live)))
            var items = [Int32](repeating: 0, count: room)
            var scores = [Float](repeating: 0, count: room)
            var table = s
            if out.keys.count < Int(s.live) {
                out.keys = Array(repeating: recpipe_best_key(), count: Int(s.live) * 2)
            }
            let n = best.rank.withUnsafeBufferPointer { rank in
                out.keys.withUnsafeMutableBufferPointer { k in
                    items.withUnsafeMutableBufferPointer { i in
                        scores.withUnsafeMutableBufferPointer { f in
                            recpipe_scores_best(
                                &table, lua_Integer(room), rank.baseAddress, k.baseAddress, i.baseAddress, f.baseAddress
                            )
                        }
                    }
                }
            }
            if n >= 0 {
                out.items.append(contentsOf: items[..<Int(n)])
                out.scores.append(contentsOf: scores[..<Int(n)].lazy.map(Double.init))
                out.setSelected()
                try readUnknownScores(at: t, index, user: user, into: &out)
                return
            }
            // A score that is not finite: the loop below names it.
        }
        var position = 0
        for e in 0..<Int(s.count) where s.items[e] >= 0 {
            position += 1
            let score = s.values[e]
            guard score.isFinite else {
                let id = knownItem(Int(s.items[e]))
                throw pluginError(
                    index, user: user, "candidate \(position) ('\(id)'): the score \(score) is not finite")
            }
            out.items.append(s.items[e])
            out.scores.append(score)
        }
        try readUnknownScores(at: t, index, user: user, into: &out)
    }

    /// The ids of the `ctx.scores()` table at `t` that are no known item, by id.
    private func readUnknownScores(
        at t: Int32, _ index: Int, user: Int, into out: inout CandidateBatch
    ) throws(RuleError) {
        guard lua_getiuservalue(L, t, 3) == LUA_TTABLE else { return }
        var unknown: [(item: String, score: Double)] = []
        lua_pushnil(L)
        while lua_next(L, -2) != 0 {
            unknown.append((string(at: -2) ?? "", lua_tonumberx(L, -1, nil)))
            recpipe_pop(L, 1)
        }
        unknown.sort { $0.item < $1.item }
        for (id, score) in unknown {
            guard score.isFinite else {
                throw pluginError(index, user: user, "candidate '\(id)': the score \(score) is not finite")
            }
        }
        out.unknown += unknown
    }

    /// The id of item number `n` (for messages: a registry scan, not the hot path).
    func knownItem(_ n: Int) -> String {
        guard ctx.pointee.item_ref > 0 else { return "#\(n)" }
        _ = lua_rawgeti(L, recpipe_registryindex(), lua_Integer(ctx.pointee.item_ref))
        let table = lua_gettop(L)
        defer { lua_settop(L, table - 1) }
        lua_pushnil(L)
        while lua_next(L, table) != 0 {
            if lua_tointegerx(L, -1, nil) == lua_Integer(n) { return string(at: -2) ?? "#\(n)" }
            recpipe_pop(L, 1)
        }
        return "#\(n)"
    }

    // MARK: - score

    /// Runs `score(u, item, score)` for a (user, item) pair of the bound sources: the new score.
    package func callScore(_ index: Int, user: Int, item: Int, score: Double) throws(RuleError) -> Double {
        ctx.pointee.views.0!.pointee.row = lua_Integer(user)
        ctx.pointee.views.1!.pointee.row = lua_Integer(item)
        _ = lua_rawgeti(L, Self.functionsSlot, lua_Integer(index + 1))
        lua_pushvalue(L, Self.userViewSlot)
        lua_pushvalue(L, Self.itemViewSlot)
        lua_pushnumber(L, score)
        try call(index, args: 3, user: user, item: item)
        defer { lua_settop(L, Self.baseTop) }
        guard lua_type(L, -1) == LUA_TNUMBER else {
            throw pluginError(index, user: user, "score returned a \(luaTypeName(-1)); return the new score (a number)")
        }
        let value = lua_tonumberx(L, -1, nil)
        guard value.isFinite else {
            throw pluginError(index, user: user, "score returned \(value); return a finite number")
        }
        return value
    }

    // MARK: - Shared

    /// Calls the function below `args` arguments under the budget; the result is on top.
    /// `entity` is only made when the call fails (not a string per row).
    func call(
        _ index: Int, args: Int32, user: Int? = nil, item: Int? = nil,
        entity: @autoclosure () -> String? = nil
    ) throws(RuleError) {
        beginCall()
        let status = recpipe_pcall(L, args, 1, Self.msghSlot)
        endCall()
        guard status == LUA_OK else {
            let error = makeError(status: status, rule: index, user: user, item: item, entity: entity())
            lua_settop(L, Self.baseTop)
            throw error
        }
    }

    /// Reads the declared columns of the row table at `t` (raw reads: no metamethods). A key
    /// that is not a declared column is an error naming the nearest column.
    func readRow(
        _ t: Int32, _ index: Int, columns: [PluginColumn], entity: String, into out: inout [ScriptValue]
    ) throws(RuleError) {
        var found = 0
        let names = pushColumnKeys(index, columns)
        defer { if lua_gettop(L) >= names { recpipe_remove(L, names) } }
        for (k, column) in columns.enumerated() {
            _ = lua_rawgeti(L, names, lua_Integer(k + 1))
            let type = lua_rawget(L, t)
            defer { recpipe_pop(L, 1) }
            if type == LUA_TNIL {
                out.append(.null)
                continue
            }
            found += 1
            guard let value = columnValue(column.type) else {
                var shown = luaTypeName(-1)
                if type == LUA_TNUMBER { shown += " \(lua_tonumberx(L, -1, nil))" }
                throw pluginError(
                    index, entity: entity,
                    "column '\(column.name)' is declared \(column.type.rawValue), but the row has a \(shown)")
            }
            out.append(value)
        }
        var keys = 0
        lua_pushnil(L)
        while lua_next(L, t) != 0 {
            keys += 1
            recpipe_pop(L, 1)
        }
        guard keys > found else { return }
        let declared = Set(columns.map(\.name))
        lua_pushnil(L)
        while lua_next(L, t) != 0 {
            let key = string(at: -2) ?? "<\(luaTypeName(-2)) key>"
            recpipe_pop(L, 1)
            if !declared.contains(key) {
                lua_settop(L, Self.baseTop)
                var message =
                    "the row has field '\(key)', which is not a declared column ("
                    + columns.map(\.description).joined(separator: ", ") + ")"
                if let hint = Self.nearest(key, in: columns.map(\.name)) { message += "; did you mean '\(hint)'?" }
                throw pluginError(index, entity: entity, message)
            }
        }
    }

    /// Pushes the list of the column names as Lua strings, made once per plugin (not a host
    /// string per column per row); returns its stack index.
    private func pushColumnKeys(_ index: Int, _ columns: [PluginColumn]) -> Int32 {
        if let (ref, names) = columnKeys[index], names.elementsEqual(columns.lazy.map(\.name)) {
            _ = lua_rawgeti(L, recpipe_registryindex(), lua_Integer(ref))
            return lua_gettop(L)
        }
        lua_createtable(L, Int32(columns.count), 0)
        for (k, column) in columns.enumerated() {
            pushString(column.name)
            lua_rawseti(L, -2, lua_Integer(k + 1))
        }
        if let (old, _) = columnKeys[index] { luaL_unref(L, recpipe_registryindex(), old) }
        lua_pushvalue(L, -1)
        columnKeys[index] = (luaL_ref(L, recpipe_registryindex()), columns.map(\.name))
        return lua_gettop(L)
    }

    /// The value on top as a column of `type`, or nil when it does not fit.
    private func columnValue(_ type: PluginColumn.ValueType) -> ScriptValue? {
        switch (type, lua_type(L, -1)) {
        case (.int, LUA_TNUMBER):
            if recpipe_isinteger(L, -1) != 0 { return .int(lua_tointegerx(L, -1, nil)) }
            let d = lua_tonumberx(L, -1, nil)
            return d == d.rounded() && abs(d) < 9e15 ? .int(Int64(d)) : nil
        case (.float, LUA_TNUMBER): return .double(lua_tonumberx(L, -1, nil))
        case (.string, LUA_TSTRING): return string(at: -1).map(ScriptValue.string)
        case (.string, LUA_TNUMBER) where recpipe_isinteger(L, -1) != 0:
            return .string(String(lua_tointegerx(L, -1, nil)))
        case (.bool, LUA_TBOOLEAN): return .bool(lua_toboolean(L, -1) != 0)
        default: return nil
        }
    }

    func pluginError(_ index: Int, user: Int? = nil, entity: String? = nil, _ message: String) -> RuleError {
        let rule = rules[index]
        var e = RuleError(
            kind: .type, file: rule.file, line: rule.line, rule: rule.name,
            user: user.flatMap { userSource?.id(row: $0) },
            message: message)
        e.entity = entity
        e.isPlugin = true
        return e
    }

    func luaTypeName(_ index: Int32) -> String {
        String(cString: lua_typename(L, lua_type(L, index)))
    }

    static func nearest(_ word: String, in names: [String]) -> String? {
        Suggestions.closest(to: word, in: names)
    }
}
