import Testing

@testable import RecpipeScripting

/// Issue 20.1/20.2: a rule sees the same world for every entity, and one file cannot change what
/// another file's rules see.
@Suite struct IsolationTests {
    // MARK: - Library tables

    @Test(arguments: [
        ("string.upper = function() return 'HIJACKED' end", "string is read-only (tried to set 'upper')"),
        ("table.insert = nil", "table is read-only (tried to set 'insert')"),
        ("math.pi = 3", "math is read-only (tried to set 'pi')"),
        ("utf8.extra = 1", "utf8 is read-only (tried to set 'extra')"),
    ])
    func libraryTablesAreReadOnly(code: String, message: String) throws {
        let error = try #require(Fixture.error("\n" + code, file: "rules/filters.lua"))
        #expect(error.kind == .runtime)
        #expect(error.description == "rules/filters.lua:2: \(message)")
    }

    @Test func hijackingInOneFileCannotReachAnother() throws {
        let lua = try LuaRuntime(context: Fixture.context)
        #expect(throws: RuleError.self) {
            try lua.load(
                source: "pcall(function() string.upper = function() return 'HIJACKED' end end)\nstring.upper = nil",
                chunkName: "rules/filters.lua")
        }
        try lua.load(
            source: "tag('t', function(u) return string.upper('ok') .. ('x'):upper() end)",
            chunkName: "rules/promotions.lua")
        lua.bind(users: Fixture.users([[:]]))
        #expect(try lua.evaluateTags(user: 0) == ["OKX"])
    }

    @Test func libraryTablesStillReadAndIterate() throws {
        #expect(try Fixture.eval("type(next(string)) .. tostring(rawlen(table) == 0)") == "stringtrue")
        let names = "(function() local n = 0 for k, v in pairs(math) do n = n + 1 end return tostring(n > 20) end)()"
        #expect(try Fixture.eval(names) == "true")
        #expect(try Fixture.eval("string.format('%d', math.floor(2.5)) .. utf8.char(65)") == "2A")
    }

    @Test func writingALibraryInsideARuleNamesTheRule() throws {
        let error = try #require(Fixture.evalError("(function() string.last = u end)() or 'x'"))
        #expect(error.message == "string is read-only (tried to set 'last')")
        #expect(error.rule == "t")
        #expect(error.user == "U1")
    }

    // MARK: - Upvalues

    @Test func assigningAFileLocalIsRefusedAtLoad() throws {
        let source = """
            local last
            tag("leak", function(u)
              local p = last
              last = u.user_id
              return p
            end)
            """
        let error = try #require(Fixture.error(source, file: "rules/tags.lua"))
        #expect(error.kind == .isolation)
        #expect(error.rule == "leak")
        #expect(error.line == 4)
        #expect(
            error.description
                == "rules/tags.lua:4: rule 'leak' assigns to 'last', a variable created while the file loaded; rules keep no state between users and items (declare it `local` inside the function) (rule 'leak')"
        )
    }

    @Test func everyWriteIsReportedAndInlineLinesAreYamlLines() throws {
        let source = """
            local n, total = 0, 0
            local function bump() n = n + 1 end
            local function counter() local c = 0 return function(u) c = c + 1 return c > 1 end end
            tag("a", function(u) bump() total = total + 1 return true end)
            tag("b", counter())
            """
        let lua = try LuaRuntime(context: Fixture.context)
        let error = try #require(throws: RuleError.self) {
            try lua.load(source: source, chunkName: "p.yaml", lineOffset: 10)
        }
        #expect(error.kind == .isolation)
        #expect(error.file == "p.yaml")
        #expect(error.line == 14)
        #expect(error.message.hasPrefix("rule 'a' assigns to 'total'"))
        #expect(error.message.hasSuffix("also 'n' at line 12 (rule 'a'), 'c' at line 13 (rule 'b')"))
    }

    @Test func localsOfTheCallAndLoadTimeHelpersAreFine() throws {
        let source = """
            local registered = 0
            local function register(name)
              registered = registered + 1
              tag(name, function(u)
                local total = 0
                local function add(v) total = total + v end
                add(1) add(2)
                return total == 3
              end)
            end
            register("a")
            register("b")
            local count = registered
            tag("count", function(u) return count == 2 end)
            """
        let lua = try Fixture.runtime(source)
        lua.bind(users: Fixture.users([[:]]))
        #expect(try lua.evaluateTags(user: 0) == ["a", "b", "count"])
    }

    // MARK: - Tables built while loading

    @Test func fileLevelTablesAreFrozen() throws {
        let lua = try Fixture.runtime(
            """
            local seen = { "first" }
            tag("leak", function(u) local p = seen[#seen] seen[#seen + 1] = u.id return p end)
            tag("insert", function(u) table.insert(seen, u.id) return true end)
            tag("meta", function(u) setmetatable(seen, {}) return true end)
            """)
        lua.bind(users: Fixture.users([["id": .string("U1")]]))
        let leak = try #require(throws: RuleError.self) { try lua.evaluateTag(0, user: 0) }
        #expect(leak.line == 2)
        #expect(leak.rule == "leak")
        #expect(
            leak.message.hasPrefix("tables built while the rules file loads are read-only in rules (tried to set '2')"))
        let insert = try #require(throws: RuleError.self) { try lua.evaluateTag(1, user: 0) }
        #expect(insert.message.hasPrefix("tables built while the rules file loads are read-only"))
        let meta = try #require(throws: RuleError.self) { try lua.evaluateTag(2, user: 0) }
        #expect(meta.message.contains("cannot change a protected metatable"))
    }

    @Test func frozenTablesReadLikeBefore() throws {
        let prelude = """
            local list = { "a", "b", "c" }
            local map = { x = 1, y = { z = 2 } }
            local Point = {}
            Point.__index = Point
            Point.__tostring = function(p) return "(" .. p.x .. "," .. p.y .. ")" end
            function Point.sum(p) return p.x + p.y end
            local origin = setmetatable({ x = 1, y = 2 }, Point)
            """
        let expression = """
            table.concat(list, "") .. #list .. rawlen(list) .. select("#", table.unpack(list))
              .. (function() local n = 0 for k, v in pairs(map) do n = n + 1 end return n end)()
              .. (function() local s = "" for i, v in ipairs(list) do s = s .. v end return s end)()
              .. tostring(next(map) ~= nil) .. map.y.z .. origin:sum() .. tostring(origin)
              .. tostring(getmetatable(origin) == Point)
            """
        #expect(try Fixture.eval(expression, prelude: prelude) == "abc3332abctrue23(1,2)true")
        let nested = try #require(
            Fixture.evalErrorWithPrelude("(function() map.y.z = 3 end)() or 'x'", prelude: prelude))
        #expect(
            nested.message.hasPrefix(
                "tables built while the rules file loads are read-only in rules (tried to set 'z')"))
    }

    @Test func sortingAFrozenListIsAnError() throws {
        let error = try #require(
            Fixture.evalErrorWithPrelude(
                "(function() table.sort(list) end)() or 'x'", prelude: "local list = { 3, 1, 2 }"))
        #expect(error.message.contains("read-only"))
        #expect(
            try Fixture.eval(
                "(function() local c = { table.unpack(list) } table.sort(c) return table.concat(c) end)()",
                prelude: "local list = { 3, 1, 2 }") == "123")
    }
}

extension Fixture {
    /// The error raised when evaluating `expression` after `prelude` in a tag rule.
    static func evalErrorWithPrelude(_ expression: String, prelude: String) -> RuleError? {
        do {
            _ = try eval(expression, prelude: prelude)
            return nil
        } catch let e as RuleError {
            return e
        } catch {
            return nil
        }
    }
}
