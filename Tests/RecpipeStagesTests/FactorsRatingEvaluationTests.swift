import Foundation
import RecpipeAlgorithms
import RecpipeData
import RecpipeSpec
import Testing

@testable import RecpipeStages

/// `evaluate` scoring explicit-ALS factors by RMSE / MAE (FactorsRatingEvaluation).
@Suite struct FactorsRatingEvaluationTests {
    typealias F = RecommendFixtures

    /// Train u0: a 4, b 2 · u1: a 5, c 3 · u2: nothing (global mean 3.5); item d has no train rating.
    /// Test u0: c 3, a 5 · u1: b 4, d 2 · u2: a 1.
    static let split = EvaluationSplit(
        train: F.interactions([[("a", 4), ("b", 2)], [("a", 5), ("c", 3)], []], items: ["a", "b", "c", "d"]),
        testOffsets: [0, 2, 4, 5], testItems: [2, 0, 1, 3, 0], testValues: [3, 5, 4, 2, 1], method: "hand")

    /// f = 1, ids re-ordered against the split: users [u1, u0], items [c, b, a]; μ 3, biases.
    static func factors(_ kind: ALSModel.Kind) -> Factors {
        let users = IDMap(["u1", "u0"]), items = IDMap(["c", "b", "a"])
        return Factors(
            users: users, items: items, factors: 1, userFactors: [2, 1], itemFactors: [0.5, -1, 3],
            settings: ALSSettings.encode(kind), globalMean: 3, userBias: [0.5, -0.5], itemBias: [0, 1, 0],
            candidates: Candidates(source: "als", users: users, items: items, lists: [[], []]))
    }

    static let explicit = ALSModel.Kind.explicit(ALSExplicitOptions(factors: 1, useBiases: true, ratingRange: 1...5))

    @Test func explicitFactorsReportRMSEAndMAEByHand() async throws {
        let ctx = StageHarness.context(
            "evaluate", inputs: ["split": [("split", Self.split)], "models": [("als", Self.factors(Self.explicit))]])
        let out = try await EvaluateStage().run(ctx)
        let t = try #require(out.artifact as? Table)
        // u0·c = 3 − 0.5 + 0 + 0.5 = 3 (err 0); u0·a = 5.5 → clipped 5 (err 0); u1·b = 3 + 0.5 + 1 − 2 = 2.5
        // (err 1.5); u1·d and u2·a: unknown → train mean 3.5 (err 1.5, 2.5).
        #expect(abs(F.metric(t, "als", "rmse")! - (10.75 / 5).squareRoot()) < 1e-6)
        #expect(abs(F.metric(t, "als", "mae")! - 1.1) < 1e-6)
        #expect(F.metric(t, "als", "unknown_share") == 0.4)
        #expect(
            out.notes.contains {
                $0.hasPrefix("als: rmse 1.4663, mae 1.1000, unknown_share 0.4000")
                    && $0.contains("5 test ratings, 2 with an unknown user or item")
            })
        #expect(out.notes.contains { $0.contains("RMSE = √") })
    }

    @Test func withoutAStoredRangeRatingScaleClips() async throws {
        let kind = ALSModel.Kind.explicit(ALSExplicitOptions(factors: 1, useBiases: true, ratingRange: nil))
        let ctx = StageHarness.context(
            "evaluate", params: ["rating_scale": .list([.double(1), .double(4)])],
            inputs: ["split": [("split", Self.split)], "models": [("als", Self.factors(kind))]])
        let t = try #require(try await EvaluateStage().run(ctx).artifact as? Table)
        // u0·a → 4 (err 1), u0·c 3 (0), u1·b 2.5 (1.5), unknown 3.5 (1.5, 2.5).
        #expect(abs(F.metric(t, "als", "rmse")! - (11.75 / 5).squareRoot()) < 1e-6)
    }

    @Test func implicitFactorsGetNoRatingMetrics() async throws {
        let ctx = StageHarness.context(
            "evaluate",
            inputs: [
                "split": [("split", Self.split)],
                "models": [("als", Self.factors(.implicit(ALSImplicitOptions(factors: 1))))],
            ])
        let t = try #require(try await EvaluateStage().run(ctx).artifact as? Table)
        #expect(F.metric(t, "als", "rmse") == nil)
        #expect(F.metric(t, "als", "users_evaluated") != nil)
    }
}
