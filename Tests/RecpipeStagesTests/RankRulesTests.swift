import RecpipeAlgorithms
import RecpipeCore
import RecpipeData
import RecpipeEngine
import RecpipeSpec
import Testing

@testable import RecpipeStages

@Suite struct RankRulesTests {
    let cands = RankFixture.candidates(
        "als", [("U1", [("I1", 5), ("I2", 4), ("I3", 3), ("I4", 2), ("I5", 1)]), ("U2", [("I1", 5), ("I2", 4)])])
    let items = RankFixture.items([
        ("I1", "shoes", 3, 120), ("I2", "coats", 5, 80), ("I3", "coats", 1, 30), ("I4", "toys", 2, 15),
        ("I5", "books", 1, 9),
    ])
    let profiles = RankFixture.profiles([("U1", "vip", "winter,big_spender"), ("U2", "new", "")])

    @Test func luaFilterCountsAndReadsProfileAndItem() async throws {
        let f = RankFixture.script(
            """
            filter("no_cheap_for_vip", function(u, item) return not (u:has_tag("big_spender") and item.price < 20) end)
            filter("no_toys", function(u, item) return item.category ~= "toys" end)
            """)
        let (r, out) = try await RankFixture.run(
            ["filters": .string(f), "exhaustive": .bool(true)], candidates: [("als", cands)], items: items,
            profiles: profiles)
        #expect(RankFixture.list(r, "U1") == ["I1", "I2", "I3"])
        #expect(RankFixture.list(r, "U2") == ["I1", "I2"])
        #expect(RankFixture.counter(out, "removed_by_no_cheap_for_vip") == 2)
        #expect(RankFixture.counter(out, "removed_by_no_toys") == 0)
        #expect(out.notes.contains { $0.hasPrefix("removed: no_cheap_for_vip 2 (1.00/user)") })
    }

    @Test func promotePinBuryWithProvenance() async throws {
        let p = RankFixture.script(
            """
            promote{ name = "winter-coats", boost = 1.3, when = function(u, item) return u:has_tag("winter") and item.category == "coats" end }
            bury{ name = "clearance", when = function(u, item) return item.price < 10 end }
            pin{ name = "hero", items = {"I4"}, position = 1, when = function(u) return u.segment == "vip" end }
            """)
        let (r, out) = try await RankFixture.run(
            ["promotions": .string(p), "top": .int(5)], candidates: [("als", cands)], items: items, profiles: profiles)
        // Blend: I1 1.00, I2 0.75, I3 0.50, I4 0.25, I5 0. Coats ×1.3: I2 0.975, I3 0.65.
        #expect(RankFixture.list(r, "U1") == ["I4", "I1", "I2", "I3", "I5"])
        #expect(
            RankFixture.provenance(r, "U1") == [
                "als 0.25 → 0.25; pin hero @1", "als 1.00 → 1.00", "als 0.75 → 0.75; promote winter-coats ×1.3",
                "als 0.50 → 0.50; promote winter-coats ×1.3", "als 0.00 → 0.00; bury clearance",
            ])
        #expect(RankFixture.scores(r, "U1")[2] == Float(0.75) * Float(1.3))
        #expect(RankFixture.list(r, "U2") == ["I1", "I2"])
        #expect(RankFixture.counter(out, "promoted_winter-coats") == 2)
        #expect(RankFixture.counter(out, "pinned_hero") == 1)
        // I5 is last with or without the bury rule: it moved no entry down (issue 13, problem 3).
        #expect(RankFixture.counter(out, "buried_clearance") == 0)
    }

    @Test func buriedItemsGoBelowEverythingElse() async throws {
        let p = RankFixture.script(
            """
            bury{ name = "shoes-last", when = function(u, item) return item.category == "shoes" end }
            """)
        let (r, _) = try await RankFixture.run(["promotions": .string(p)], candidates: [("als", cands)], items: items)
        #expect(RankFixture.list(r, "U1") == ["I2", "I3", "I4", "I5", "I1"])
    }

    @Test func priorityDecidesWhichPromotionApplies() async throws {
        let p = RankFixture.script(
            """
            promote{ name = "low", boost = 3, priority = 1, when = function(u, item) return true end }
            promote{ name = "high", boost = 2, priority = 5, when = function(u, item) return item.item_id == "I2" end }
            """)
        let (r, _) = try await RankFixture.run(["promotions": .string(p)], candidates: [("als", cands)], items: items)
        let prov = RankFixture.provenance(r, "U2")
        #expect(prov == ["als 1.00 → 1.00; promote low ×3", "als 0.00 → 0.00; promote high ×2"])
    }

    @Test func excludedItemIsNeverPinnedAndWarns() async throws {
        let f = RankFixture.script(
            "filter(\"no_toys\", function(u, item) return item.category ~= \"toys\" end)", name: "f.lua")
        let p = RankFixture.script("pin{ name = \"hero\", items = {\"I4\", \"I5\"}, position = 2 }", name: "p.lua")
        let (r, out) = try await RankFixture.run(
            ["filters": .string(f), "promotions": .string(p), "top": .int(3)], candidates: [("als", cands)],
            items: items)
        #expect(RankFixture.list(r, "U1") == ["I1", "I5", "I2"])
        #expect(RankFixture.list(r, "U2") == ["I1", "I5", "I2"])
        #expect(
            out.warnings.contains(
                "pin 'hero': item 'I4' was excluded by filter 'no_toys' for 2 user(s) and not pinned (filters run before pins)"
            ))
        #expect(RankFixture.provenance(r, "U2")[1] == "pin hero @2")
    }

    @Test func validityWindowsAgainstAsOf() async throws {
        let p = RankFixture.script(
            """
            promote{ name = "summer", boost = 5, from = "2026-06-01", to = "2026-08-31", when = function(u, item) return item.item_id == "I3" end }
            promote{ name = "november", boost = 5, from = "2026-11-01", to = "2026-11-30", when = function(u, item) return item.item_id == "I4" end }
            """)
        let (r, out) = try await RankFixture.run(
            ["promotions": .string(p)], candidates: [("als", cands)], items: items, asOf: "2026-11-01")
        #expect(RankFixture.list(r, "U1").first == "I4")
        #expect(
            out.warnings.contains {
                $0.hasPrefix("promote 'summer' (")
                    && $0.hasSuffix("is inactive on 2026-11-01: its window is 2026-06-01 to 2026-08-31")
            })
        #expect(out.notes.contains("inactive rules: promote 'summer'"))
        let (july, _) = try await RankFixture.run(
            ["promotions": .string(p)], candidates: [("als", cands)], items: items, asOf: "2026-07-15")
        #expect(RankFixture.list(july, "U1").first == "I3")
    }

    @Test func ruleErrorFailsWithLocationRuleUserAndItem() async throws {
        let f = RankFixture.script(
            """
            filter("ok", function(u, item) return true end)
            filter("bad", function(u, item) return item.price > u.missing_number end)
            """)
        await #expect {
            _ = try await RankFixture.run(
                ["filters": .string(f)], candidates: [("als", cands)], items: items, profiles: profiles)
        } throws: { error in
            let text = "\(error)"
            return text.contains("\(f):2:") && text.contains("rule 'bad'") && text.contains("user 'U1'")
                && text.contains("item 'I1'")
        }
    }

    @Test func skipRecordSkipsTheRuleForThatUserAndCounts() async throws {
        let f = RankFixture.script(
            """
            filter("fragile", function(u, item) if u.segment == "vip" then error("boom") end return item.item_id ~= "I2" end)
            """)
        let (r, out) = try await RankFixture.run(
            ["filters": .string(f), "on_error": .string("skip_record")], candidates: [("als", cands)], items: items,
            profiles: profiles)
        #expect(RankFixture.list(r, "U1") == ["I1", "I2", "I3", "I4", "I5"])
        #expect(RankFixture.list(r, "U2") == ["I1"])
        #expect(RankFixture.counter(out, "rule_errors_fragile") == 1)
        #expect(out.warnings.contains { $0.hasPrefix("rule 'fragile' failed for 1 user(s)") && $0.contains("boom") })
    }

    @Test func earlyStopGivesTheSameListsAsExhaustive() async throws {
        let p = RankFixture.script(
            """
            filter("odd", function(u, item) return item.stock % 2 == 1 end)
            promote{ name = "coats", boost = 1.5, when = function(u, item) return item.category == "coats" end }
            """)
        let (lazy, lo) = try await RankFixture.run(
            ["promotions": .string(p), "top": .int(2)], candidates: [("als", cands)], items: items)
        let (full, fo) = try await RankFixture.run(
            ["promotions": .string(p), "top": .int(2), "exhaustive": .bool(true)], candidates: [("als", cands)],
            items: items)
        #expect(lazy == full)
        #expect(RankFixture.counter(lo, "candidates_examined")! <= RankFixture.counter(fo, "candidates_examined")!)
    }

    @Test func earlyStopMatchesExhaustiveOnRandomData() async throws {
        var g = SeededGenerator(seed: 11)
        let cats = ["shoes", "coats", "toys", "books"]
        let items = RankFixture.items((0..<60).map { ("I\($0)", cats[$0 % 4], Int64($0 % 5), Double($0)) })
        let lists = (0..<150).map { u in
            (
                "U\(u)",
                (0..<40).map { _ in
                    ("I\(Int.random(in: 0..<60, using: &g))", Float(Int.random(in: 0..<1000, using: &g)))
                }
            )
        }
        let c = RankFixture.candidates("a", lists)
        let p = RankFixture.script(
            """
            filter("stock", function(u, item) return item.stock > 0 end)
            promote{ name = "coats", boost = 1.8, when = function(u, item) return item.category == "coats" end }
            promote{ name = "cheap", boost = 0.5, priority = 3, when = function(u, item) return item.price < 10 end }
            bury{ name = "b", when = function(u, item) return item.price > 55 end }
            pin{ name = "p", items = {"I7", "I13"}, position = 3 }
            """)
        let params: [String: ParamValue] = ["promotions": .string(p), "top": .int(6), "max_per_category": .int(2)]
        var full = params
        full["exhaustive"] = .bool(true)
        let (lazy, _) = try await RankFixture.run(params, candidates: [("a", c)], items: items)
        let (exact, _) = try await RankFixture.run(full, candidates: [("a", c)], items: items)
        #expect(lazy == exact)
    }
}
