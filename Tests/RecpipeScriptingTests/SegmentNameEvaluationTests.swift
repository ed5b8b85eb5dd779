import Testing

@testable import RecpipeScripting

/// `name_segment` rules: registration checks and what each kind of answer means.
@Suite struct SegmentNameEvaluationTests {
    static var segments: DictionaryRecordSource {
        Fixture.users([
            ["monetary": .double(1500), "share": .double(0.1)], ["monetary": .double(40), "share": .double(0.9)],
        ])
    }

    @Test func trueGivesTheRuleNameAStringItselfNilNothing() throws {
        let lua = try Fixture.runtime(
            """
            name_segment("Big spenders", function(s) return s.monetary > 1000 end)
            name_segment("rest", function(s) if s.share > 0.5 then return "Most customers" end end)
            """, file: "rules/names.lua")
        #expect(lua.rules.map(\.kind) == [.nameSegment, .nameSegment])
        #expect(
            lua.rules[0] == RegisteredRule(kind: .nameSegment, name: "Big spenders", file: "rules/names.lua", line: 1))
        lua.bind(users: Self.segments)
        #expect(try lua.evaluateSegmentName(0, segment: 0) == "Big spenders")
        #expect(try lua.evaluateSegmentName(0, segment: 1) == nil)
        #expect(try lua.evaluateSegmentName(1, segment: 0) == nil)
        #expect(try lua.evaluateSegmentName(1, segment: 1) == "Most customers")
    }

    @Test func otherAnswersAndMisuseAreErrors() throws {
        let lua = try Fixture.runtime(
            "name_segment('n', function(s) return 3 end)\nname_segment('e', function(s) return '' end)\ntag('t', function(u) return true end)"
        )
        lua.bind(users: Self.segments)
        let number = #expect(throws: RuleError.self) { try lua.evaluateSegmentName(0, segment: 0) }
        #expect(number?.kind == .type)
        #expect(number?.line == 1)
        #expect(
            number?.message
                == "name_segment rule returned a number; return true (the rule's name), a name string, or false/nil")
        let empty = #expect(throws: RuleError.self) { try lua.evaluateSegmentName(1, segment: 0) }
        #expect(empty?.message == "name_segment rule returned an empty name")
        let kind = #expect(throws: RuleError.self) { try lua.evaluateSegmentName(2, segment: 0) }
        #expect(kind?.message == "rule 't' is a tag rule, not name_segment")
        let bad = Fixture.error("name_segment('x', 42)")
        #expect(
            bad?.message.contains(
                "name_segment('x', ...): the second argument must be a function(s) of the segment's summary, got number"
            ) == true,
            "\(String(describing: bad))")
    }
}
