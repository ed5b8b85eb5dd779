import Foundation
import RecpipeCore
import RecpipeData
import RecpipeEngine
import RecpipeScripting
import Testing

@testable import RecpipeStages

/// Rules that report themselves (issue 13, problems 1–3): an effect line per rule, warnings for a
/// rule that matched nothing, a pinned id missing from the items table and a number compared with
/// a string, and a bury counter that counts the entries it moved down.
@Suite struct RuleEffectTests {
    let cands = RankFixture.candidates(
        "als", [("U1", [("I1", 5), ("I2", 4), ("I3", 3), ("I4", 2), ("I5", 1)]), ("U2", [("I1", 5), ("I2", 4)])])
    let items = RankFixture.items([
        ("I1", "shoes", 3, 120), ("I2", "coats", 5, 80), ("I3", "coats", 1, 30), ("I4", "toys", 2, 15),
        ("I5", "books", 1, 9),
    ])

    // MARK: - Problem 1: a pinned id that is not in the items table

    @Test func pinnedIDNotInTheItemsTableIsReportedAndNotPinned() async throws {
        let p = RankFixture.script(
            "pin{ name = \"hero\", items = { \"I9\", \"I4\" }, position = 1 }\n", name: "promotions.lua")
        let (r, out) = try await RankFixture.run(
            ["promotions": .string(p), "top": .int(3)], candidates: [("als", cands)], items: items)
        // Before: 'I9' joined the universe and took #1 for every user, silently.
        #expect(RankFixture.list(r, "U1") == ["I4", "I1", "I2"])
        #expect(RankFixture.list(r, "U2") == ["I4", "I1", "I2"])
        #expect(!r.items.ids.contains("I9"))
        #expect(
            out.warnings.contains(
                "pin 'hero' (\(p):1): item 'I9' is not in the items table (column 'item_id'), so it is not pinned (did you mean 'I1'?)"
            ))
        #expect(out.notes.contains("rule pin 'hero' (\(p):1) @1: matched 2 users; pinned 2 items"))
    }

    // MARK: - Problem 2: a rule that matched nothing, a number compared with a string

    @Test func promotionMatchingNothingWarnsAndEveryRuleHasAnEffectLine() async throws {
        let f = RankFixture.script(
            "filter(\"cheap\", function(u, item) return item.price < 100 end)\n", name: "filters.lua")
        let p = RankFixture.script(
            """
            promote{ name = "christmas", boost = 2, when = function(u, item) return item.category == "Coats" end }
            promote{ name = "toys", boost = 1.5, when = function(u, item) return item.category == "toys" end }
            """, name: "promotions.lua")
        let (_, out) = try await RankFixture.run(
            ["filters": .string(f), "promotions": .string(p), "exhaustive": .bool(true)], candidates: [("als", cands)],
            items: items)
        #expect(
            out.warnings.contains(
                "promote 'christmas' (\(p):1) matched no candidate (of 7 examined): it boosted nothing; check its `when` against the data (values are case-sensitive)"
            ))
        #expect(!out.warnings.contains { $0.hasPrefix("promote 'toys'") })
        #expect(out.notes.contains("rule filter 'cheap' (\(f):1): removed 2 of 7 candidates examined"))
        #expect(
            out.notes.contains(
                "rule promote 'christmas' (\(p):1) ×2: matched 0 candidates for 0 users; 0 boosted in the top-20"))
        #expect(
            out.notes.contains(
                "rule promote 'toys' (\(p):2) ×1.5: matched 1 candidates for 1 users; 1 boosted in the top-20"))
        #expect(RankFixture.counter(out, "matched_christmas") == 0)
    }

    @Test func rankRuleComparingANumberWithAStringWarnsWithAnExample() async throws {
        let p = RankFixture.script(
            "bury{ name = \"cheap\", when = function(u, it) return it.price == \"9\" or it.category == 3 end }\n",
            name: "promotions.lua")
        let (_, out) = try await RankFixture.run(["promotions": .string(p)], candidates: [("als", cands)], items: items)
        #expect(
            out.warnings.contains(
                "bury 'cheap' (\(p):1): it.price == \"9\" compares a number field with a string, which is never equal in Lua (it.price is a number, e.g. 120.0); write it.price == 9"
            ))
        #expect(
            out.warnings.contains(
                "bury 'cheap' (\(p):1): it.category == 3 compares a string field with a number, which is never equal in Lua (it.category is a string, e.g. \"shoes\"); compare with a string"
            ))
    }

    @Test func tagRuleComparingANumberWithAStringAndMatchingNobodyWarns() async throws {
        let context = try TagStageTests.context(
            script: """
                tag("vip", function(u) return u.monetary >= 500 end)
                tag("fresh", function(u)
                  return u.recency_days == "3"
                end)
                """)
        let out = try await TagStage().run(context)
        #expect(
            out.warnings.contains(
                "tag 'fresh' (rules/tags.lua:2) matched no user (of 3): check its condition against the data"))
        #expect(
            out.warnings.contains(
                "tag 'fresh' (rules/tags.lua:3): u.recency_days == \"3\" compares a number field with a string, which is never equal in Lua (u.recency_days is a number, e.g. 3); write u.recency_days == 3"
            ))
        #expect(out.notes.contains("rule tag 'vip' (rules/tags.lua:1): tagged 1 of 3 users"))
        #expect(!out.warnings.contains { $0.hasPrefix("tag 'vip'") })
    }

    @Test func comparisonScanFindsFieldLiteralPairsInCodeOnly() {
        let source = """
            -- item.category == "x" in a comment
            tag("a", function(u, item) return "b" ~= u.segment and item.price == 3.5 and u.f(x) == 1 end)
            local s = "u.x == 'y'"
            """
        let found = RuleSourceScan.fieldComparisons(in: source)
        #expect(
            found.map { "\($0.line) \($0.object).\($0.field) \($0.op) \($0.literal)" } == [
                "2 u.segment ~= \"b\"", "2 item.price == 3.5",
            ])
        #expect(RuleSourceScan.functionHeaders(in: source).map(\.parameters) == [["u", "item"]])
    }

    // MARK: - Problem 3: the bury counter counts entries moved down

    @Test func buryCountsEntriesMovedDownIncludingThosePushedOut() async throws {
        let p = RankFixture.script(
            "bury{ name = \"shoes\", when = function(u, item) return item.category == \"shoes\" end }\n",
            name: "promotions.lua")
        let (r, out) = try await RankFixture.run(
            ["promotions": .string(p), "top": .int(3)], candidates: [("als", cands)], items: items)
        // U1: [I1, I2, I3] → [I2, I3, I4] (I1 pushed out); U2: [I1, I2] → [I2, I1] (I1 one down).
        #expect(RankFixture.list(r, "U1") == ["I2", "I3", "I4"])
        #expect(RankFixture.list(r, "U2") == ["I2", "I1"])
        // Before: 1 (buried items still in the top-N), though U1 lost I1 altogether.
        #expect(RankFixture.counter(out, "buried_shoes") == 2)
        #expect(
            out.notes.contains(
                "rule bury 'shoes' (\(p):1): matched 2 candidates for 2 users; moved 2 list entries down (1 out of the top-3)"
            ))
    }

    @Test func buryCountsAreTheSameWithEarlyStopAndExhaustive() async throws {
        let ids = (0..<40).map { "I\($0)" }
        let lists = (0..<30).map { u in ("U\(u)", ids.indices.map { i in (ids[i], Float((i * 7 + u * 13) % 41)) }) }
        let many = RankFixture.candidates("als", lists)
        let table = RankFixture.items(ids.indices.map { (ids[$0], ["a", "b", "c"][$0 % 3], 1, Double($0)) })
        let p = RankFixture.script(
            "bury{ name = \"b\", when = function(u, item) return item.category == \"b\" end }\n", name: "promotions.lua"
        )
        let (_, quick) = try await RankFixture.run(
            ["promotions": .string(p), "top": .int(5)], candidates: [("als", many)], items: table)
        let (_, full) = try await RankFixture.run(
            ["promotions": .string(p), "top": .int(5), "exhaustive": .bool(true)], candidates: [("als", many)],
            items: table)
        #expect(RankFixture.counter(quick, "buried_b") == RankFixture.counter(full, "buried_b"))
        #expect((RankFixture.counter(full, "buried_b") ?? 0) > 0)
    }
}
