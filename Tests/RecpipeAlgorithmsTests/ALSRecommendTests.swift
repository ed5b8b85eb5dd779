import Foundation
import Testing

@testable import RecpipeAlgorithms

/// Top-N recommendation, exclusion, deterministic ties, similar items, recommendAll.
@Suite struct ALSRecommendTests {
    /// f = 2; user 0 = (1, 0), user 1 = (0, 1); items (3,0) (1,1) (1,1) (0,2) (−1,0).
    static func handModel() -> ALSModel {
        ALSModel(
            unchecked: .implicit(ALSImplicitOptions(factors: 2)), factors: 2, userCount: 2, itemCount: 5,
            userFactors: [1, 0, 0, 1], itemFactors: [3, 0, 1, 1, 1, 1, 0, 2, -1, 0])
    }

    @Test func recommendRanksByScoreWithTiesByItemIndex() throws {
        let m = Self.handModel()
        #expect(
            try m.recommend(user: 0, n: 3) == [
                ALSScoredItem(item: 0, score: 3), ALSScoredItem(item: 1, score: 1), ALSScoredItem(item: 2, score: 1),
            ])
        #expect(try m.recommend(user: 1, n: 2).map(\.item) == [3, 1])
        #expect(try m.recommend(user: 0, n: 0).isEmpty)
        #expect(try m.recommend(user: 0, n: 10).count == 5)
    }

    @Test func recommendExcludesSeenItems() throws {
        let m = Self.handModel()
        let seen = SparseMatrix(rows: 2, cols: 5, triplets: [(0, 0, 1), (0, 2, 1), (1, 3, 1)])
        #expect(try m.recommend(user: 0, n: 2, exclude: seen).map(\.item) == [1, 3])
        #expect(try m.recommend(user: 1, n: 2, exclude: seen).map(\.item) == [1, 2])
        #expect(try m.recommend(vector: [1, 0], n: 2, exclude: [0, 1]).map(\.item) == [2, 3])
        let all = try m.recommendAll(n: 2, exclude: seen, threads: 2)
        #expect(all == [try m.recommend(user: 0, n: 2, exclude: seen), try m.recommend(user: 1, n: 2, exclude: seen)])
    }

    @Test func similarItemsUsesCosine() throws {
        let m = Self.handModel()
        let sim = try m.similarItems(item: 1, n: 3)
        #expect(sim.map(\.item) == [2, 0, 3])
        #expect(abs(sim[0].score - 1) < 1e-6)
        #expect(abs(sim[1].score - Float(0.5).squareRoot()) < 1e-6)
        #expect(try m.similarItems(item: 1, n: 1, includeSelf: true).map(\.item) == [1])
        #expect(try m.similarItems(item: 0, n: 5).last == ALSScoredItem(item: 4, score: -1))
    }

    @Test func queryErrors() {
        let m = Self.handModel()
        #expect(throws: AlgorithmError.self) { try m.recommend(user: 2, n: 1) }
        #expect(throws: AlgorithmError.self) { try m.recommend(user: 0, n: -1) }
        #expect(throws: AlgorithmError.self) { try m.similarItems(item: 5, n: 1) }
        #expect(throws: AlgorithmError.self) { try m.recommend(vector: [1], n: 1) }
        #expect(throws: AlgorithmError.self) {
            try m.recommend(user: 0, n: 1, exclude: SparseMatrix(rows: 2, cols: 4, triplets: []))
        }
    }

    @Test func publicInitChecksSizesAndRoundTripsThroughCodable() throws {
        let m = Self.handModel()
        let rebuilt = try ALSModel(
            kind: m.kind, factors: 2, userCount: 2, itemCount: 5,
            userFactors: m.userFactors, itemFactors: m.itemFactors)
        #expect(rebuilt == m)
        #expect(throws: AlgorithmError.self) {
            try ALSModel(
                kind: m.kind, factors: 2, userCount: 3, itemCount: 5, userFactors: m.userFactors,
                itemFactors: m.itemFactors)
        }
        #expect(throws: AlgorithmError.self) {
            try ALSModel(
                kind: m.kind, factors: 2, userCount: 2, itemCount: 5, userFactors: m.userFactors,
                itemFactors: m.itemFactors, userBiases: [1, 2])
        }
        let data = try JSONEncoder().encode(m)
        #expect(try JSONDecoder().decode(ALSModel.self, from: data) == m)
    }

    @Test func topNMatchesFullSort() {
        var g = SeededGenerator(seed: 8)
        let scores = (0..<200).map { _ in Float(g.next() % 20) }
        var top = ALSTopN(n: 15)
        for (i, s) in scores.enumerated() { top.offer(item: i, score: s) }
        let expected = scores.enumerated().map { ALSScoredItem(item: $0.offset, score: $0.element) }
            .sorted { ALSTopN.better($0, $1) }.prefix(15)
        #expect(top.items == Array(expected))
    }
}
