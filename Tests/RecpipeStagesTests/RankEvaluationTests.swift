import RecpipeAlgorithms
import RecpipeCore
import RecpipeData
import RecpipeEngine
import RecpipeSpec
import RecpipeTestSupport
import Testing

@testable import RecpipeStages

/// A rank stage refitted on a split (an `evaluate` stage's `quality.recs`): `seen` is the split's
/// train part, and a purchase the split holds out is hidden from `u:purchased`, so a rule cannot
/// remove the very items the metrics look for.
@Suite struct RankEvaluationTests {
    /// U1 viewed I2 and bought I3 (held out as test); U2 viewed I1.
    let split = EvaluationSplit(
        train: Interactions(
            users: IDMap(["U1", "U2"]), items: IDMap(["I1", "I2", "I3"]),
            matrix: SparseMatrix(rows: 2, cols: 3, rowPointers: [0, 1, 2], columns: [1, 0], values: [1, 1])),
        testOffsets: [0, 1, 1], testItems: [2], testValues: [5], method: "hand")

    @Test func aHeldOutPurchaseIsHiddenAndOthersStay() throws {
        let purchases = RankFixture.seen([("U1", ["I3", "I4"]), ("U2", ["I3"])])
        let (kept, hidden) = RankStage.withoutHeldOut(purchases, split: split)
        #expect(hidden == 1)
        let u1 = try #require(kept.users["U1"]), u2 = try #require(kept.users["U2"])
        #expect(!kept.hasSeen(user: u1, item: kept.items["I3"]!))
        #expect(kept.hasSeen(user: u1, item: kept.items["I4"]!))
        #expect(kept.hasSeen(user: u2, item: kept.items["I3"]!))  // U2's purchase is not a test entry
        #expect(RankStage.withoutHeldOut(RankFixture.seen([("U2", ["I3"])]), split: split).1 == 0)
    }

    @Test func theEvaluatedRankSeesTheTrainPartOnly() async throws {
        let cands = RankFixture.candidates(
            "als", [("U1", [("I1", 5), ("I2", 4), ("I3", 3)]), ("U2", [("I1", 5), ("I2", 4)])])
        let purchases = RankFixture.seen([("U1", ["I3"])])
        let script = RankFixture.script(
            #"filter("not_purchased", function(u, item) return not u:purchased(item.item_id) end)"#)
        let items = RankFixture.items([("I1", "shoes", 3, 10), ("I2", "coats", 3, 10), ("I3", "toys", 3, 10)])
        let context = StageHarness.context(
            "rank", name: "quality.recs", params: ["filters": .string(script), "exhaustive": .bool(true)],
            inputs: [
                "candidates": [.init(stage: "als", kind: .candidates, artifact: cands)],
                "items": [.init(stage: "items", kind: .table, artifact: items)],
                "seen": [.init(stage: "holdout", kind: .split, artifact: split)],
                "purchased": [.init(stage: "purchases", kind: .interactions, artifact: purchases)],
            ],
            file: "p.yaml", location: SourceLocation(file: "p.yaml", line: 3, column: 3), asOf: "2026-11-01",
            runDirectory: TestSupport.temporaryDirectory("rank-eval"), threads: 1)
        let out = try await RankStage().run(context)
        let r = try #require(out.artifact as? Recommendations)
        // I2 was seen in train; I3 is U1's held-out purchase: recommended, so the metrics can count it.
        #expect(RankFixture.list(r, "U1") == ["I1", "I3"])
        #expect(RankFixture.list(r, "U2") == ["I2"])
        #expect(RankFixture.counter(out, "removed_by_not_purchased") == 0)
        #expect(
            out.notes.contains("evaluation: 1 purchases the split holds out are hidden from u:purchased"),
            "\(out.notes)")
    }
}
