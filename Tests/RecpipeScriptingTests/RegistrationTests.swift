import Testing

@testable import RecpipeScripting

@Suite struct RegistrationTests {
    @Test func staticFieldsAreExposed() throws {
        let lua = try Fixture.runtime(
            """
            tag("vip", function(u) return true end)
            filter("in_stock", function(u, item) return true end)
            promote{ name = "winter-coats", boost = 1.3, from = "2026-11-01", to = "2026-12-31",
                     when = function(u, item) return true end, priority = 2 }
            pin{ name = "welcome", items = { "SKU-1001", 42 }, position = 3, when = function(u) return true end }
            bury{ name = "clearance", when = function(u, item) return false end, to = "2026-02-28" }
            """, file: "rules/all.lua")
        #expect(
            lua.rules == [
                RegisteredRule(kind: .tag, name: "vip", file: "rules/all.lua", line: 1),
                RegisteredRule(kind: .filter, name: "in_stock", file: "rules/all.lua", line: 2),
                RegisteredRule(
                    kind: .promote, name: "winter-coats", file: "rules/all.lua", line: 3, boost: 1.3,
                    from: "2026-11-01", to: "2026-12-31", priority: 2),
                RegisteredRule(
                    kind: .pin, name: "welcome", file: "rules/all.lua", line: 5, items: ["SKU-1001", "42"], position: 3),
                RegisteredRule(kind: .bury, name: "clearance", file: "rules/all.lua", line: 6, to: "2026-02-28"),
            ])
        #expect(lua.rules[2].isActive(on: "2026-11-23"))
        #expect(!lua.rules[2].isActive(on: "2027-01-01"))
        #expect(!lua.rules[2].isActive(on: "2026-10-31"))
    }

    @Test func defaultsForOptionalFields() throws {
        let lua = try Fixture.runtime(
            "promote{ name = 'p', boost = 2, when = function() return true end }\npin{ name = 'q', items = { 'A' } }")
        #expect(lua.rules[0].priority == 0)
        #expect(lua.rules[0].boost == 2.0)
        #expect(lua.rules[1].position == 1)
        #expect(lua.rules[1].hasWhen == false)
    }

    @Test func duplicateNameReportsBothLines() throws {
        let error = try #require(
            Fixture.error(
                "tag('vip', function(u) return true end)\n\nfilter('vip', function(u, i) return true end)",
                file: "rules/x.lua"))
        #expect(error.kind == .registration)
        #expect(
            error.description
                == "rules/x.lua:3: rule 'vip' is already defined at rules/x.lua:1; rule names must be unique")
    }

    @Test func duplicateAcrossFilesNamesTheFirstFile() throws {
        let lua = try LuaRuntime(context: Fixture.context)
        try lua.load(source: "tag('vip', function(u) return true end)", chunkName: "rules/a.lua")
        let error = try #require(throws: RuleError.self) {
            try lua.load(source: "\ntag('vip', function(u) return true end)", chunkName: "rules/b.lua")
        }
        #expect(
            error.description
                == "rules/b.lua:2: rule 'vip' is already defined at rules/a.lua:1; rule names must be unique")
    }

    @Test func registeringFromInsideARuleFails() throws {
        let lua = try Fixture.runtime(
            "tag('outer', function(u)\n  tag('inner', function() return true end)\n  return true\nend)")
        lua.bind(users: Fixture.users([[:]]))
        let error = try #require(throws: RuleError.self) { try lua.evaluateTags(user: 0) }
        #expect(error.kind == .registration)
        #expect(error.line == 2)
        #expect(error.rule == "outer")
        #expect(
            error.message
                == "tag() can only be called while the script loads (at its top level), not from inside a rule")
    }

    @Test(arguments: [
        ("tag('', function() end)", "tag: the rule name must be a non-empty string, got string"),
        ("tag(1, function() end)", "tag: the rule name must be a non-empty string, got number"),
        ("tag('x', true)", "tag('x', ...): the second argument must be a function(u), got boolean"),
        ("filter('x')", "filter('x', ...): the second argument must be a function(u, item), got nil"),
        ("promote('x')", "promote expects a table: promote{ name = \"...\", ... }, got string"),
        (
            "promote{ name = 'p', bost = 1.2, when = W }",
            "promote{}: unknown field 'bost' (did you mean 'boost'?); allowed fields: name, boost, when, from, to, priority"
        ),
        ("promote{ name = 'p', boost = 0, when = W }", "promote 'p': boost must be a number > 0, got 0"),
        ("promote{ name = 'p', boost = -1.5, when = W }", "promote 'p': boost must be a number > 0, got -1.5"),
        ("promote{ name = 'p', boost = '2', when = W }", "promote 'p': boost must be a number > 0, got a string"),
        ("promote{ name = 'p', when = W }", "promote 'p': missing field 'boost' (a number > 0)"),
        (
            "promote{ name = 'p', boost = 2 }",
            "promote 'p': missing field 'when' (a function deciding where the rule applies)"
        ),
        ("promote{ name = 'p', boost = 2, when = 1 }", "promote 'p': when must be a function, got number"),
        (
            "promote{ name = 'p', boost = 2, when = W, from = '2026-12-31', to = '2026-11-01' }",
            "promote 'p': from (2026-12-31) is after to (2026-11-01)"
        ),
        (
            "promote{ name = 'p', boost = 2, when = W, from = '2026/11/01' }",
            "promote 'p': from = \"2026/11/01\" is not a date; write it as YYYY-MM-DD"
        ),
        (
            "promote{ name = 'p', boost = 2, when = W, to = '2026-02-30' }",
            "promote 'p': to = \"2026-02-30\" is not a valid calendar date"
        ),
        (
            "promote{ name = 'p', boost = 2, when = W, priority = 1.5 }",
            "promote 'p': priority must be an integer >= -1000000000, got 1.5"
        ),
        ("pin{ name = 'w', position = 1 }", "pin 'w': missing field 'items' (a list of item ids)"),
        ("pin{ name = 'w', items = {} }", "pin 'w': items must be a non-empty list of item ids"),
        ("pin{ name = 'w', items = { true } }", "pin 'w': items[1] must be an item id string, got boolean"),
        ("pin{ name = 'w', items = { 'A' }, position = 0 }", "pin 'w': position must be an integer >= 1, got 0"),
        (
            "pin{ name = 'w', items = { 'A' }, postion = 2 }",
            "pin{}: unknown field 'postion' (did you mean 'position'?); allowed fields: name, items, position, when, from, to"
        ),
        (
            "pin{ name = 'w', items = { 'A' }, from = '2026-13-01' }",
            "pin 'w': from = \"2026-13-01\" is not a valid calendar date"
        ),
        ("bury{ name = 'b' }", "bury 'b': missing field 'when' (a function deciding where the rule applies)"),
        (
            "bury{ name = 'b', when = W, wen = 1 }",
            "bury{}: unknown field 'wen' (did you mean 'when'?); allowed fields: name, when, from, to"
        ),
        (
            "bury{ name = 'b', when = W, from = '2026-03-01', to = '2026-02-01' }",
            "bury 'b': from (2026-03-01) is after to (2026-02-01)"
        ),
        ("bury{ when = W }", "bury: the rule name must be a non-empty string, got nil"),
    ])
    func validationErrors(call: String, message: String) throws {
        let error = try #require(
            Fixture.error("local W = function() return true end\n\n\(call)", file: "rules/promotions.lua"))
        #expect(error.kind == .registration)
        #expect(error.file == "rules/promotions.lua")
        #expect(error.line == 3)
        #expect(error.message == message)
    }

    @Test func leapDayIsAValidDate() throws {
        let lua = try Fixture.runtime("bury{ name = 'b', when = function() return true end, from = '2028-02-29' }")
        #expect(lua.rules[0].from == "2028-02-29")
    }
}

@Suite struct RuleCheckerTests {
    @Test func validScriptListsItsRules() {
        let result = RuleChecker.check(
            source: "tag('a', function(u) return true end)\nprint('hi')", file: "rules/t.lua")
        #expect(result.isValid)
        #expect(result.rules.map(\.name) == ["a"])
        #expect(result.printed == ["hi"])
    }

    @Test func syntaxErrorIsLocatedInline() {
        let result = RuleChecker.check(source: "tag('a', function(u) return u. end)", file: "p.yaml", lineOffset: 26)
        #expect(result.errors.map(\.description) == ["p.yaml:27: <name> expected near 'end'"])
        #expect(result.errors.first?.kind == .syntax)
    }

    @Test func undeclaredGlobalsAtTopLevel() {
        let read = RuleChecker.check(source: "local limit = thresholdd", file: "r.lua")
        #expect(read.errors.map(\.description) == ["r.lua:1: undeclared global 'thresholdd'"])
        let write = RuleChecker.check(source: "\nlimit = 5", file: "r.lua")
        #expect(
            write.errors.map(\.description) == [
                "r.lua:2: assignment to undeclared global 'limit'; declare it with `local`"
            ])
    }

    @Test func missingFile() {
        let result = RuleChecker.check(file: "/nonexistent/x.lua")
        #expect(result.errors.first?.kind == .io)
    }
}
