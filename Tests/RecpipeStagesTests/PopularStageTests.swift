import Foundation
import RecpipeAlgorithms
import RecpipeData
import RecpipeSpec
import Testing

@testable import RecpipeStages

@Suite struct PopularStageTests {
    typealias F = RecommendFixtures

    /// u0: a b · u1: a c · u2: a b d → counts a 3, b 2, c 1, d 1. u1's c is 10 days older than the rest.
    static let data = F.interactions(
        [[("a", 1), ("b", 1)], [("a", 1), ("c", 1)], [("a", 1), ("b", 1), ("d", 1)]], items: ["a", "b", "c", "d"],
        times: [[1_000_000, 1_000_000], [1_000_000, 1_000_000 - 864_000], [1_000_000, 1_000_000, 1_000_000]])

    static func run(_ params: [String: ParamValue], segments: Segments? = nil) async throws -> Candidates {
        var inputs: [String: [(stage: String, artifact: any Artifact)]] = ["interactions": [("m", data)]]
        if let segments { inputs["segments"] = [("seg", segments)] }
        let out = try await PopularStage().run(StageHarness.context("popular", params: params, inputs: inputs))
        return try #require(out.artifact as? Candidates)
    }

    @Test func mostPopularUnseenFirstTiesByItem() async throws {
        let c = try await Self.run([:])
        #expect(F.lists(c) == [["c", "d"], ["b", "d"], ["c"]])
        #expect(F.scores(c)[1] == [2, 1])
        #expect(c.source == "popular")
        #expect(F.lists(try await Self.run(["candidates": .int(1)])) == [["c"], ["b"], ["c"]])
    }

    @Test func halfLifeFavoursRecentInteractions() async throws {
        let c = try await Self.run(["half_life_days": .double(1)])
        #expect(F.lists(c)[0] == ["d", "c"])
        #expect(abs(F.scores(c)[0][1] - Float(pow(0.5, 10.0))) < 1e-9)
    }

    @Test func segmentsRankWithinTheirGroup() async throws {
        // Group g = {u0, u2}: a 2, b 2, d 1; u1 has no group → overall ranking.
        let seg = Segments(
            users: ["u0", "u2"], labels: [0, 0], k: 1, featureNames: [], centroidsScaled: [], centroids: [], sizes: [2],
            inertia: 0, names: ["g"])
        let c = try await Self.run([:], segments: seg)
        #expect(F.lists(c) == [["d"], ["b", "d"], []])
    }
}
