import RecpipeAlgorithms
import RecpipeData
import RecpipeSpec
import Testing

@testable import RecpipeStages

@Suite struct RankBlendTests {
    let a = RankFixture.candidates("a", [("U1", [("I1", 10), ("I2", 5), ("I3", 0)])])

    @Test func minmaxNormalization() async throws {
        let (r, _) = try await RankFixture.run(["top": .int(3)], candidates: [("a", a)])
        #expect(RankFixture.list(r, "U1") == ["I1", "I2", "I3"])
        #expect(RankFixture.scores(r, "U1") == [1, 0.5, 0])
        #expect(RankFixture.provenance(r, "U1") == ["a 1.00 → 1.00", "a 0.50 → 0.50", "a 0.00 → 0.00"])
    }

    @Test func rankNormalization() async throws {
        let (r, _) = try await RankFixture.run(["top": .int(3), "normalize": .string("rank")], candidates: [("a", a)])
        #expect(RankFixture.provenance(r, "U1") == ["a 1.00 → 1.00", "a 0.67 → 0.67", "a 0.33 → 0.33"])
    }

    @Test func blendWithMissingSource() async throws {
        let a = RankFixture.candidates("a", [("U1", [("I1", 4), ("I2", 2)])])
        let b = RankFixture.candidates("b", [("U1", [("I2", 3), ("I3", 1)]), ("U2", [("I1", 5), ("I3", 1)])])
        let blend = ParamValue.map([.init(key: "a", value: .double(0.7)), .init(key: "b", value: .double(0.3))])
        let (r, out) = try await RankFixture.run(["blend": blend], candidates: [("a", a), ("b", b)])
        #expect(RankFixture.list(r, "U1") == ["I1", "I2", "I3"])
        #expect(RankFixture.provenance(r, "U1") == ["a 1.00 → 0.70", "a 0.00, b 1.00 → 0.30", "b 0.00 → 0.00"])
        // U2 is missing from `a`: ranked by `b` alone, rescaled by b's weight.
        #expect(RankFixture.list(r, "U2") == ["I1", "I3"])
        #expect(RankFixture.provenance(r, "U2") == ["b 1.00 → 1.00", "b 0.00 → 0.00"])
        #expect(RankFixture.counter(out, "users") == 2)
    }

    @Test func equalWeightsByDefaultAndFactorsInput() async throws {
        let a = RankFixture.candidates("a", [("U1", [("I1", 2), ("I2", 1)])])
        let b = RankFixture.candidates("b", [("U1", [("I2", 2), ("I1", 1)])])
        let f = Factors(
            users: b.users, items: b.items, factors: 0, userFactors: [], itemFactors: [], settings: [:], candidates: b)
        let (r, _) = try await RankFixture.run([:], candidates: [("a", a), ("als", f)])
        // Both items blend to 0.5: the tie goes to the smaller item id.
        #expect(RankFixture.list(r, "U1") == ["I1", "I2"])
        #expect(RankFixture.provenance(r, "U1") == ["a 1.00, als 0.00 → 0.50", "a 0.00, als 1.00 → 0.50"])
    }

    @Test func topNAndDeterministicTies() async throws {
        let c = RankFixture.candidates("a", [("U1", [("I9", 1), ("I3", 1), ("I5", 1), ("I1", 0)])])
        let (r, _) = try await RankFixture.run(["top": .int(2)], candidates: [("a", c)])
        #expect(RankFixture.list(r, "U1") == ["I3", "I5"])
    }

    @Test func excludeSeenInStockAndCategories() async throws {
        let c = RankFixture.candidates("a", [("U1", [("I1", 5), ("I2", 4), ("I3", 3), ("I4", 2), ("I5", 1)])])
        let items = RankFixture.items([
            ("I1", "shoes", 3, 10), ("I2", "coats", 0, 10), ("I3", "toys", 1, 10), ("I4", "shoes", 2, 10),
            ("I5", "books", 1, 10),
        ])
        let seen = RankFixture.seen([("U1", ["I4"])])
        let (r, out) = try await RankFixture.run(
            ["in_stock_only": .bool(true), "exclude_categories": .list([.string("toys")])],
            candidates: [("a", c)], items: items, seen: seen)
        #expect(RankFixture.list(r, "U1") == ["I1", "I5"])
        #expect(RankFixture.counter(out, "removed_by_exclude_seen") == 1)
        #expect(RankFixture.counter(out, "removed_by_in_stock_only") == 1)
        #expect(RankFixture.counter(out, "removed_by_exclude_categories") == 1)
    }

    @Test func categoryCap() async throws {
        let c = RankFixture.candidates("a", [("U1", [("I1", 5), ("I2", 4), ("I3", 3), ("I4", 2)])])
        let items = RankFixture.items([
            ("I1", "shoes", 1, 1), ("I2", "shoes", 1, 1), ("I3", "shoes", 1, 1), ("I4", "coats", 1, 1),
        ])
        let (r, _) = try await RankFixture.run(
            ["top": .int(3), "max_per_category": .int(2)], candidates: [("a", c)], items: items)
        #expect(RankFixture.list(r, "U1") == ["I1", "I2", "I4"])
    }

    @Test func popularFallbackWhenEverythingIsFiltered() async throws {
        let c = RankFixture.candidates("a", [("U1", [("I1", 5)]), ("U2", [("I2", 5)])])
        let popular = RankFixture.candidates("popular", [("*", [("I1", 9), ("I7", 8), ("I8", 1)])])
        let seen = RankFixture.seen([("U1", ["I1"])])
        let (r, out) = try await RankFixture.run([:], candidates: [("a", c)], seen: seen, popular: popular)
        #expect(RankFixture.list(r, "U1") == ["I7", "I8"])
        #expect(RankFixture.provenance(r, "U1") == ["popular 0.88 → 0.88; fallback", "popular 0.00 → 0.00; fallback"])
        #expect(RankFixture.list(r, "U2") == ["I2"])
        #expect(r.fallbackUsers == [Int32(r.users["U1"]!)])
        #expect(RankFixture.counter(out, "fallback_users") == 1)
    }

    @Test func aUserThePopularStageHasNoRowForGetsTheOverallList() async throws {
        // Popular rows are the overall ranking I1 (5) > I2 (3) > I3 (1) less each user's seen items;
        // U9 is profiled but in no list (dropped by min_user_events, say): the overall list, as
        // long as the longest row.
        let c = RankFixture.candidates("a", [("U1", [("I2", 1)]), ("U2", [("I3", 1)])])
        let popular = RankFixture.candidates(
            "popular", [("U1", [("I2", 3), ("I3", 1)]), ("U2", [("I1", 5), ("I2", 3)])])
        let profiles = RankFixture.profiles([("U1", "0", ""), ("U2", "0", ""), ("U9", "0", "")])
        let (r, out) = try await RankFixture.run(
            [:], candidates: [("a", c)], profiles: profiles, seen: RankFixture.seen([("U1", ["I1"])]),
            popular: popular)
        #expect(RankFixture.list(r, "U9") == ["I1", "I2"])
        #expect(RankFixture.provenance(r, "U9").allSatisfy { $0.hasPrefix("popular ") && $0.hasSuffix("; fallback") })
        #expect(RankFixture.list(r, "U1") == ["I2"])
        #expect(r.fallbackUsers == [Int32(r.users["U9"]!)])
        #expect(RankFixture.counter(out, "empty_users") == 0)
        #expect(out.warnings.isEmpty)

        // Popularity within groups (an item scored differently in two rows): no overall list to
        // give, so U9 stays empty and is warned about.
        let grouped = RankFixture.candidates("popular", [("U1", [("I2", 3)]), ("U2", [("I2", 7)])])
        let (g, gout) = try await RankFixture.run(
            [:], candidates: [("a", c)], profiles: profiles, seen: RankFixture.seen([("U1", ["I1"])]),
            popular: grouped)
        #expect(RankFixture.list(g, "U9").isEmpty)
        #expect(gout.warnings.contains { $0.contains("no candidate input has any item for them") })
    }

    @Test func userLeftEmptyIsCountedAndWarned() async throws {
        let c = RankFixture.candidates("a", [("U1", [("I1", 5)])])
        let (r, out) = try await RankFixture.run([:], candidates: [("a", c)], seen: RankFixture.seen([("U1", ["I1"])]))
        #expect(RankFixture.list(r, "U1").isEmpty)
        #expect(RankFixture.counter(out, "empty_users") == 1)
        #expect(out.warnings.contains { $0.contains("1 user(s) got no recommendation") && $0.contains("popular") })
    }

    @Test func userWithoutAnyCandidateIsNotCalledFilteredOut() async throws {
        // U1's only candidate is seen (filtered out); U9 is profiled but in no candidate list.
        let c = RankFixture.candidates("a", [("U1", [("I1", 5)])])
        let profiles = RankFixture.profiles([("U1", "0", ""), ("U9", "0", "")])
        let (r, out) = try await RankFixture.run(
            [:], candidates: [("a", c)], profiles: profiles, seen: RankFixture.seen([("U1", ["I1"])]))
        #expect(RankFixture.list(r, "U1").isEmpty && RankFixture.list(r, "U9").isEmpty)
        #expect(RankFixture.counter(out, "empty_users") == 2)
        #expect(
            out.warnings == [
                "1 user(s) got no recommendation: every candidate was filtered out and no `popular` input is connected for a fallback",
                "1 user(s) got no recommendation: no candidate input has any item for them and no `popular` input is connected for a fallback (users the models' interactions do not hold, e.g. profiled from rows the matrix leaves out)",
            ])
    }

    @Test func parallelOutputIsDeterministic() async throws {
        var g = SeededGenerator(seed: 7)
        let lists = (0..<700).map { u in
            (
                "U\(u)",
                (0..<30).map { _ in ("I\(Int.random(in: 0..<200, using: &g))", Float(Int.random(in: 0..<20, using: &g)))
                }
            )
        }
        let c = RankFixture.candidates("a", lists)
        let (one, _) = try await RankFixture.run(["top": .int(10)], candidates: [("a", c)], threads: 1)
        let (four, _) = try await RankFixture.run(["top": .int(10)], candidates: [("a", c)], threads: 4)
        #expect(one == four)
        #expect(one.users.count == 700)
    }
}
