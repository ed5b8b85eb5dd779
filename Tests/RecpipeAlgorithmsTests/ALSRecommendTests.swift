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

    /// The lists written straight into storage are `recommendAll`'s, for full and short lists
    /// (fewer unseen items than `n`), no lists (`n` = 0), users without history and any threads.
    @Test func recommendAllListsEqualsRecommendAll() throws {
        let m = Self.handModel()
        let seen = SparseMatrix(rows: 2, cols: 5, triplets: [(0, 0, 1), (0, 2, 1), (0, 4, 1)])
        for n in [0, 1, 2, 4, 10] {
            for threads in [1, 3] {
                let expected = try m.recommendAll(n: n, exclude: seen, threads: threads)
                let lists = try m.recommendAllLists(n: n, exclude: seen, threads: threads)
                #expect(lists.rowCount == 2)
                for u in 0..<2 {
                    #expect(lists.row(u).map { Int($0.index) } == expected[u].map(\.item), "n \(n) user \(u)")
                    #expect(lists.row(u).map(\.score) == expected[u].map(\.score))
                }
                #expect(lists.entryCount == expected.map(\.count).reduce(0, +))
            }
        }
        // User 0 holds 2 unseen items of 5: a short list, moved left over the unused slot end.
        #expect(try m.recommendAllLists(n: 4, exclude: seen).rowPointers == [0, 2, 6])
        // With only users who have history, user 1 (an empty row of `seen`) gets no list.
        let history = try m.recommendAllLists(n: 2, exclude: seen, onlyUsersWithHistory: true)
        #expect(history.rowPointers == [0, 2, 2])
        #expect(history.row(0).map(\.index) == [1, 3])
        #expect(throws: AlgorithmError.self) { try m.recommendAllLists(n: -1) }
    }

    @Test func compactInPlaceKeepsEachRowsEntriesInOrder() {
        var indices: [Int32] = [1, 2, 9, 3, 9, 9, 4, 5, 6]
        var scores: [Float] = [0.9, 0.8, 0, 0.7, 0, 0, 0.6, 0.5, 0.4]
        let pointers = RankedLists.compactInPlace(width: 3, counts: [2, 1, 3], indices: &indices, scores: &scores)
        #expect(pointers == [0, 2, 3, 6])
        #expect(indices == [1, 2, 3, 4, 5, 6])
        #expect(scores == [0.9, 0.8, 0.7, 0.6, 0.5, 0.4])
        var full: [Int32] = [1, 2], fullScores: [Float] = [1, 2]
        #expect(
            RankedLists.compactInPlace(width: 1, counts: [1, 1], indices: &full, scores: &fullScores) == [0, 1, 2])
        #expect(full == [1, 2])
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
