import Foundation
import Testing

@testable import RecpipeScripting

@Suite struct ErrorLocationTests {
    static let tags = """
        -- rules/tags.lua
        tag("vip", function(u)
          return u.monetary >= 500
        end)
        """

    @Test func runtimeErrorNamesFileLineRuleAndUser() throws {
        let lua = try Fixture.runtime(Self.tags, file: "rules/tags.lua")
        lua.bind(users: DictionaryRecordSource(records: [.init(id: "U1043", fields: [:])], fieldNames: ["monetary"]))
        let error = try #require(throws: RuleError.self) { try lua.evaluateTags(user: 0) }
        #expect(error.kind == .runtime)
        #expect(error.description == "rules/tags.lua:3: attempt to compare number with nil (rule 'vip', user 'U1043')")
        #expect(error.diagnostic.location?.line == 3)
        #expect(error.diagnostic.code == "lua-runtime")
    }

    @Test func inlineScriptReportsTheYamlLine() throws {
        // The script starts on line 25 of the YAML file.
        let lua = try LuaRuntime(context: Fixture.context)
        try lua.load(source: Self.tags, chunkName: "pipelines/demo.yaml", lineOffset: 24)
        #expect(lua.rules.first?.line == 26)
        #expect(lua.rules.first?.file == "pipelines/demo.yaml")
        lua.bind(users: Fixture.users([["monetary": .null]]))
        let error = try #require(throws: RuleError.self) { try lua.evaluateTags(user: 0) }
        #expect(error.description.hasPrefix("pipelines/demo.yaml:27: attempt to compare number with nil"))
    }

    @Test func syntaxErrorIsLocated() throws {
        let error = try #require(Fixture.error("tag('a', function(u)\n  return u.x >\nend)", file: "rules/bad.lua"))
        #expect(error.kind == .syntax)
        #expect(error.file == "rules/bad.lua")
        #expect(error.line == 3)
        #expect(error.message == "unexpected symbol near 'end'")
        let inline = try #require(throws: RuleError.self) {
            let lua = try LuaRuntime(context: Fixture.context)
            try lua.load(source: "local x = = 1", chunkName: "p.yaml", lineOffset: 10)
        }
        #expect(inline.description == "p.yaml:11: unexpected symbol near '='")
    }

    @Test func errorWithoutPositionUsesTheCurrentLine() throws {
        let lua = try Fixture.runtime("tag('t', function(u)\n  error({ code = 1 })\nend)")
        lua.bind(users: Fixture.users([[:]]))
        let error = try #require(throws: RuleError.self) { try lua.evaluateTags(user: 0) }
        #expect(error.line == 2)
        #expect(error.message == "error object is a table value")
        let plain = try Fixture.runtime("tag('t', function(u)\n\n  error('plain', 0)\nend)")
        plain.bind(users: Fixture.users([[:]]))
        let e2 = try #require(throws: RuleError.self) { try plain.evaluateTags(user: 0) }
        #expect(e2.description == "rules/test.lua:3: plain (rule 't', user 'U1')")
    }

    @Test func unknownFieldSuggestsTheClosest() throws {
        let error = try #require(
            Fixture.evalError("tostring(u.monetry)", user: ["monetary": .int(1), "recency_days": .int(2)]))
        #expect(error.message == "unknown field 'monetry' on user (did you mean 'monetary'?)")
        #expect(error.line == 2)
    }

    @Test func recordsAreReadOnly() throws {
        let error = try #require(
            Fixture.evalError("(function() u.monetary = 1 end)() or 'x'", user: ["monetary": .int(1)]))
        #expect(error.message.contains("records are read-only (tried to set field 'monetary')"))
    }

    @Test func filterErrorNamesTheItem() throws {
        let lua = try Fixture.runtime("filter('stock', function(u, item)\n  return item.stock > 0\nend)")
        lua.bind(users: Fixture.users([[:]]))
        lua.bind(items: DictionaryRecordSource(records: [.init(id: "SKU-9", fields: [:])], fieldNames: ["stock"]))
        let error = try #require(throws: RuleError.self) { try lua.evaluateFilter(0, user: 0, item: 0) }
        #expect(
            error.description
                == "rules/test.lua:2: attempt to compare number with nil (rule 'stock', user 'U1', item 'SKU-9')")
    }

    @Test(arguments: [
        ("return 42", "tag rule returned a number; return true/false, a tag string or a list of tag strings"),
        ("return {'a', 3}", "tag rule returned a list whose element 2 is a number, not a tag string"),
    ])
    func tagTypeErrors(body: String, message: String) throws {
        let lua = try Fixture.runtime("\ntag('t', function(u) \(body) end)")
        lua.bind(users: Fixture.users([[:]]))
        let error = try #require(throws: RuleError.self) { try lua.evaluateTags(user: 0) }
        #expect(error.kind == .type)
        #expect(error.line == 2)
        #expect(error.message == message)
    }

    @Test func filterMustReturnABoolean() throws {
        let lua = try Fixture.runtime(
            "filter('f', function(u, item) end)\npromote{ name = 'p', boost = 2, when = function(u, item) return 1 end }"
        )
        lua.bind(users: Fixture.users([[:]]))
        lua.bind(items: Fixture.items([[:]]))
        let f = try #require(throws: RuleError.self) { try lua.evaluateFilter(0, user: 0, item: 0) }
        #expect(f.kind == .type)
        #expect(f.message == "filter returned nil; return true or false")
        let p = try #require(throws: RuleError.self) { try lua.evaluateWhen(1, user: 0, item: 0) }
        #expect(p.message == "when returned a number; return true or false")
        #expect(p.line == 2)
    }

    @Test func loadingAMissingFileIsAnIOError() throws {
        let lua = try LuaRuntime(context: Fixture.context)
        let error = try #require(throws: RuleError.self) { try lua.load(file: "/nonexistent/rules.lua") }
        #expect(error.kind == .io)
        #expect(error.file == "/nonexistent/rules.lua")
    }

    @Test func loadingAFileUsesItsPath() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("recpipe-\(UUID()).lua").path
        try "\n\ntag('t', function(u) return u.x + 1 end)".write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let lua = try LuaRuntime(context: Fixture.context)
        try lua.load(file: path)
        lua.bind(users: Fixture.users([["x": .string("a")]]))
        let error = try #require(throws: RuleError.self) { try lua.evaluateTags(user: 0) }
        #expect(error.file == path)
        #expect(error.line == 3)
    }
}
