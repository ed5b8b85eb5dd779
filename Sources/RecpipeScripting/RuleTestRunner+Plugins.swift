import CLua
import RecpipeCore

/// Plugin test cases: `rows` through a `map` or `aggregate` (compared with `expect_rows`), or one
/// user through `candidates` (compared with `expect_candidates`, best first):
///
/// ```lua
/// case{ name = "drops views", rows = { { event = "view" }, { event = "purchase", quantity = 2, price = 5 } },
///       expect_rows = { { amount = 10.0 } } }
/// case{ name = "co-bought", user = { user_id = "U1" }, seen = { "A" },
///       neighbors = { A = { { "B", 0.5 }, { "C", 0.2 } } }, items = { B = { category = "home" } },
///       expect_candidates = { "B", "C" } }
/// ```
extension LuaRuntime {
    /// Reads a case's plugin fields (`rows`, `items`, `neighbors`, `expect_rows`, `expect_candidates`).
    func readPluginFields(
        into c: inout RuleTestCase, table get: (String) -> Int32, chunk: Int, bad: inout [String]
    ) throws(RuleError) {
        func rowList(_ key: String) -> [[String: ScriptValue]]? {
            let t = get(key)
            guard lua_type(L, t) == LUA_TTABLE else { return nil }
            return (0..<Int(lua_rawlen(L, t))).map { i in
                _ = lua_rawgeti(L, t, lua_Integer(i + 1))
                defer { recpipe_pop(L, 1) }
                return record(at: -1, bad: &bad)
            }
        }
        c.rows = rowList("rows") ?? []
        c.expectRows = rowList("expect_rows")
        c.expectCandidates = lua_type(L, get("expect_candidates")) == LUA_TTABLE ? stringList(at: -1) : nil
        var items: [String: [String: ScriptValue]] = [:]
        let it = get("items")
        if lua_type(L, it) == LUA_TTABLE {
            lua_pushnil(L)
            while lua_next(L, it) != 0 {
                if let id = string(at: -2) { items[id] = record(at: -1, bad: &bad) }
                recpipe_pop(L, 1)
            }
        }
        c.items = items
        let nb = get("neighbors")
        if lua_type(L, nb) == LUA_TTABLE {
            lua_pushnil(L)
            while lua_next(L, nb) != 0 {
                if let id = string(at: -2), case .list(let pairs)? = scriptValue(at: -1) {
                    c.neighbors[id] = pairs.compactMap { p in
                        guard case .list(let v) = p, v.count == 2, case .string(let item) = v[0] else { return nil }
                        switch v[1] {
                        case .int(let i): return (item, Double(i))
                        case .double(let d): return (item, d)
                        default: return nil
                        }
                    }
                }
                recpipe_pop(L, 1)
            }
        }
        if !bad.isEmpty {
            throw RuleError(
                kind: .registration, file: file(ofChunk: chunk), line: c.line,
                message: "case '\(c.name)': unsupported value for \(bad.sorted().joined(separator: ", ")); "
                    + "use booleans, numbers, strings or lists")
        }
    }
}

extension RuleTestRunner {
    /// Runs a case against the script's plugin.
    static func runPlugin(_ c: RuleTestCase, plugin index: Int, in lua: LuaRuntime) -> [String] {
        let plugin = lua.rules[index]
        var failures: [String] = []
        var error: RuleError?
        do throws(RuleError) {
            switch plugin.kind {
            case .map, .aggregate:
                let got = try pluginRows(c, plugin: plugin, index: index, in: lua)
                if let expected = c.expectRows { failures += rowDifferences(expected: expected, got: got) }
            case .candidates:
                let got = try pluginCandidates(c, plugin: plugin, index: index, in: lua)
                if let expected = c.expectCandidates, expected != got {
                    failures.append(
                        "expected candidates [\(expected.joined(separator: ", "))] but got [\(got.joined(separator: ", "))]"
                    )
                }
            default:
                failures.append(
                    "\(plugin.kind.rawValue) plugins have no test cases; test map, aggregate and candidates")
            }
        } catch let e {
            error = e
        }
        if let expected = c.expectError {
            if let error {
                if !error.description.contains(expected) {
                    failures.append("expected an error containing '\(expected)' but got: \(error)")
                }
            } else {
                failures.append("expected an error containing '\(expected)' but the plugin ran without error")
            }
        } else if let error {
            failures.append("error: \(error)")
        }
        return failures
    }

    /// The rows `map` or `aggregate` makes from the case's rows (declared columns, nils left out).
    static func pluginRows(
        _ c: RuleTestCase, plugin: RegisteredRule, index: Int, in lua: LuaRuntime
    ) throws(RuleError) -> [[String: ScriptValue]] {
        let source = DictionaryRecordSource(
            records: c.rows.enumerated().map { .init(id: "row \($0.offset + 1)", fields: $0.element) })
        lua.bind(users: source)
        let columns = plugin.outputColumns
        func named(_ values: [ScriptValue], _ names: [String]) -> [String: ScriptValue] {
            var out: [String: ScriptValue] = [:]
            for (n, v) in zip(names, values) {
                if case .null = v { continue }
                out[n] = v
            }
            return out
        }
        var out: [[String: ScriptValue]] = []
        if plugin.kind == .map {
            var rows = lua.startMapRows(index, columns: columns)
            for r in c.rows.indices {
                guard try lua.callMap(index, row: r, into: &rows) else { continue }
                let made = rows.rows - 1
                out.append(
                    named(columns.indices.map { rows.value(row: made, column: $0) }, columns.map(\.name)))
            }
            return out
        }
        let by = plugin.by ?? []
        var order: [[ScriptValue]] = []
        var groups: [[ScriptValue]: [Int]] = [:]
        for (r, fields) in c.rows.enumerated() {
            let key = by.map { fields[$0] ?? .null }
            if groups[key] == nil { order.append(key) }
            groups[key, default: []].append(r)
        }
        for key in order {
            let shown = key.map { v in if case .string(let s) = v { s } else { v.description } }
            let label = "group '" + shown.joined(separator: ", ") + "'"
            try lua.beginGroup(index, group: label)
            for r in groups[key]! { try lua.stepGroup(index, row: r, group: label) }
            var rows: [[ScriptValue]] = []
            try lua.finishGroup(index, key: key, columns: columns, group: label, into: &rows)
            out += rows.map { named(key + $0, by + columns.map(\.name)) }
        }
        return out
    }

    /// The item ids `candidates` gives the case's user, best first (score, then id), at most `max`.
    static func pluginCandidates(
        _ c: RuleTestCase, plugin: RegisteredRule, index: Int, in lua: LuaRuntime
    ) throws(RuleError) -> [String] {
        var fields = c.user
        if fields["items"] == nil {
            fields["items"] = .list((c.userSets["seen"] ?? []).sorted().map(ScriptValue.string))
        }
        lua.bind(users: DictionaryRecordSource(records: [.init(id: c.name, fields: fields, sets: c.userSets)]))
        var data = PluginContext()
        let itemFields = Array(Set(c.items.values.flatMap(\.keys))).sorted()
        data.itemFields = itemFields
        for (id, record) in c.items.sorted(by: { $0.key < $1.key }) {
            data.itemIDs.append(id)
            data.itemValues += itemFields.map { record[$0] ?? .null }
        }
        for (id, list) in c.neighbors.sorted(by: { $0.key < $1.key }) {
            data.neighborOwners.append(id)
            data.neighborItems.append(list.map(\.item))
            data.neighborScores.append(list.map(\.score))
        }
        var known = Set(c.items.keys).union(c.neighbors.keys).union(c.neighbors.values.flatMap { $0.map(\.item) })
        for set in c.userSets.values { known.formUnion(set) }
        data.knownItems = known.sorted()
        try lua.setPluginContext(data)
        var batch = CandidateBatch()
        try lua.callCandidates(index, user: 0, into: &batch)
        let got =
            zip(batch.items, batch.scores).map { (item: data.knownItems[Int($0)], score: $1) } + batch.unknown
        var seen = Set<String>()
        let unique = got.filter { seen.insert($0.item).inserted }
        let sorted = unique.sorted { $0.score != $1.score ? $0.score > $1.score : $0.item < $1.item }
        return Array(sorted.prefix(plugin.limit ?? 100).map(\.item))
    }

    /// Differences between expected and produced rows (ints and floats compare by value).
    static func rowDifferences(expected: [[String: ScriptValue]], got: [[String: ScriptValue]]) -> [String] {
        func text(_ r: [String: ScriptValue]) -> String {
            "{" + r.sorted { $0.key < $1.key }.map { "\($0.key) = \($0.value)" }.joined(separator: ", ") + "}"
        }
        func same(_ a: ScriptValue, _ b: ScriptValue) -> Bool {
            switch (a, b) {
            case (.int(let x), .double(let y)), (.double(let y), .int(let x)): Double(x) == y
            default: a == b
            }
        }
        var out: [String] = []
        if expected.count != got.count { out.append("expected \(expected.count) rows but got \(got.count)") }
        for (i, (e, g)) in zip(expected, got).enumerated() {
            let equal = e.count == g.count && e.allSatisfy { k, v in g[k].map { same($0, v) } ?? false }
            if !equal { out.append("row \(i + 1): expected \(text(e)) but got \(text(g))") }
        }
        return out
    }
}
