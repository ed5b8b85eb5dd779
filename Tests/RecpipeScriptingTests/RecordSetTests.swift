import Testing

@testable import RecpipeScripting

/// A user source whose `purchased` set the host cannot provide.
private final class NoPurchasesSource: ScriptRecordSource {
    let fieldNames = ["user_id"]
    func value(row: Int, field: Int) -> ScriptValue { .string("U\(row + 1)") }
    func id(row: Int) -> String { "U\(row + 1)" }
    func has(set: String, row: Int, key: String) -> Bool { set == "seen" && key == "SKU-1" }
    func unavailableReason(set: String) -> String? { set == "purchased" ? "no purchases here" : nil }
}

/// Sets a source reports unavailable (`u:purchased` without purchase data), and the static scan
/// that finds such calls before a run.
@Suite struct RecordSetTests {
    @Test func unavailableSetRaisesItsReasonAtTheCallingLine() throws {
        let lua = try Fixture.runtime(
            """
            filter("not_seen", function(u, item) return not u:seen(item.id) end)
            filter("not_purchased", function(u, item)
              local bought = u:purchased(item.id)
              return not bought
            end)
            filter("tail", function(u, item) return u:purchased(item.id) end)
            """, file: "rules/filters.lua")
        lua.bind(users: NoPurchasesSource())
        lua.bind(items: Fixture.items([["id": .string("SKU-1")], ["id": .string("SKU-2")]]))
        #expect(try lua.evaluateFilter(0, user: 0, item: 0) == false)
        #expect(try lua.evaluateFilter(0, user: 0, item: 1) == true)
        let e = try #require(throws: RuleError.self) { try lua.evaluateFilter(1, user: 0, item: 1) }
        #expect(e.kind == .runtime)
        #expect(e.file == "rules/filters.lua")
        #expect(e.line == 3)
        #expect(e.rule == "not_purchased")
        #expect(e.user == "U1")
        #expect(e.item == "SKU-2")
        #expect(e.message == "no purchases here")
        // A tail call leaves no frame of the rule: the error is placed at the rule's registration.
        let tail = try #require(throws: RuleError.self) { try lua.evaluateFilter(2, user: 0, item: 0) }
        #expect(tail.line == 6)
        #expect(tail.rule == "tail")
        #expect(tail.message == "no purchases here")
        // The state stays usable, and the other sets still answer.
        #expect(try lua.evaluateFilter(0, user: 0, item: 0) == false)
    }

    @Test func sourcesWithoutAReasonAnswerEverySet() throws {
        #expect(try Fixture.eval("tostring(u:purchased('A'))", sets: ["purchased": ["A"]]) == "true")
        #expect(try Fixture.eval("tostring(u:purchased('B'))") == "false")
    }

    @Test func scanFindsMethodCallsInCodeOnly() {
        let source = """
            -- u:purchased(x) in a line comment
            --[==[ u:purchased(x)
            in a long comment ]==]
            local s = "u:purchased(x)" .. 'u:purchased(y)' .. [[u:purchased(z)]]
            filter("a", function(u, item) return not u:purchased(item.id) end)
            filter("b", function(u, item) return u : purchased "SKU-1" or u:purchased_total(1) end)
            ::purchased::
            filter("c", function(u, item) return u:seen(item.id) and u.purchased and u:
              purchased(item.id) end)
            """
        #expect(RuleSourceScan.methodCallLines("purchased", in: source) == [5, 6, 9])
        #expect(RuleSourceScan.methodCallLines("seen", in: source) == [8])
        #expect(RuleSourceScan.methodCallLines("purchased", in: "") == [])
    }
}
