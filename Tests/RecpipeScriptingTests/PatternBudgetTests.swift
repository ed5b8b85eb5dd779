import CLua
import Testing

@testable import RecpipeScripting

/// Issue 16 "every runaway is stopped": pattern matching and other library loops in C count
/// against the instruction budget.
@Suite struct PatternBudgetTests {
    static let budget = LuaRuntime.Limits(instructionBudget: 1_000_000)

    @Test(arguments: [
        #"string.match(string.rep("ab", 50000), "(.-)(.-)(.-)(.-)c")"#,
        #"string.find(string.rep("a", 100000), ".-.-.-b")"#,
        #"string.gsub(string.rep("ab", 50000), "(.-)(.-)c", "x")"#,
        #"(function() for a in string.gmatch(string.rep("a", 100000), "a*a*a*b") do end end)()"#,
        #"(function() local s = string.rep("x", 1 << 20) for i = 1, 1e6 do local t = s .. i end end)()"#,
        #"(function() local t = {} for i = 1, 5000 do t[i] = i end for i = 1, 1e6 do table.sort(t) end end)()"#,
        #"(function() local s = string.rep("é", 500000) for i = 1, 1e6 do utf8.len(s) end end)()"#,
        #"(function() local s = string.rep("a", 1 << 20) for i = 1, 1e6 do s:find("b", 1, true) end end)()"#,
    ])
    func backtrackingAndLinearLoopsHitTheBudget(expression: String) throws {
        let lua = try Fixture.runtime(
            "tag('slow', function(u)\n  local r = \(expression)\n  return true\nend)", limits: Self.budget)
        lua.bind(users: Fixture.users([[:]]))
        let error = try #require(throws: RuleError.self) { try lua.evaluateTags(user: 0) }
        #expect(error.kind == .budget)
        #expect(error.rule == "slow")
        #expect(error.line == 2)
        #expect(error.message == "instruction budget of 1000000 instructions exceeded (an endless loop?)")
        // The state is usable afterwards and cheap calls still pass.
        #expect(try Fixture.eval("string.match('2026-11-23', '^(%d+)-(%d+)')") == "2026")
    }

    @Test func pcallCannotSwallowAPatternBudgetError() throws {
        let lua = try Fixture.runtime(
            "tag('p', function(u) local ok = pcall(string.match, string.rep('ab', 50000), '(.-)(.-)(.-)(.-)c') return 'survived' end)",
            limits: Self.budget)
        lua.bind(users: Fixture.users([[:]]))
        let error = try #require(throws: RuleError.self) { try lua.evaluateTags(user: 0) }
        #expect(error.kind == .budget)
    }

    @Test func patternStepsAreCounted() throws {
        let lua = try Fixture.runtime(
            "tag('p', function(u) return tostring(#string.rep('a', 10000):match('a*')) end)",
            limits: .init(instructionBudget: 1_000_000, instructionGranularity: 1))
        lua.bind(users: Fixture.users([[:]]))
        #expect(try lua.evaluateTags(user: 0) == ["10000"])
        #expect(lua.lastCall.instructions > 10_000)
    }

    // MARK: - Same results as Lua's own matcher

    static let cases: [String] = [
        #"string.find("hello world", "o w")"#, #"string.find("hello", "l+")"#, #"string.find("a.b", ".", 1, true)"#,
        #"string.find("abc", "b", -1)"#, #"string.find("abc", "", 10)"#, #"string.find("abc", "", 4)"#,
        #"string.match("key = value", "(%w+)%s*=%s*(%w+)")"#, #"string.match("  trim  ", "^%s*(.-)%s*$")"#,
        #"string.match("hello", "()ll()")"#, #"string.match("f(a(b)c)d", "%b()")"#,
        #"string.match("THE (quick) fox", "%f[%a]%a+")"#,
        #"string.match("abcabc", "(abc)%1")"#, #"string.match("x=1, y=22", "y=(%d+)")"#,
        #"string.match("[x]", "[%[]")"#,
        #"string.match("a-b", "[a%-]+")"#, #"string.match("]a", "[]a]+")"#, #"string.match("aaa", "a-b")"#,
        #"string.match("aaab", "a-b")"#,
        #"string.match("abc", "^b")"#, #"string.match("abc", "c$")"#, #"string.match("a$c", "$c")"#,
        #"string.match("2026-11-23", "^(%d%d%d%d)%-(%d%d)%-(%d%d)$")"#,
        #"string.match("AbC", "%u%l%u")"#, #"string.match("x\0y", "%z")"#, #"string.match("x y", "%S+", 2)"#,
        #"string.match("héllo", "[\128-\255]+")"#,
        #"string.gsub("hello world", "o", "0")"#, #"string.gsub("hello world", "(%w+)", "<%1>")"#,
        #"string.gsub("abc", "", "-")"#,
        #"string.gsub("hello", "l", "L", 1)"#, #"string.gsub("$name is $age", "%$(%w+)", { name = "Ann", age = 7 })"#,
        #"string.gsub("abc", "%w", function(c) return c:upper() .. "." end)"#,
        #"string.gsub("abc", "b", function() return false end)"#,
        #"string.gsub("a b", "%s", "%%")"#, #"string.gsub("abc", "^a", "x")"#, #"string.gsub("x", "x", "%0%0")"#,
        #"string.gsub("hello", "", "")"#,
        #"(function() local t = {} for k, v in string.gmatch("a=1, b=2", "(%w+)=(%w+)") do t[#t + 1] = k .. v end return table.concat(t, ",") end)()"#,
        #"(function() local t = {} for w in string.gmatch("one two  three", "%a+") do t[#t + 1] = w end return table.concat(t, ",") end)()"#,
        #"(function() local t = {} for w in string.gmatch("abc", "") do t[#t + 1] = "." end return #t end)()"#,
        #"(function() local t = {} for w in string.gmatch("hello", "l", 4) do t[#t + 1] = w end return #t end)()"#,
        #"string.match("abc", "((a)(b))")"#, #"string.find("abc", "(b)(c)")"#, #"string.match("a", "%")"#,
        #"string.match("a", "[a")"#,
        #"string.match("a", "(()")"#, #"string.match("a", "%1")"#, #"string.gsub("a", "a", "%2")"#,
        #"string.match("a", "%f")"#,
        #"string.gsub("abc", "b", 5)"#, #"string.gsub("abc", "b", { b = true })"#,
    ]

    @Test func resultsMatchLuasOwnMatcher() throws {
        for expression in Self.cases {
            #expect(sandboxed(expression) == reference(expression), "\(expression.debugDescription)")
        }
    }

    @Test func seededRandomPatternsMatchLuasOwnMatcher() throws {
        var rng = SplitMix(seed: 16)
        let atoms = [
            "a", "b", ".", "%a", "%d", "%s", "[ab]", "[^a]", "[a-c]", "(", ")", "()", "*", "+", "-", "?", "%b()",
            "%f[%w]", "^", "$", "%1", " ", "%z", "%W",
        ]
        let subjects = ["abacab", "a(b)c aab", "12 ab  ba", "", "aaaa", "(a(b))b a1"]
        for _ in 0..<400 {
            let pattern = (0..<(1 + Int(rng.next() % 6))).map { _ in atoms[Int(rng.next() % UInt64(atoms.count))] }
                .joined()
            let subject = subjects[Int(rng.next() % UInt64(subjects.count))]
            let quoted = "\"" + pattern.replacingOccurrences(of: "\\", with: "\\\\") + "\""
            for f in [
                "string.find(\"\(subject)\", \(quoted))", "string.match(\"\(subject)\", \(quoted))",
                "string.gsub(\"\(subject)\", \(quoted), \"<%0>\")",
            ] {
                #expect(sandboxed(f) == reference(f), "\(f)")
            }
        }
    }

    /// The values of `expression` as text (`a|b|nil`), or `error` when it raises.
    private static let wrapper =
        "local r = table.pack(pcall(function() return %@ end)) if not r[1] then return 'error' end local out = {} for i = 2, r.n do out[#out + 1] = tostring(r[i]) end return table.concat(out, '|')"

    private func sandboxed(_ expression: String) -> String? {
        let body = Self.wrapper.replacingOccurrences(of: "%@", with: expression)
        return try? Fixture.eval("(function() \(body) end)()")
    }

    private func reference(_ expression: String) -> String? {
        guard let L = luaL_newstate() else { return nil }
        defer { lua_close(L) }
        luaL_openlibs(L)
        let body = Self.wrapper.replacingOccurrences(of: "%@", with: expression)
        guard luaL_loadstring(L, body) == LUA_OK, recpipe_pcall(L, 0, 1, 0) == LUA_OK else { return nil }
        var len = 0
        guard let p = lua_tolstring(L, -1, &len) else { return nil }
        return String(decoding: UnsafeRawBufferPointer(start: p, count: len), as: UTF8.self)
    }
}
