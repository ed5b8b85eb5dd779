import CLua
import CRecpipeMatch

/// Building the allow-listed environment scripts run in.
///
/// The state opens only `base`, `string`, `table`, `math` and `utf8` (never `io`, `os`, `package`,
/// `debug`). Scripts get a fresh, empty environment table whose `__index` is a table of copied,
/// allowed values and whose `__newindex` rejects every assignment; a missing name raises
/// `undeclared global 'foo'`. Host metatables (record views, `ctx`, the environment, strings) are
/// protected with `__metatable`, so `getmetatable`/`setmetatable` only work on a script's own
/// plain tables, and `setmetatable` refuses `__gc` finalizers (they would run outside the budget).
extension LuaRuntime {
    static let baseFunctions = [
        "assert", "error", "ipairs", "pairs", "next", "select", "tonumber", "tostring", "type",
        "rawequal", "rawlen", "getmetatable",
    ]

    func buildSandbox() throws(RuleError) {
        lua_settop(L, 0)
        // Libraries: base into the (hidden) real globals, the others as loaded modules.
        luaL_requiref(L, "_G", recpipe_fn_open_base(), 1)
        luaL_requiref(L, "string", recpipe_fn_open_string(), 1)
        luaL_requiref(L, "table", recpipe_fn_open_table(), 1)
        luaL_requiref(L, "math", recpipe_fn_open_math(), 1)
        luaL_requiref(L, "utf8", recpipe_fn_open_utf8(), 1)
        lua_settop(L, 0)
        recpipe_setup_views(L)
        recpipe_setup_scores(L)

        // Permanent slots 1...8.
        recpipe_pushcfunction(L, recpipe_fn_msgh())  // 1 msgh
        lua_createtable(L, 16, 0)  // 2 rule functions
        _ = recpipe_newview(L, 0)  // 3 (ctx.views.0)
        _ = recpipe_newview(L, 1)  // 4 (ctx.views.1)
        recpipe_setup_row(L, Self.userViewSlot)
        lua_createtable(L, 0, 0)  // 5 env (filled below)
        lua_createtable(L, 0, 4)  // 6 prelude state
        lua_createtable(L, 16, 0)  // 7 rules
        lua_createtable(L, 16, 0)  // 8 cases
        bind(users: nil)
        bind(items: nil)

        lua_createtable(L, 0, 40)  // 9: G, the declared globals
        let g: Int32 = 9
        for name in Self.baseFunctions { copyGlobal(name, into: g) }
        setFunction(recpipe_fn_pcall(), "pcall", in: g)
        setFunction(recpipe_fn_xpcall(), "xpcall", in: g)
        setFunction(recpipe_fn_print(), "print", in: g)
        _ = lua_getglobal(L, "setmetatable")
        lua_pushcclosure(L, recpipe_fn_setmetatable(), 1)
        lua_setfield(L, g, "setmetatable")
        buildString(into: g)
        pushCopy(of: "table")
        _ = lua_getfield(L, -1, "move")
        lua_pushcclosure(L, recpipe_fn_table_move(), 1)
        lua_setfield(L, -2, "move")
        charge(["unpack", "concat"], in: lua_gettop(L), mode: 1)
        charge(["sort"], in: lua_gettop(L), mode: 2)
        charge(["insert", "remove"], in: lua_gettop(L), mode: 3)
        lua_setfield(L, g, "table")
        buildMath(into: g)
        pushCopy(of: "utf8")
        charge(["len", "codepoint", "offset"], in: lua_gettop(L), mode: 0)
        lua_setfield(L, g, "utf8")
        buildContext(into: g)
        try installPrelude(into: g)

        // G's misses raise "undeclared global"; G is locked.
        lua_createtable(L, 0, 2)
        recpipe_pushcfunction(L, recpipe_fn_undeclared_read())
        lua_setfield(L, -2, "__index")
        pushString("locked")
        lua_setfield(L, -2, "__metatable")
        lua_setmetatable(L, g)

        // The environment stays empty: reads fall through to G, writes are rejected.
        lua_createtable(L, 0, 3)
        lua_pushvalue(L, g)
        lua_setfield(L, -2, "__index")
        lua_pushvalue(L, g)
        lua_pushcclosure(L, recpipe_fn_undeclared_write(), 1)
        lua_setfield(L, -2, "__newindex")
        pushString("locked")
        lua_setfield(L, -2, "__metatable")
        lua_setmetatable(L, Self.envSlot)

        try installIsolation(g: g)
        lua_settop(L, Self.baseTop)
        recpipe_install_hook(L, Int32(clamping: limits.granularity))
        reseed(context.seed)
    }

    // MARK: - Pieces

    private func copyGlobal(_ name: String, into g: Int32) {
        _ = lua_getglobal(L, name)
        lua_setfield(L, g, name)
    }

    private func setFunction(_ f: lua_CFunction?, _ name: String, in table: Int32) {
        recpipe_pushcfunction(L, f)
        lua_setfield(L, table, name)
    }

    /// Pushes a shallow copy of global table `name`, minus `except`.
    private func pushCopy(of name: String, except: Set<String> = []) {
        _ = lua_getglobal(L, name)
        let source = lua_gettop(L)
        lua_createtable(L, 0, 32)
        let copy = lua_gettop(L)
        lua_pushnil(L)
        while lua_next(L, source) != 0 {
            if let key = string(at: -2), except.contains(key) {
                recpipe_pop(L, 1)
                continue
            }
            lua_pushvalue(L, -2)
            recpipe_insert(L, -2)
            lua_rawset(L, copy)
        }
        recpipe_remove(L, source)
    }

    /// Wraps `table[name]` so the call is charged to the budget first (see `recpipe_charged_call`).
    private func charge(_ names: [String], in table: Int32, mode: Int) {
        for name in names {
            _ = lua_getfield(L, table, name)
            lua_pushinteger(L, lua_Integer(mode))
            lua_pushcclosure(L, recpipe_fn_charged_call(), 2)
            lua_setfield(L, table, name)
        }
    }

    /// `string` without `dump`; `rep` capped; pattern functions with a subject-length cap. The
    /// string metatable's `__index` points at this table, so `("x"):dump()` is gone too.
    private func buildString(into g: Int32) {
        pushCopy(of: "string", except: ["dump"])
        let s = lua_gettop(L)
        _ = lua_getfield(L, s, "rep")
        lua_pushcclosure(L, recpipe_fn_rep(), 1)
        lua_setfield(L, s, "rep")
        // Our matcher: every step counts against the budget; subjects are capped.
        let matchers: [(String, lua_CFunction)] = [
            ("find", recpipe_str_find), ("match", recpipe_str_match), ("gmatch", recpipe_str_gmatch),
            ("gsub", recpipe_str_gsub),
        ]
        for (name, f) in matchers {
            lua_pushlightuserdata(L, recpipe_charge_pointer())
            lua_pushinteger(L, lua_Integer(limits.maxPatternSubjectBytes))
            lua_pushcclosure(L, f, 2)
            lua_setfield(L, s, name)
        }
        charge(["byte"], in: s, mode: 0)
        pushString("")
        _ = lua_getmetatable(L, -1)
        lua_pushvalue(L, s)
        lua_setfield(L, -2, "__index")
        pushString("locked")
        lua_setfield(L, -2, "__metatable")
        recpipe_pop(L, 2)
        lua_setfield(L, g, "string")
    }

    /// `math` with `randomseed()` seeded from the run seed, never the clock.
    private func buildMath(into g: Int32) {
        pushCopy(of: "math")
        let m = lua_gettop(L)
        _ = lua_getfield(L, m, "randomseed")
        lua_pushcclosure(L, recpipe_fn_randomseed(), 1)
        lua_pushvalue(L, -1)
        lua_setfield(L, recpipe_registryindex(), "recpipe.randomseed")
        lua_setfield(L, m, "randomseed")
        lua_setfield(L, g, "math")
    }

    /// `ctx = { as_of = "...", params = {...} }`, both read-only.
    private func buildContext(into g: Int32) {
        lua_createtable(L, 0, 2)
        pushString(context.asOf)
        lua_setfield(L, -2, "as_of")
        lua_createtable(L, 0, Int32(context.params.count))
        for (key, value) in context.params.sorted(by: { $0.key < $1.key }) {
            pushValue(value)
            lua_setfield(L, -2, key)
        }
        pushReadOnlyProxy(name: "ctx.params")
        lua_setfield(L, -2, "params")
        pushReadOnlyProxy(name: "ctx")
        lua_setfield(L, g, "ctx")
    }

    /// Replaces the table on top with an empty proxy that reads through to it and rejects writes.
    private func pushReadOnlyProxy(name: String) {
        lua_createtable(L, 0, 0)
        lua_createtable(L, 0, 3)
        lua_rotate(L, -3, -1)  // table, proxy, meta → proxy, meta, table
        lua_setfield(L, -2, "__index")
        pushString(name)
        lua_pushcclosure(L, recpipe_fn_readonly_write(), 1)
        lua_setfield(L, -2, "__newindex")
        pushString("locked")
        lua_setfield(L, -2, "__metatable")
        lua_setmetatable(L, -2)
    }

    /// Pushes a host value (host side: allocation never fails here).
    func pushValue(_ value: ScriptValue) {
        switch value {
        case .null: lua_pushnil(L)
        case .bool(let b): lua_pushboolean(L, b ? 1 : 0)
        case .int(let i): lua_pushinteger(L, i)
        case .double(let d): lua_pushnumber(L, d)
        case .string(let s): pushString(s)
        case .list(let l):
            lua_createtable(L, Int32(clamping: l.count), 0)
            for (i, v) in l.enumerated() {
                pushValue(v)
                lua_rawseti(L, -2, lua_Integer(i + 1))
            }
        }
    }

    /// Runs the trusted prelude and copies its API functions into G.
    private func installPrelude(into g: Int32) throws(RuleError) {
        let source = RulePrelude.source
        let status = source.withCString { p in
            luaL_loadbufferx(L, p, strlen(p), "=recpipe", "t")
        }
        guard status == LUA_OK else {
            throw RuleError(kind: .syntax, file: "<prelude>", line: nil, message: string(at: -1) ?? "?")
        }
        // Its environment: the hidden real globals (base, string, table, math).
        recpipe_pushcfunction(L, recpipe_fn_caller())
        lua_pushvalue(L, Self.rulesSlot)
        lua_pushvalue(L, Self.casesSlot)
        lua_pushvalue(L, Self.stateSlot)
        guard recpipe_pcall(L, 4, 1, 0) == LUA_OK else {
            throw RuleError(kind: .runtime, file: "<prelude>", line: nil, message: string(at: -1) ?? "?")
        }
        let names =
            api == .rules
            ? ["tag", "filter", "promote", "pin", "bury", "name_segment", "map", "aggregate", "candidates", "score"]
            : ["case"]
        for name in names {
            _ = lua_getfield(L, -1, name)
            lua_setfield(L, g, name)
        }
        recpipe_pop(L, 1)
    }
}
