import Testing

@testable import RecpipeScripting

@Suite struct BudgetTests {
    static let small = LuaRuntime.Limits(instructionBudget: 100_000, memoryLimit: 4 << 20)

    @Test func infiniteLoopIsStoppedAndNamesTheRule() throws {
        let lua = try Fixture.runtime(
            """
            tag("ok", function(u) return true end)
            tag("spin", function(u)
              while true do end
            end)
            """, file: "rules/tags.lua", limits: Self.small)
        lua.bind(users: Fixture.users([[:]]))
        let error = try #require(throws: RuleError.self) { try lua.evaluateTags(user: 0) }
        #expect(error.kind == .budget)
        #expect(error.rule == "spin")
        #expect(error.line == 3)
        #expect(
            error.description
                == "rules/tags.lua:3: instruction budget of 100000 instructions exceeded (an endless loop?) (rule 'spin', user 'U1')"
        )
        #expect(lua.lastCall.instructions >= 99_000)
        // The state is still usable.
        #expect(try lua.evaluateTag(0, user: 0) == ["ok"])
        #expect(lua.lastCall.instructions < 1_000)
    }

    @Test func topLevelLoopIsStopped() throws {
        let error = try #require(throws: RuleError.self) {
            _ = try Fixture.runtime("local i = 0\nwhile true do i = i + 1 end", limits: Self.small)
        }
        #expect(error.kind == .budget)
        #expect(error.line == 2)
    }

    @Test(arguments: [
        "while true do pcall(function() while true do end end) end",
        "local ok = pcall(function() while true do end end) return ok",
        "return xpcall(function() while true do end end, function(m) return m end)",
        "for i = 1, 10 do pcall(function() while true do end end) end return true",
    ])
    func pcallCannotSwallowTheBudgetError(body: String) throws {
        let lua = try Fixture.runtime("tag('sneaky', function(u) \(body) end)", limits: Self.small)
        lua.bind(users: Fixture.users([[:]]))
        let error = try #require(throws: RuleError.self) { try lua.evaluateTags(user: 0) }
        #expect(error.kind == .budget)
        #expect(error.rule == "sneaky")
    }

    @Test func memoryBombIsStoppedAndTheStateStaysUsable() throws {
        let lua = try Fixture.runtime(
            """
            tag("bomb", function(u)
              local t = {}
              for i = 1, 1e9 do t[i] = ("x"):rep(1000) .. i end
            end)
            tag("fine", function(u) return u.n > 1 end)
            """, limits: .init(instructionBudget: 100_000_000, memoryLimit: 8 << 20))
        lua.bind(users: Fixture.users([["n": .int(2)]]))
        let error = try #require(throws: RuleError.self) { try lua.evaluateTag(0, user: 0) }
        #expect(error.kind == .memory)
        #expect(error.message == "memory limit of 8 MiB exceeded")
        #expect(error.rule == "bomb")
        #expect(lua.lastCall.memoryPeak <= 8 << 20)
        // Usable afterwards, repeatedly.
        for _ in 0..<3 {
            #expect(try lua.evaluateTag(1, user: 0) == ["fine"])
            #expect(throws: RuleError.self) { try lua.evaluateTag(0, user: 0) }
        }
        #expect(try lua.evaluateTag(1, user: 0) == ["fine"])
    }

    @Test func pcallCannotSwallowTheMemoryError() throws {
        let lua = try Fixture.runtime(
            """
            tag("hide", function(u)
              local ok = pcall(function() local s = "x" while true do s = s .. s end end)
              return "survived"
            end)
            """, limits: .init(instructionBudget: 10_000_000, memoryLimit: 4 << 20))
        lua.bind(users: Fixture.users([[:]]))
        let error = try #require(throws: RuleError.self) { try lua.evaluateTags(user: 0) }
        #expect(error.kind == .memory)
    }

    @Test func stringRepIsCapped() throws {
        let error = try #require(Fixture.evalError("string.rep('ab', 1e8)"))
        #expect(error.kind == .runtime)
        #expect(error.message.contains("string.rep result of"))
        #expect(error.message.contains("exceeds the limit of 4194304 bytes"))
        #expect(try Fixture.eval("('ab'):rep(3, '-')") == "ab-ab-ab")
    }

    @Test func emptyRepDoesNotSpin() throws {
        #expect(try Fixture.eval("('').rep('', 1e18) .. 'done'") == "done")
    }

    @Test func tableMoveIsBounded() throws {
        let error = try #require(Fixture.evalError("table.move({}, 1, 1e15, 1, {}) and 'x'"))
        #expect(error.message.contains("table.move of more than 1048576 elements is not allowed"))
        #expect(try Fixture.eval("table.concat(table.move({'a', 'b'}, 1, 2, 2, {'z'}), ',')") == "z,a,b")
    }

    @Test func patternSubjectIsCapped() throws {
        let lua = try Fixture.runtime(
            "tag('p', function(u) local s = ('a'):rep(2000) return tostring(s:find('b')) end)",
            limits: .init(maxPatternSubjectBytes: 1000))
        lua.bind(users: Fixture.users([[:]]))
        let error = try #require(throws: RuleError.self) { try lua.evaluateTags(user: 0) }
        #expect(error.message.contains("pattern matching on a string of 2000 bytes exceeds the limit of 1000 bytes"))
        #expect(try Fixture.eval("tostring(('hello'):find('l+'))") == "3")
    }

    @Test func exactInstructionCountingWithGranularityOne() throws {
        let lua = try Fixture.runtime(
            "tag('t', function(u) local x = 0 for i = 1, 100 do x = x + i end return x > 0 end)",
            limits: .init(instructionBudget: 1_000_000, instructionGranularity: 1))
        lua.bind(users: Fixture.users([[:]]))
        _ = try lua.evaluateTags(user: 0)
        let first = lua.lastCall.instructions
        _ = try lua.evaluateTags(user: 0)
        #expect(lua.lastCall.instructions == first)
        #expect(first > 200 && first < 500)
    }
}
