import Testing

@testable import RecpipeScripting

/// Issue 20.3: the host's work per rule result is bounded and linear.
@Suite struct TagLimitTests {
    @Test func tooManyTagsFromOneRuleIsALocatedError() throws {
        let lua = try Fixture.runtime(
            "\ntag('many', function(u) local t = {} for i = 1, 10000 do t[i] = 'tag' .. i end return t end)",
            file: "rules/tags.lua")
        lua.bind(users: Fixture.users([[:]]))
        let error = try #require(throws: RuleError.self) { try lua.evaluateTags(user: 0) }
        #expect(error.kind == .limit)
        #expect(
            error.description
                == "rules/tags.lua:2: tag rule returned 10000 tags; at most 256 tags per user are allowed (rule 'many', user 'U1')"
        )
    }

    @Test func aLongTagIsALocatedError() throws {
        let lua = try Fixture.runtime("tag('big', function(u) return ('x'):rep(1 << 20) end)")
        lua.bind(users: Fixture.users([[:]]))
        let error = try #require(throws: RuleError.self) { try lua.evaluateTags(user: 0) }
        #expect(error.kind == .limit)
        #expect(error.message == "tag rule returned a tag of 1048576 bytes; a tag is at most 256 bytes")
        #expect(error.rule == "big")
        let inList = try Fixture.runtime("tag('big', function(u) return { 'ok', ('x'):rep(257) } end)")
        inList.bind(users: Fixture.users([[:]]))
        #expect(throws: RuleError.self) { try inList.evaluateTags(user: 0) }
        #expect(try Fixture.eval("('x'):rep(256)") == String(repeating: "x", count: 256))
    }

    @Test func theLimitCountsDistinctTagsOfAllRules() throws {
        let source = """
            local function list(prefix, n) return function(u) local t = {} for i = 1, n do t[i] = prefix .. i end return t end end
            tag('a', list('x', 200))
            tag('same', list('x', 200))
            tag('b', list('y', 100))
            """
        let lua = try Fixture.runtime(source)
        lua.bind(users: Fixture.users([[:]]))
        let error = try #require(throws: RuleError.self) { try lua.evaluateTags(user: 0) }
        #expect(error.rule == "b")
        #expect(error.message == "the user has more than 256 distinct tags (the limit per user)")
        // Duplicates do not count.
        var tags: [String] = []
        var seen = Set<String>()
        for rule in 0..<2 {
            let start = tags.count
            try lua.evaluateTag(rule, user: 0, into: &tags)
            try lua.mergeTags(&tags, from: start, seen: &seen, rule: rule, user: 0)
        }
        #expect(tags == (1...200).map { "x\($0)" })
    }

    @Test func deduplicationKeepsFirstProducedOrder() throws {
        // Seeded random tags with many repeats, checked against a plain ordered de-duplication.
        var rng = SplitMix(seed: 20)
        let lists = (0..<4).map { _ in (0..<3000).map { _ in "t\(rng.next() % 500)" } }
        let lua = try LuaRuntime(limits: .init(maxTagsPerEntity: 20_000), context: Fixture.context)
        let tables = lists.map { "{" + $0.map { "'\($0)'" }.joined(separator: ",") + "}" }
        try lua.load(
            source: tables.enumerated().map { "tag('r\($0)', function(u) return \($1) end)" }.joined(separator: "\n"),
            chunkName: "r.lua")
        lua.bind(users: Fixture.users([[:]]))
        var expected: [String] = []
        var seen = Set<String>()
        for tag in lists.joined() where seen.insert(tag).inserted { expected.append(tag) }
        #expect(try lua.evaluateTags(user: 0) == expected)
    }
}
