import Foundation
import RecpipeAlgorithms
import RecpipeCore
import RecpipeData
import RecpipeSpec
import RecpipeTestSupport
import Testing

@testable import RecpipeStages

/// `cf` with `output: similar_items`: each item's most similar other items, exported as
/// `item_id, neighbor_id, rank, similarity`.
@Suite struct SimilarItemsTests {
    typealias F = RecommendFixtures

    static func rows(_ s: SimilarItems) -> [[String]] {
        let t = s.exportTable()
        return (0..<t.rowCount).map { r in (0..<t.columnCount).map { t.value(row: r, col: $0).description } }
    }

    @Test func itemCosineListsEveryItemsNearestOthers() async throws {
        // F.small item vectors over users: a (1,1,0), b (1,0,1), c (0,1,1), d (0,0,1):
        // cos ab = ac = bc = 1/2, bd = cd = 1/√2, ad = 0. Ties go to the lower item index.
        let ctx = StageHarness.context(
            "cf", name: "similar", params: ["neighbors": .int(2), "output": .string("similar_items")],
            inputs: ["interactions": [("m", F.small)]])
        let out = try await CFStage().run(ctx)
        let s = try #require(out.artifact as? SimilarItems)
        #expect(s.source == "similar")
        #expect(s.exportTable().columnNames == ["item_id", "neighbor_id", "rank", "similarity"])
        let pairs = (0..<4).map { i in s.lists.range(i).map { s.items[Int(s.lists.indices[$0])] } }
        #expect(pairs == [["b", "c"], ["d", "a"], ["d", "a"], ["b", "c"]])
        let expected: [Float] = [0.5, 0.5, 0.70710677, 0.5, 0.70710677, 0.5, 0.70710677, 0.70710677]
        #expect(zip(s.lists.scores, expected).allSatisfy { abs($0 - $1) < 1e-6 })
        #expect(
            Self.rows(s).prefix(3).map { Array($0.prefix(3)) } == [
                ["a", "b", "1"], ["a", "c", "2"], ["b", "d", "1"],
            ])
        #expect(out.counters.contains(.init("items_with_neighbors", 4)))
        #expect(out.counters.contains(.init("items_without_neighbors", 0)))
        #expect(out.notes.first?.hasPrefix("similar items (cosine, k=2): 4 of 4 items have similar items") == true)
    }

    @Test func otherMeasuresDropZeroSimilaritiesAndKeepKOthers() async throws {
        // jaccard over users: ab = ac = bc = 1/3, bd = cd = 1/2, ad = 0 (left out).
        let ctx = StageHarness.context(
            "cf", params: ["similarity": .string("jaccard"), "neighbors": .int(5), "output": .string("similar_items")],
            inputs: ["interactions": [("m", F.small)]])
        let s = try #require(try await CFStage().run(ctx).artifact as? SimilarItems)
        let pairs = (0..<4).map { i in s.lists.range(i).map { s.items[Int(s.lists.indices[$0])] } }
        #expect(pairs == [["b", "c"], ["d", "a", "c"], ["d", "a", "b"], ["b", "c"]])
        #expect(s.rowCount == 10)
        #expect(abs(s.lists.scores[2] - 0.5) < 1e-6 && abs(s.lists.scores[3] - Float(1.0 / 3)) < 1e-6)
    }

    @Test func initDropsTheItemItselfAndNonPositiveScoresAndCaps() {
        let lists = RankedLists(
            rowPointers: [0, 4, 5, 5], indices: [0, 2, 1, 0, 1], scores: [1, 0.9, 0, -0.5, 1])
        let s = SimilarItems(source: "x", items: IDMap(["p", "q", "r"]), neighbors: lists, count: 5)
        #expect(s.lists.rowPointers == [0, 1, 1, 1])
        #expect(s.lists.indices == [2] && s.lists.scores == [0.9])
        #expect(s.itemsWithNeighbors == 1)
        #expect(Self.rows(s) == [["p", "r", "1", "\(Double(Float(0.9)))"]])
        let capped = SimilarItems(
            source: "x", items: IDMap(["p", "q", "r"]),
            neighbors: RankedLists(rowPointers: [0, 2, 2, 2], indices: [1, 2], scores: [0.8, 0.7]), count: 1)
        #expect(capped.lists.indices == [1])
    }

    @Test func encodingRoundTripsAndRejectsInconsistentLists() throws {
        let s = SimilarItems(
            source: "sim", items: IDMap(["p", "q"]),
            neighbors: RankedLists(rowPointers: [0, 1, 2], indices: [1, 0], scores: [0.5, 0.5]), count: 3)
        #expect(try SimilarItems(envelope: s.envelopeBytes()) == s)
        var bad = s
        bad.lists = RankedLists(rowPointers: [0, 1, 2], indices: [1, 7], scores: [0.5, 0.5])
        #expect(throws: ArtifactDecodeError.self) { try SimilarItems(envelope: bad.envelopeBytes()) }
    }

    @Test func validateRefusesUserModeAndUsingTheListsAsCandidates() {
        let dir = TestSupport.temporaryDirectory("similar-validate")
        TestSupport.write("user_id,item_id\nu1,a\nu1,b\n", to: "e.csv", in: dir)
        let yaml = """
            pipeline: t
            stages:
              events: { uses: ingest, with: { path: e.csv } }
              matrix: { uses: encode, inputs: { events: events }, with: { target: interactions } }
              users_alike:
                uses: cf
                input: matrix
                with: { mode: user, output: similar_items }
              similar:
                uses: cf
                input: matrix
                with: { output: similar_items }
              recs:
                uses: rank
                inputs: { candidates: [similar] }
            """
        let path = TestSupport.write(yaml, to: "p.yaml", in: dir)
        let errors = PipelineLoader.load(path: path, catalog: StageRegistry.catalog).diagnostics
            .filter { $0.severity == .error }
        let output = errors.first { $0.message.contains("`output: similar_items` needs `mode: item`") }
        #expect(output?.location?.line == 8, "\(errors)")
        #expect(
            errors.contains { $0.message.contains("input 'similar' produces 'similar_items'") }, "\(errors)")
    }
}
