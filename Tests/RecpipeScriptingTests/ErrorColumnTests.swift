import Testing

@testable import RecpipeScripting

/// Issue 12.6 (syntax error columns) and 20.12 (memory errors at the allocating line).
@Suite struct ErrorColumnTests {
    @Test(arguments: [
        ("-- m.lua\nlocal total = price * * 2", 2, 23, "unexpected symbol near '*'"),
        ("tag('a', function(u)\n  return u.x >\nend)", 3, 1, "unexpected symbol near 'end'"),
        ("local ab = f(a b)", 1, 16, "')' expected near 'b'"),
        ("tag('a', function(u)\n  return 1", 2, 11, "'end' expected (to close 'function' at line 1) near <eof>"),
    ])
    func syntaxErrorColumnIsTheToken(source: String, line: Int, column: Int, message: String) throws {
        let error = try #require(Fixture.error(source, file: "m.lua"))
        #expect(error.kind == .syntax)
        #expect(error.line == line)
        #expect(error.column == column)
        #expect(error.message == message)
        #expect(error.diagnostic.location?.column == column)
        #expect(error.description == "m.lua:\(line): \(message)")
    }

    @Test func memoryErrorPointsAtTheAllocatingLine() throws {
        let lua = try Fixture.runtime(
            """
            tag("bomb", function(u)
              local t = {}
              for i = 1, 1e9 do t[i] = ("x"):rep(1000) .. i end
            end)
            """, limits: .init(instructionBudget: 100_000_000, memoryLimit: 8 << 20))
        lua.bind(users: Fixture.users([[:]]))
        let error = try #require(throws: RuleError.self) { try lua.evaluateTags(user: 0) }
        #expect(error.kind == .memory)
        #expect(error.line == 3)
        #expect(error.description == "rules/test.lua:3: memory limit of 8 MiB exceeded (rule 'bomb', user 'U1')")
    }

    @Test func messageWithContextHasNoLocation() {
        let e = RuleError(kind: .runtime, file: "f.lua", line: 4, rule: "r", user: "U1", message: "boom")
        #expect(e.messageWithContext == "boom (rule 'r', user 'U1')")
        #expect(e.description == "f.lua:4: boom (rule 'r', user 'U1')")
    }
}
