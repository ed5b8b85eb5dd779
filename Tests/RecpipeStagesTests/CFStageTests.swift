import RecpipeAlgorithms
import RecpipeData
import RecpipeSpec
import Testing

@testable import RecpipeStages

@Suite struct CFStageTests {
    typealias F = RecommendFixtures

    @Test func itemCosineGivesHandComputedCandidates() async throws {
        // Item cosines (unit item vectors over users): ab = ac = bc = 0.5, bd = cd = 1/√2, ad = 0.
        let ctx = StageHarness.context("cf", name: "itemcf", inputs: ["interactions": [("m", F.small)]])
        let out = try await CFStage().run(ctx)
        let c = try #require(out.artifact as? Candidates)
        #expect(c.source == "itemcf")
        #expect(F.lists(c) == [["c", "d"], ["b", "d"], ["a"]])
        let s = F.scores(c)
        #expect(abs(s[0][0] - 1) < 1e-6 && abs(s[0][1] - 0.70710677) < 1e-6)
        #expect(abs(s[2][0] - 1) < 1e-6)
        #expect(out.counters.contains(.init("users_with_candidates", 3)))
    }

    @Test func minNeighborsDropsThinlySupportedCandidates() async throws {
        let ctx = StageHarness.context(
            "cf", params: ["min_neighbors": .int(2)], inputs: ["interactions": [("m", F.small)]])
        let c = try #require(try await CFStage().run(ctx).artifact as? Candidates)
        #expect(F.lists(c) == [["c"], ["b"], ["a"]])
    }

    @Test func userJaccardScoresSumNeighbourSimilarities() async throws {
        // jaccard: u0u1 = 1/3, u0u2 = u1u2 = 1/4.
        let ctx = StageHarness.context(
            "cf", params: ["mode": .string("user"), "similarity": .string("jaccard")],
            inputs: ["interactions": [("m", F.small)]])
        let c = try #require(try await CFStage().run(ctx).artifact as? Candidates)
        #expect(F.lists(c) == [["c", "d"], ["b", "d"], ["a"]])
        let s = F.scores(c)
        #expect(abs(s[0][0] - Float(1.0 / 3 + 0.25)) < 1e-6 && abs(s[0][1] - 0.25) < 1e-6)
        #expect(abs(s[2][0] - 0.5) < 1e-6)
    }

    @Test func candidatesCapsListsAndSplitInputTrainsOnTrain() async throws {
        let split = EvaluationSplit(
            train: F.small, testOffsets: [0, 1, 1, 1], testItems: [2], testValues: [1], method: "hand")
        let ctx = StageHarness.context(
            "cf", params: ["candidates": .int(1)], inputs: ["interactions": [("split", split)]])
        let c = try #require(try await CFStage().run(ctx).artifact as? Candidates)
        #expect(F.lists(c) == [["c"], ["b"], ["a"]])
    }

    @Test func everySimilarityRunsInBothModes() async throws {
        for sim in CFStage.similarities {
            for mode in ["user", "item"] {
                let ctx = StageHarness.context(
                    "cf", params: ["mode": .string(mode), "similarity": .string(sim)],
                    inputs: ["interactions": [("m", F.small)]])
                let c = try #require(try await CFStage().run(ctx).artifact as? Candidates)
                for u in 0..<3 {
                    let seen = Set(F.small.seen(user: u))
                    #expect(c.range(user: u).allSatisfy { !seen.contains(c.itemIndices[$0]) }, "\(mode) \(sim)")
                }
            }
        }
    }

    @Test func memoryRefusalIsAClearStageError() async {
        let ctx = StageHarness.context(
            "cf", params: ["max_memory": .string("100B")], inputs: ["interactions": [("m", F.small)]])
        let text = await F.errorText { _ = try await CFStage().run(ctx) }
        #expect(text.contains("item-kNN with 4 items"))
        #expect(text.contains("over max_memory 0.0 MB; lower `neighbors` or raise `max_memory`"))
        let user = StageHarness.context(
            "cf", params: ["mode": .string("user"), "max_memory": .int(100)], inputs: ["interactions": [("m", F.small)]]
        )
        #expect(await F.errorText { _ = try await CFStage().run(user) }.contains("user-kNN with 3 users"))
    }

    @Test func badMaxMemoryAndWeightingAreRejected() async {
        let ctx = StageHarness.context(
            "cf", params: ["max_memory": .string("lots")], inputs: ["interactions": [("m", F.small)]])
        #expect(
            await F.errorText { _ = try await CFStage().run(ctx) }.contains(
                "`max_memory` must be a positive byte count"))
        let spec = StageHarness.context("cf", params: ["mode": .string("user"), "weighting": .string("bm25")]).spec
        let problems = CFStage.declaration.check(spec, StageHarness.context("cf").pipeline)
        #expect(problems.first?.message.contains("only applies to item mode") == true)
    }

    @Test func memorySizesParse() {
        #expect(MemoryLimit.parse("2GB") == 2_000_000_000)
        #expect(MemoryLimit.parse("512 MB") == 512_000_000)
        #expect(MemoryLimit.parse("1GiB") == 1 << 30)
        #expect(MemoryLimit.parse("4096") == 4096)
        #expect(MemoryLimit.parse("-1GB") == nil)
        #expect(MemoryLimit.parse("many") == nil)
    }
}
