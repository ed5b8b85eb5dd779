import CLua

/// Rule isolation: read-only libraries, state frozen after each file loads, and no assignments
/// to load-time variables from rules (see ``RuleFreezer`` for the model). Together they make a
/// rule's answer for an entity independent of the entities evaluated before it, so outputs are
/// the same for any `--jobs`.
extension LuaRuntime {
    static let freezerKey = "recpipe.freezer"

    // MARK: - Setting up

    /// Loads the freezer, replaces `next`/`rawlen` in G with its frozen-aware versions, and
    /// freezes the library tables. Call when G and the environment are complete.
    func installIsolation(g: Int32) throws(RuleError) {
        let status = RuleFreezer.source.withCString { p in
            luaL_loadbufferx(L, p, strlen(p), "=recpipe-freezer", "t")
        }
        guard status == LUA_OK else {
            throw RuleError(kind: .syntax, file: "<freezer>", line: nil, message: string(at: -1) ?? "?")
        }
        luaL_requiref(L, "debug", recpipe_fn_open_debug(), 0)
        guard recpipe_pcall(L, 1, 1, 0) == LUA_OK else {
            throw RuleError(kind: .runtime, file: "<freezer>", line: nil, message: string(at: -1) ?? "?")
        }
        let api = lua_gettop(L)
        lua_pushvalue(L, api)
        lua_setfield(L, recpipe_registryindex(), Self.freezerKey)
        for name in ["next", "rawlen"] {
            _ = lua_getfield(L, api, name)
            lua_setfield(L, g, name)
        }
        _ = lua_getfield(L, api, "freeze_library")
        lua_pushvalue(L, g)
        lua_pushvalue(L, Self.envSlot)
        guard recpipe_pcall(L, 2, 0, 0) == LUA_OK else {
            throw RuleError(kind: .runtime, file: "<freezer>", line: nil, message: string(at: -1) ?? "?")
        }
        recpipe_pop(L, 1)
    }

    // MARK: - After a file loads

    /// Freezes what rules `first..<rules.count` reach, then refuses the file when one of their
    /// functions assigns to a variable created while it loaded.
    func isolateRules(from first: Int) throws(RuleError) {
        guard first < rules.count else { return }
        try isolate(first + 1...rules.count, name: { rules[$0 - 1].name }) { lua_pushvalue(L, Self.functionsSlot) }
        // An aggregate's init and finish are rule functions too.
        for i in first..<rules.count where rules[i].kind == .aggregate {
            try isolate(1...2, name: { _ in rules[i].name }) {
                _ = lua_getfield(L, Self.stateSlot, Self.aggregateKey(i))
            }
        }
    }

    /// Freezes what the functions `range` of the table `pushTable` pushes can reach, then refuses
    /// the file when one of them assigns to a variable created while it loaded.
    func isolate(
        _ range: ClosedRange<Int>, name: (Int) -> String, pushTable: () -> Void
    ) throws(RuleError) {
        lua_settop(L, Self.baseTop)
        _ = lua_getfield(L, recpipe_registryindex(), Self.freezerKey)
        _ = lua_getfield(L, -1, "freeze_rules")
        pushTable()
        lua_pushinteger(L, lua_Integer(range.lowerBound))
        lua_pushinteger(L, lua_Integer(range.upperBound))
        lua_createtable(L, Int32(clamping: range.upperBound), 0)
        for i in range {
            pushString(name(i))
            lua_rawseti(L, -2, lua_Integer(i))
        }
        // Host work: no budget, no cap.
        lua_sethook(L, nil, 0, 0)
        let status = recpipe_pcall(L, 4, 2, 0)
        recpipe_install_hook(L, Int32(clamping: limits.granularity))
        guard status == LUA_OK else {
            let message = string(at: -1) ?? "?"
            lua_settop(L, Self.baseTop)
            throw RuleError(kind: .memory, file: chunkFiles.last ?? "<lua>", line: nil, message: message)
        }
        let closures = lua_gettop(L) - 1
        let owners = lua_gettop(L)
        var found: [(LuaBytecode.UpvalueWrite, String)] = []
        var seen = Set<LuaBytecode.UpvalueWrite>()
        for i in stride(from: 1, through: Int(lua_rawlen(L, closures)), by: 1) {
            _ = lua_rawgeti(L, closures, lua_Integer(i))
            let writes = (try? LuaBytecode.upvalueWrites(in: dump(at: -1))) ?? []
            recpipe_pop(L, 1)
            _ = lua_rawgeti(L, owners, lua_Integer(i))
            let rule = string(at: -1) ?? "?"
            recpipe_pop(L, 1)
            for w in writes where seen.insert(w).inserted { found.append((w, rule)) }
        }
        lua_settop(L, Self.baseTop)
        guard let (first, rule) = found.first else { return }
        var message =
            "rule '\(rule)' assigns to '\(first.name)', a variable created while the file loaded; "
            + "rules keep no state between users and items (declare it `local` inside the function)"
        if found.count > 1 {
            message +=
                "; also "
                + found.dropFirst().map { w, r in "'\(w.name)' at line \(w.line) (rule '\(r)')" }.joined(
                    separator: ", ")
        }
        let chunk = Int(first.source.dropFirst(2)) ?? 0
        throw RuleError(kind: .isolation, file: file(ofChunk: chunk), line: first.line, rule: rule, message: message)
    }

    /// The binary chunk of the Lua function at `index`, with debug information.
    private func dump(at index: Int32) -> [UInt8] {
        let box = DumpBuffer()
        lua_pushvalue(L, index)
        _ = lua_dump(
            L,
            { _, p, size, ud in
                let box = Unmanaged<DumpBuffer>.fromOpaque(ud!).takeUnretainedValue()
                if let p { box.bytes.append(contentsOf: UnsafeRawBufferPointer(start: p, count: size)) }
                return 0
            }, Unmanaged.passUnretained(box).toOpaque(), 0)
        recpipe_pop(L, 1)
        return box.bytes
    }
}

private final class DumpBuffer {
    var bytes: [UInt8] = []
}
