import CLua

/// One `case{...}` from an analyst's rule test file.
///
/// ```lua
/// -- rules/tags_test.lua
/// case{ name = "vip spends", user = { monetary = 600, recency_days = 3 }, expect_tags = { "vip" } }
/// case{ name = "out of stock", user = {}, item = { stock = 0, price = 10 },
///       expect_filter = { in_stock = false } }
/// case{ name = "coats in winter", user = {}, item = { category = "coats" },
///       expect_when = { ["winter-coats"] = true } }
/// case{ name = "no data", user = {}, expect_error = "unknown field" }
/// ```
/// `tags`, `purchased` and `seen` (lists) back `u:has_tag`, `u:purchased`, `u:seen`; `item_tags`
/// backs `item:has_tag`.
package struct RuleTestCase: Sendable, Hashable {
    package var name: String
    package var file: String
    package var line: Int
    package var user: [String: ScriptValue]
    package var item: [String: ScriptValue]?
    package var userSets: [String: Set<String>]
    package var itemSets: [String: Set<String>]
    package var expectTags: [String]?
    package var expectFilter: [String: Bool]?
    package var expectWhen: [String: Bool]?
    package var expectError: String?
    /// Plugins: the input rows (map, aggregate), `ctx.items` and `ctx.neighbors` (candidates).
    package var rows: [[String: ScriptValue]] = []
    package var items: [String: [String: ScriptValue]] = [:]
    package var neighbors: [String: [(item: String, score: Double)]] = [:]
    /// Plugins: the rows `map`/`aggregate` make (aggregate: `by` columns included), in order;
    /// the item ids `candidates` gives, best first.
    package var expectRows: [[String: ScriptValue]]?
    package var expectCandidates: [String]?

    package static func == (a: RuleTestCase, b: RuleTestCase) -> Bool {
        a.name == b.name && a.file == b.file && a.line == b.line
    }
    package func hash(into h: inout Hasher) {
        h.combine(name)
        h.combine(file)
        h.combine(line)
    }
}

extension LuaRuntime {
    /// The cases registered by a test file (a runtime created with the `.tests` API).
    func registeredCases() throws(RuleError) -> [RuleTestCase] {
        lua_settop(L, Self.baseTop)
        defer { lua_settop(L, Self.baseTop) }
        var cases: [RuleTestCase] = []
        let n = Int(lua_rawlen(L, Self.casesSlot))
        for i in 0..<n {
            _ = lua_rawgeti(L, Self.casesSlot, lua_Integer(i + 1))
            let t = lua_gettop(L)
            defer { lua_settop(L, Self.baseTop) }
            // Raw reads: a case table could carry metamethods, and this runs outside `pcall`.
            func get(_ key: String) -> Int32 {
                pushString(key)
                _ = lua_rawget(L, t)
                return lua_gettop(L)
            }
            var chunk = 0
            var line = 0
            if let v = scriptValue(at: get("chunk")), case .int(let c) = v { chunk = Int(c) }
            if let v = scriptValue(at: get("line")), case .int(let l) = v { line = Int(l) }
            let name = string(at: get("name")) ?? "?"
            var bad: [String] = []
            let user = record(at: get("user"), bad: &bad)
            let item: [String: ScriptValue]? =
                lua_type(L, get("item")) == LUA_TTABLE ? record(at: -1, bad: &bad) : nil
            if !bad.isEmpty {
                throw RuleError(
                    kind: .registration, file: file(ofChunk: chunk), line: line,
                    message: "case '\(name)': unsupported value for \(bad.sorted().joined(separator: ", ")); "
                        + "use booleans, numbers, strings or lists")
            }
            var userSets: [String: Set<String>] = [:]
            for set in ScriptRecordSet.allCases {
                userSets[set.name] = Set(stringList(at: get(set.name)))
            }
            let itemSets = ["tags": Set(stringList(at: get("item_tags")))]
            var c = RuleTestCase(
                name: name, file: file(ofChunk: chunk), line: line, user: user, item: item,
                userSets: userSets, itemSets: itemSets,
                expectTags: lua_type(L, get("expect_tags")) == LUA_TTABLE ? stringList(at: -1) : nil,
                expectFilter: lua_type(L, get("expect_filter")) == LUA_TTABLE ? booleanMap(at: -1) : nil,
                expectWhen: lua_type(L, get("expect_when")) == LUA_TTABLE ? booleanMap(at: -1) : nil,
                expectError: string(at: get("expect_error")))
            try readPluginFields(into: &c, table: get, chunk: chunk, bad: &bad)
            cases.append(c)
        }
        return cases
    }
}
