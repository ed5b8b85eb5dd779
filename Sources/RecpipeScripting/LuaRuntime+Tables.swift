import CLua

/// Reading Lua values back into Swift (host side, after script code has returned). These never
/// call metamethods or convert numbers in place, so they cannot raise Lua errors.
extension LuaRuntime {
    /// The value at `index`: nil, boolean, number, string, or a sequence table as a list.
    /// Functions, userdata and tables with non-sequence keys give nil.
    func scriptValue(at index: Int32, depth: Int = 0) -> ScriptValue? {
        let index = lua_absindex(L, index)
        switch lua_type(L, index) {
        case LUA_TNIL: return .null
        case LUA_TBOOLEAN: return .bool(lua_toboolean(L, index) != 0)
        case LUA_TNUMBER:
            if recpipe_isinteger(L, index) != 0 { return .int(lua_tointegerx(L, index, nil)) }
            return .double(lua_tonumberx(L, index, nil))
        case LUA_TSTRING: return string(at: index).map(ScriptValue.string)
        case LUA_TTABLE:
            guard depth < 32, lua_checkstack(L, 4) != 0 else { return nil }
            let n = Int(lua_rawlen(L, index))
            var list: [ScriptValue] = []
            var count = 0
            lua_pushnil(L)
            while lua_next(L, index) != 0 {
                count += 1
                recpipe_pop(L, 1)
            }
            guard count == n else { return nil }
            for i in 0..<n {
                _ = lua_rawgeti(L, index, lua_Integer(i + 1))
                defer { recpipe_pop(L, 1) }
                guard let v = scriptValue(at: -1, depth: depth + 1) else { return nil }
                list.append(v)
            }
            return .list(list)
        default: return nil
        }
    }

    /// A table with string keys as a dictionary; non-convertible values are reported in `bad`.
    func record(at index: Int32, bad: inout [String]) -> [String: ScriptValue] {
        let index = lua_absindex(L, index)
        var out: [String: ScriptValue] = [:]
        guard lua_type(L, index) == LUA_TTABLE else { return out }
        lua_pushnil(L)
        while lua_next(L, index) != 0 {
            defer { recpipe_pop(L, 1) }
            guard let key = string(at: -2) else {
                bad.append("a non-string key")
                continue
            }
            if let v = scriptValue(at: -1) { out[key] = v } else { bad.append(key) }
        }
        return out
    }

    /// A sequence of strings (numbers are turned into their decimal text).
    func stringList(at index: Int32) -> [String] {
        guard case .list(let values)? = scriptValue(at: index) else { return [] }
        return values.compactMap {
            switch $0 {
            case .string(let s): s
            case .int(let i): String(i)
            default: nil
            }
        }
    }

    /// A table of `name = boolean` pairs.
    func booleanMap(at index: Int32) -> [String: Bool] {
        var bad: [String] = []
        return record(at: index, bad: &bad).compactMapValues {
            if case .bool(let b) = $0 { return b }
            return nil
        }
    }
}
