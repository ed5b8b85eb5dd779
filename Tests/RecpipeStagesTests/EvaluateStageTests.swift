import Foundation
import RecpipeAlgorithms
import RecpipeData
import RecpipeSpec
import Testing

@testable import RecpipeStages

@Suite struct EvaluateStageTests {
    typealias F = RecommendFixtures

    /// Items a..e; train u0: d, u1: e; test u0: {a, c}, u1: {b}; u2 has no test items.
    static let split = EvaluationSplit(
        train: F.interactions([[("d", 1)], [("e", 1)], [("d", 1)]], items: ["a", "b", "c", "d", "e"]),
        testOffsets: [0, 2, 3, 3], testItems: [0, 2, 1], testValues: [1, 1, 1], method: "hand")

    /// u0: a b c · u1: c d (ids re-ordered to check alignment by id).
    static let candidates = Candidates(
        source: "cf", users: IDMap(["u1", "u0"]), items: IDMap(["c", "d", "a", "b"]),
        lists: [[(0, 0.9), (1, 0.5)], [(2, 0.9), (3, 0.8), (0, 0.7)]])

    @Test func rankingMetricsMatchHandComputation() async throws {
        let ctx = StageHarness.context(
            "evaluate", params: ["k": .int(2)],
            inputs: ["split": [("split", Self.split)], "models": [("cf", Self.candidates)]])
        let out = try await EvaluateStage().run(ctx)
        #expect(out.kind == .metrics)
        let t = try #require(out.artifact as? Table)
        // u0 top 2 = [a, b]: 1 hit at rank 1 of 2 test items; u1 top 2 = [c, d]: no hit.
        let ndcg0 = 1 / (1 + 1 / log2(3.0))
        #expect(F.metric(t, "cf", "precision@2") == 0.25)
        #expect(F.metric(t, "cf", "recall@2") == 0.25)
        #expect(abs(F.metric(t, "cf", "ndcg@2")! - ndcg0 / 2) < 1e-12)
        #expect(F.metric(t, "cf", "map@2") == 0.25)
        #expect(F.metric(t, "cf", "hit_rate@2") == 0.5)
        #expect(F.metric(t, "cf", "coverage@2") == 0.8)
        #expect(F.metric(t, "cf", "users_evaluated") == 2)
        #expect(F.metric(t, "cf", "users_without_test") == 1)
        #expect(out.notes.contains { $0.contains("hits in the top k / k (always divided by k") })
    }

    /// Issue 13, problem 6 (partial): a rank stage's lists are scored like any model — the
    /// metrics of what users see after filters and promotions. Before: rejected on port 'models'.
    @Test func rankOutputIsEvaluatedAsWhatUsersSee() async throws {
        let recs = Recommendations(
            users: IDMap(["u1", "u0"]), items: IDMap(["c", "d", "a", "b"]), offsets: [0, 2, 4],
            itemIndices: [0, 1, 2, 3],
            scores: [0.9, 0.5, 0.9, 0.8], provenance: ["", "", "", ""], fallbackUsers: [])
        let ctx = StageHarness.context(
            "evaluate", params: ["k": .int(2)], inputs: ["split": [("split", Self.split)], "models": [("recs", recs)]])
        let t = try #require(try await EvaluateStage().run(ctx).artifact as? Table)
        // The same lists as `candidates` above, cut to two: u0 [a, b] one hit of two, u1 [c, d] none.
        #expect(F.metric(t, "recs", "precision@2") == 0.25)
        #expect(F.metric(t, "recs", "hit_rate@2") == 0.5)
    }

    @Test func aUserOutsideTheSplitIsIgnoredAndCountedOnlyWhenItHasAList() async throws {
        let recs = Recommendations(
            users: IDMap(["u1", "u0", "nobody", "stranger"]), items: IDMap(["c", "d", "a", "b"]),
            offsets: [0, 2, 4, 4, 5],
            itemIndices: [0, 1, 2, 3, 2], scores: [0.9, 0.5, 0.9, 0.8, 0.7], provenance: ["", "", "", "", ""],
            fallbackUsers: [])
        let ctx = StageHarness.context(
            "evaluate", params: ["k": .int(2)], inputs: ["split": [("split", Self.split)], "models": [("recs", recs)]])
        let out = try await EvaluateStage().run(ctx)
        // 'nobody' has no list: nothing is lost; 'stranger' has one that cannot be scored.
        #expect(
            out.warnings.contains("recs: 1 users and 0 candidate items are not in the split and were ignored"),
            "\(out.warnings)")
        #expect(F.metric(try #require(out.artifact as? Table), "recs", "precision@2") == 0.25)

        // The same 'stranger' with the popular fallback as its list (a profiled user the models
        // never saw): expected, not warned.
        let fallback = Recommendations(
            users: recs.users, items: recs.items, offsets: recs.offsets, itemIndices: recs.itemIndices,
            scores: recs.scores, provenance: recs.provenance, fallbackUsers: [3])
        let quiet = try await EvaluateStage().run(
            StageHarness.context(
                "evaluate", params: ["k": .int(2)],
                inputs: ["split": [("split", Self.split)], "models": [("recs", fallback)]]))
        #expect(!quiet.warnings.contains { $0.contains("not in the split") }, "\(quiet.warnings)")
    }

    @Test func anEmptyTestSplitGivesNAAndNullNotZero() async throws {
        let empty = EvaluationSplit(
            train: Self.split.train, testOffsets: [0, 0, 0, 0], testItems: [], testValues: [], method: "hand")
        let ctx = StageHarness.context(
            "evaluate", params: ["k": .int(2)],
            inputs: ["split": [("split", empty)], "models": [("cf", Self.candidates)]])
        let out = try await EvaluateStage().run(ctx)
        let line = try #require(out.notes.first { $0.hasPrefix("cf: ") })
        #expect(line.hasPrefix("cf: precision@2 n/a, recall@2 n/a, ndcg@2 n/a"), "\(line)")
        #expect(line.hasSuffix("users_evaluated 0"))
        #expect(!line.contains("0.0000"))
        #expect(
            out.warnings == [
                "cf: no user has both candidates and test entries (0 test entries), so its metrics are n/a"
            ])
        let t = try #require(out.artifact as? Table)
        #expect(F.metric(t, "cf", "precision@2") == nil)  // null, not 0
        #expect(F.metric(t, "cf", "users_evaluated") == 0)
        let path = NSTemporaryDirectory() + "recpipe-eval-\(UUID().uuidString).jsonl"
        try TableWriter.writeJSONLines(t, to: path)
        let json = try String(contentsOfFile: path, encoding: .utf8)
        #expect(json.contains(#"{"model":"cf","metric":"precision@2","group":"all","value":null}"#), "\(json)")
    }

    @Test func factorsAreScoredThroughTheirCandidates() async throws {
        let f = Factors(
            users: Self.split.train.users, items: Self.split.train.items, factors: 0, userFactors: [], itemFactors: [],
            settings: [:], candidates: Self.candidates)
        let ctx = StageHarness.context(
            "evaluate", params: ["k": .int(1)], inputs: ["split": [("split", Self.split)], "models": [("als", f)]])
        let t = try #require(try await EvaluateStage().run(ctx).artifact as? Table)
        #expect(F.metric(t, "als", "precision@1") == 0.5)
    }

    @Test func segmentsBreakTheMetricsDown() async throws {
        let segments = Segments(
            users: ["u0", "u1"], labels: [0, 1], k: 2, featureNames: [], centroidsScaled: [], centroids: [],
            sizes: [1, 1],
            inertia: 0, names: ["loyal", "new"])
        let ctx = StageHarness.context(
            "evaluate", params: ["k": .int(2)],
            inputs: [
                "split": [("split", Self.split)], "models": [("cf", Self.candidates)], "segments": [("seg", segments)],
            ])
        let t = try #require(try await EvaluateStage().run(ctx).artifact as? Table)
        #expect(F.metric(t, "cf", "precision@2", group: "loyal") == 0.5)
        #expect(F.metric(t, "cf", "precision@2", group: "new") == 0)
    }

    @Test func ratingModelsReportRMSEOfTheKNNPredictor() async throws {
        let train = F.interactions(
            [
                [("a", 5), ("b", 3), ("c", 4)], [("a", 4), ("b", 2), ("c", 5), ("d", 3)],
                [("a", 1), ("b", 5), ("d", 2)],
            ],
            items: ["a", "b", "c", "d"])
        let split = EvaluationSplit(
            train: train, testOffsets: [0, 1, 1, 2], testItems: [3, 2], testValues: [4, 3], method: "hand")
        let ctx = StageHarness.context(
            "evaluate",
            params: [
                "rating_models": .list([
                    .map([.init(key: "name", value: .string("m")), .init(key: "k", value: .int(2))])
                ])
            ],
            inputs: ["split": [("split", split)]])
        let t = try #require(try await EvaluateStage().run(ctx).artifact as? Table)
        let model = try KNNPredictor(ratings: train.matrix, configuration: .init(k: 2))
        let p = try model.predict(users: [0, 2], items: [3, 2]).map(\.value)
        let rmse = try Metrics.rmse(predicted: p, actual: [4, 3])
        #expect(abs(F.metric(t, "m", "rmse")! - rmse) < 1e-12)
        #expect(F.metric(t, "m", "mae") == (try Metrics.mae(predicted: p, actual: [4, 3])))
        let bad = StageHarness.context(
            "evaluate", params: ["rating_models": .list([.map([.init(key: "kind", value: .string("svd"))])])],
            inputs: ["split": [("split", split)]])
        #expect(
            await F.errorText { _ = try await EvaluateStage().run(bad) }.contains("kind must be one of means, baseline")
        )
    }

    @Test func nothingToEvaluateIsACheckError() {
        let spec = StageHarness.context("evaluate").spec
        #expect(
            EvaluateStage.declaration.check(spec, StageHarness.context("evaluate").pipeline).first?.message.contains(
                "nothing to evaluate") == true)
    }
}
