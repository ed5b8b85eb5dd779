import Testing

@testable import RecpipeScripting

@Suite struct SandboxTests {
    @Test(arguments: [
        ("os.execute('true')", "undeclared global 'os'"),
        ("io.open('/etc/passwd')", "undeclared global 'io'"),
        ("require('os')", "undeclared global 'require'"),
        ("load('return 1')", "undeclared global 'load'"),
        ("loadstring('return 1')", "undeclared global 'loadstring'"),
        ("loadfile('x.lua')", "undeclared global 'loadfile'"),
        ("dofile('x.lua')", "undeclared global 'dofile'"),
        ("debug.getinfo(1)", "undeclared global 'debug'"),
        ("collectgarbage('count')", "undeclared global 'collectgarbage'"),
        ("package.loaded", "undeclared global 'package'"),
        ("coroutine.create(print)", "undeclared global 'coroutine'"),
        ("rawset({}, 1, 2)", "undeclared global 'rawset'"),
        ("_G.os", "undeclared global '_G'"),
    ])
    func forbiddenGlobalIsUndeclared(code: String, message: String) throws {
        let error = try #require(Fixture.error("local x = \(code)"))
        #expect(error.kind == .runtime)
        #expect(error.message == message)
        #expect(error.file == "rules/test.lua")
        #expect(error.line == 1)
    }

    @Test func stringDumpIsGoneFromTableAndMethods() throws {
        #expect(try Fixture.eval("tostring(string.dump)") == "nil")
        let error = try #require(Fixture.error("local s = ('x'):dump()"))
        #expect(error.message.contains("attempt to call a nil value (method 'dump')"))
    }

    @Test func stringMetatableIsLocked() throws {
        #expect(try Fixture.eval("tostring(getmetatable(''))") == "locked")
    }

    @Test func bytecodeCannotBeLoaded() throws {
        let lua = try LuaRuntime(context: Fixture.context)
        #expect(throws: RuleError.self) {
            try lua.load(source: "\u{1B}Lua\u{54}\u{00}garbage", chunkName: "evil.luac")
        }
        do {
            try lua.load(source: "\u{1B}Lua\u{54}\u{00}garbage", chunkName: "evil.luac")
        } catch {
            #expect(error.kind == .syntax)
            #expect(error.message.contains("attempt to load a binary chunk"))
        }
    }

    @Test func readingAnUndeclaredGlobalNamesIt() throws {
        let error = try #require(Fixture.error("local a = 1\nlocal b = foo + 1"))
        #expect(error.description == "rules/test.lua:2: undeclared global 'foo'")
    }

    @Test func writingAGlobalIsRejected() throws {
        let error = try #require(Fixture.error("x = 1"))
        #expect(error.description == "rules/test.lua:1: assignment to undeclared global 'x'; declare it with `local`")
        let builtin = try #require(Fixture.error("string = nil"))
        #expect(builtin.message.contains("cannot assign to built-in global 'string'"))
    }

    @Test func writingAGlobalInsideARuleIsRejected() throws {
        let error = try #require(Fixture.evalError("(function() counter = 1 end)() or 'x'"))
        #expect(error.message == "assignment to undeclared global 'counter'; declare it with `local`")
        #expect(error.rule == "t")
        #expect(error.user == "U1")
    }

    @Test func topLevelLocalsWork() throws {
        #expect(try Fixture.eval("greeting .. '!'", prelude: "local greeting = 'hi'") == "hi!")
    }

    @Test func allowedBaseFunctionsWork() throws {
        let expr = """
            table.concat({ type(1), tostring(tonumber('2')), select('#', 1, 2, 3),
              tostring(rawequal(1, 1)), tostring(rawlen({1, 2})), tostring(next({})),
              tostring(pcall(error, 'x')), tostring(#utf8.char(19978)), math.type(math.floor(2.5)) }, ',')
            """
        #expect(try Fixture.eval(expr) == "number,2,3,true,2,nil,false,3,integer")
    }

    @Test func setmetatableOnPlainTablesOnly() throws {
        #expect(
            try Fixture.eval(
                "setmetatable({}, { __index = function(t, k) return k .. '?' end }).hello")
                == "hello?")
        let gc = try #require(Fixture.evalError("setmetatable({}, { __gc = print }) and 'x'"))
        #expect(gc.message.contains("__gc finalizers are not allowed"))
        let ctx = try #require(Fixture.evalError("setmetatable(ctx, {}) and 'x'"))
        #expect(ctx.message.contains("cannot change a protected metatable"))
        #expect(try Fixture.eval("tostring(getmetatable(u))") == "locked")
    }

    @Test func printIsCaptured() throws {
        let lua = try Fixture.runtime("print('loading', 1, nil)\ntag('t', function(u) print(u); return true end)")
        lua.bind(users: Fixture.users([[:]]))
        _ = try lua.evaluateTags(user: 0)
        #expect(lua.printed == ["loading\t1\tnil", "user U1"])
    }

    @Test func ctxIsReadOnly() throws {
        #expect(try Fixture.eval("ctx.as_of") == "2026-11-23")
        #expect(try Fixture.eval("math.type(ctx.params.min_spend)") == "integer")
        let error = try #require(Fixture.evalError("(function() ctx.as_of = 'x' end)() or 'x'"))
        #expect(error.message.contains("ctx is read-only (tried to set 'as_of')"))
        let params = try #require(Fixture.evalError("(function() ctx.params.min_spend = 1 end)() or 'x'"))
        #expect(params.message.contains("ctx.params is read-only"))
    }

    @Test func mathRandomIsDeterministicPerSeed() throws {
        func sequence(seed: UInt64) throws -> String? {
            let lua = try LuaRuntime(context: .init(asOf: "2026-01-01", seed: seed))
            try lua.load(
                source:
                    "tag('r', function(u) local t = {} for i = 1, 5 do t[i] = math.random(1000) end return table.concat(t, ',') end)",
                chunkName: "r.lua")
            lua.bind(users: Fixture.users([[:]]))
            return try lua.evaluateTags(user: 0).first
        }
        let a = try sequence(seed: 42)
        #expect(a == (try sequence(seed: 42)))
        #expect(a != (try sequence(seed: 43)))
        // randomseed() without an argument goes back to the run seed, not the clock.
        let lua = try LuaRuntime(context: .init(asOf: "2026-01-01", seed: 42))
        try lua.load(
            source:
                "tag('r', function(u) math.randomseed() local t = {} for i = 1, 5 do t[i] = math.random(1000) end return table.concat(t, ',') end)",
            chunkName: "r.lua")
        lua.bind(users: Fixture.users([[:]]))
        #expect(try lua.evaluateTags(user: 0).first == a)
        #expect(try lua.evaluateTags(user: 0).first == a)
    }
}
