import RecpipeCore
import RecpipeData
import RecpipeEngine
import RecpipeScripting
import RecpipeSpec
import RecpipeTestSupport
import Testing

@testable import RecpipeStages

/// `u:purchased(id)` reads the rank stage's `purchased` input (purchase events only), `u:seen(id)`
/// the `seen` input (any event); without `purchased`, `u:purchased` is a located rule error.
@Suite struct RankPurchasedTests {
    // U1 viewed I2 and purchased I3; U2 only viewed I1.
    let events: [(String, String, String)] = [("U1", "I2", "view"), ("U1", "I3", "purchase"), ("U2", "I1", "view")]
    let cands = RankFixture.candidates(
        "als", [("U1", [("I1", 5), ("I2", 4), ("I3", 3), ("I4", 2)]), ("U2", [("I1", 5), ("I2", 4)])])
    let items = RankFixture.items([
        ("I1", "shoes", 3, 10), ("I2", "coats", 3, 10), ("I3", "toys", 3, 10), ("I4", "books", 3, 10),
    ])

    /// The encode stage's interactions over `events` with `weights`.
    func encode(_ weights: [String: Double]) throws -> Interactions {
        let table = try Table(
            schema: [Field("user_id", .string), Field("item_id", .string), Field("event", .string)],
            rows: events.map { [.string($0.0), .string($0.1), .string($0.2)] })
        var b = InteractionsBuilder()
        b.timestampColumn = nil
        b.weights = weights
        return try b.build(table).interactions
    }

    func rank(_ filter: String, params: [String: ParamValue] = [:], purchased: Bool = true) async throws -> (
        Recommendations, StageOutput
    ) {
        let f = RankFixture.script(filter)
        var p = params
        p["filters"] = .string(f)
        p["exclude_seen"] = .bool(false)
        p["exhaustive"] = .bool(true)
        return try await RankFixture.run(
            p, candidates: [("als", cands)], items: items,
            seen: try encode(["view": 1, "cart": 3, "purchase": 5]),
            purchased: purchased ? try encode(["view": 0, "cart": 0, "purchase": 1]) : nil)
    }

    // MARK: - Reading the right set

    @Test func purchaseOnlyEncodingsKeepOnlyPurchases() throws {
        for weights in [["purchase": 1.0], ["view": 0, "cart": 0, "purchase": 1]] {
            let m = try encode(weights)
            let u1 = try #require(m.users["U1"])
            #expect(m.seen(user: u1).map { m.items[Int($0)] } == ["I3"])
            #expect(m.users["U2"].map { m.seen(user: $0).isEmpty } ?? true)
        }
    }

    @Test func notPurchasedRemovesThePurchaseOnly() async throws {
        let (r, out) = try await rank(
            #"filter("not_purchased", function(u, item) return not u:purchased(item.item_id) end)"#)
        #expect(RankFixture.list(r, "U1") == ["I1", "I2", "I4"])
        #expect(RankFixture.list(r, "U2") == ["I1", "I2"])
        #expect(RankFixture.counter(out, "removed_by_not_purchased") == 1)
    }

    @Test func notSeenRemovesTheViewAndThePurchase() async throws {
        let (r, out) = try await rank(#"filter("not_seen", function(u, item) return not u:seen(item.item_id) end)"#)
        #expect(RankFixture.list(r, "U1") == ["I1", "I4"])
        #expect(RankFixture.list(r, "U2") == ["I2"])
        #expect(RankFixture.counter(out, "removed_by_not_seen") == 3)
    }

    @Test func seenStillWorksWithoutPurchased() async throws {
        let (r, _) = try await rank(
            #"filter("not_seen", function(u, item) return not u:seen(item.item_id) end)"#, purchased: false)
        #expect(RankFixture.list(r, "U1") == ["I1", "I4"])
    }

    // MARK: - No purchased input

    @Test func purchasedWithoutTheInputIsALocatedRuleError() async throws {
        let f = RankFixture.script(
            """
            filter("ok", function(u, item) return true end)
            filter("not_purchased", function(u, item)
              return not u:purchased(item.item_id)
            end)
            """)
        let error = await #expect(throws: StageError.self) {
            _ = try await RankFixture.run(
                ["filters": .string(f)], candidates: [("als", cands)], items: items,
                seen: try encode(["view": 1, "purchase": 5]))
        }
        let text = "\(try #require(error))"
        #expect(text.contains("\(f):3:"))
        #expect(text.contains("u:purchased needs the rank stage's 'purchased' input (interactions of purchase events"))
        #expect(text.contains("rule 'not_purchased'"))
        #expect(text.contains("user 'U1'"))
        #expect(error?.location?.line == 3)
    }

    @Test func purchasedWithoutTheInputIsSkippedAndCountedUnderSkipRecord() async throws {
        let (r, out) = try await rank(
            #"filter("not_purchased", function(u, item) return not u:purchased(item.item_id) end)"#,
            params: ["on_error": .string("skip_record")], purchased: false)
        #expect(RankFixture.list(r, "U1") == ["I1", "I2", "I3", "I4"])
        #expect(RankFixture.counter(out, "rule_errors_not_purchased") == 2)
        #expect(
            out.warnings.contains {
                $0.hasPrefix("rule 'not_purchased' failed for 2 user(s)") && $0.contains("u:purchased needs")
            })
    }

    // MARK: - Validation

    func check(_ filters: String, inputs: [String: [String]]) -> [Diagnostic] {
        let dir = TestSupport.temporaryDirectory("rank-purchased-check")
        TestSupport.write(filters, to: "rules/filters.lua", in: dir)
        let spec = StageSpec(
            name: "recs", kind: "rank", location: SourceLocation(file: "p.yaml", line: 9, column: 3),
            inputs: inputs, params: ["filters": .string("rules/filters.lua")])
        let pipeline = PipelineSpec(
            name: "t", file: dir + "/p.yaml", baseDirectory: dir, asOf: "2026-11-01", stages: [spec])
        return RankStage.declaration.check(spec, pipeline)
    }

    @Test func validateFlagsPurchasedCallsWithoutTheInput() throws {
        let script = """
            -- u:purchased(x) in a comment does not count
            filter("known", function(u, item) return item.item_id ~= "" end)
            filter("not_purchased", function(u, item) return not u:purchased(item.item_id) end)
            filter("not_seen", function(u, item) return not u:seen(item.item_id) end)
            """
        let d = check(script, inputs: ["candidates": ["als"], "seen": ["matrix"]])
        #expect(d.count == 1)
        let e = try #require(d.first)
        #expect(e.severity == .error)
        #expect(e.code == "missing-input")
        #expect(e.location?.file.hasSuffix("rules/filters.lua") == true)
        #expect(e.location?.line == 3)
        #expect(e.message == "filters: " + RankUserSource.purchasedUnavailable)
        #expect(e.hint?.contains("purchased: <stage>") == true)
        #expect(check(script, inputs: ["candidates": ["als"], "seen": ["matrix"], "purchased": ["purchases"]]).isEmpty)
        #expect(
            check(
                #"filter("s", function(u, item) return not u:seen(item.item_id) end)"#, inputs: ["candidates": ["als"]]
            ).isEmpty)
    }

    func load(purchasedFrom source: String) -> [Diagnostic] {
        let yaml = """
            pipeline: p
            stages:
              events: { uses: ingest, with: { path: events.csv } }
              matrix: { uses: encode, inputs: { events: events }, with: { target: interactions, weights: { view: 1, purchase: 5 } } }
              purchases: { uses: encode, inputs: { events: events }, with: { target: interactions, weights: { purchase: 1 } } }
              als: { uses: als, input: matrix }
              recs:
                uses: rank
                inputs: { candidates: [als], seen: matrix, purchased: \(source) }
            """
        return PipelineLoader.load(text: yaml, file: "p.yaml", baseDirectory: "/tmp", catalog: StageRegistry.catalog)
            .diagnostics.filter { $0.severity == .error }
    }

    @Test func thePurchasedPortAcceptsInteractionsOnly() throws {
        #expect(load(purchasedFrom: "purchases").isEmpty)
        let d = try #require(load(purchasedFrom: "events").first)
        #expect(d.code == "artifact-mismatch")
        #expect(d.message.contains("port 'purchased' of 'recs' accepts 'interactions'"))
        #expect(
            RankStage.declaration.inputs.contains {
                $0.name == "purchased" && !$0.required && $0.accepts == [.interactions]
            })
    }
}
