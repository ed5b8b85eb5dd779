import Foundation
import Testing

@testable import RecpipeAlgorithms

@Suite struct KNNWeightingTests {
    /// users × items: u0 = {i0: 1, i1: 2, i2: 1}, u1 = {i0: 3, i3: 1}, u2 = {i1: 1}.
    /// N = 4 items; df(u0) = 3, df(u1) = 2, df(u2) = 1 → idf = log 4 − log(1 + df).
    let ui = KNNTestFixtures.matrix(3, 4, [(0, 0, 1), (0, 1, 2), (0, 2, 1), (1, 0, 3), (1, 3, 1), (2, 1, 1)])
    let idf = [0.0, log(4.0 / 3), log(2.0)]

    @Test func tfidfIsSqrtTimesIdfOnItemRows() {
        let w = KNNWeighting.tfidf(ui.transposed())
        #expect(abs(Double(w[0, 1]) - 3.0.squareRoot() * idf[1]) < 1e-6)  // i0, u1
        #expect(abs(Double(w[1, 2]) - idf[2]) < 1e-6)  // i1, u2
        #expect(w[1, 0] == 0)  // u0 rated 3 of 4 items: idf 0
        // The recommender's tfidf also L2-normalizes each item row.
        let n = KNNWeighting.tfidf.weightedItemUsers(ui)
        #expect(abs(n[0, 1] - 1) < 1e-6)
    }

    @Test func bm25MatchesImplicitsDefinition() {
        let w = KNNWeighting.bm25(ui.transposed(), k1: 1.2, b: 0.75)
        // item lengths 4, 3, 1, 1 → average 9/4; i0's norm = 0.25 + 0.75 · 4 / 2.25.
        let norm0 = 0.25 + 0.75 * 4 / 2.25
        #expect(abs(Double(w[0, 1]) - 3 * 2.2 / (1.2 * norm0 + 3) * idf[1]) < 1e-6)
        let norm3 = 0.25 + 0.75 * 1 / 2.25
        #expect(abs(Double(w[3, 1]) - 1 * 2.2 / (1.2 * norm3 + 1) * idf[1]) < 1e-6)
        #expect(KNNWeighting.bm25().weightedItemUsers(ui) == w)
    }

    @Test func normalizeRowsGivesUnitRows() {
        let n = KNNWeighting.normalizeRows(ui)
        #expect(abs(Double(n[0, 0]) - 1 / 6.0.squareRoot()) < 1e-6)
        #expect(abs(Double(n[1, 0]) - 3 / 10.0.squareRoot()) < 1e-6)
    }
}

@Suite struct KNNItemRecommenderTests {
    /// Binary: u0 = {i0, i1}, u1 = {i0, i1}, u2 = {i0, i2}, u3 = {i3}.
    /// cos(i0, i1) = 2/√6, cos(i0, i2) = 1/√3, cos(i1, i2) = 0; i3 is isolated.
    let ui = KNNTestFixtures.matrix(
        4, 4, [(0, 0, 1), (0, 1, 1), (1, 0, 1), (1, 1, 1), (2, 0, 1), (2, 2, 1), (3, 3, 1)])

    @Test func neighbourListsIncludeTheItemItself() throws {
        let model = try KNNItemRecommender(userItems: ui, neighbors: 3)
        #expect(model.neighbors.row(0).map(\.index) == [0, 1, 2])
        #expect(abs(model.neighbors.row(0)[1].score - Float(2 / 6.0.squareRoot())) < 1e-6)
        #expect(model.neighbors.row(3).map(\.index) == [3])
    }

    @Test func recommendsUnseenItemsByNeighbourScore() throws {
        let model = try KNNItemRecommender(userItems: ui, neighbors: 3)
        let recs = try model.recommend(userItems: ui, count: 10)
        #expect(recs.row(2).map(\.index) == [1])
        #expect(abs(recs.row(2)[0].score - Float(2 / 6.0.squareRoot())) < 1e-6)
        #expect(recs.row(0).map(\.index) == [2])
        #expect(recs.row(3).isEmpty)  // i3 reaches nothing
        // Without exclusion, seen items are ranked too.
        let all = try model.recommend(userItems: ui, count: 10, users: [2], excludeSeen: false)
        // i0 and i2 both score 1 + 1/√3 (up to rounding), ahead of i1.
        #expect(Set(all.row(0).prefix(2).map(\.index)) == [0, 2])
        #expect(all.row(0).last?.index == 1)
    }

    @Test func kOfOneKeepsOnlySelfSoNothingIsRecommended() throws {
        let model = try KNNItemRecommender(userItems: ui, neighbors: 1)
        #expect(try model.recommend(userItems: ui, count: 5).entryCount == 0)
    }

    @Test func tiesAreBrokenByItemIndex() throws {
        // i1 and i2 are equally similar to i0; u0 has seen only i0.
        let m = KNNTestFixtures.matrix(3, 3, [(0, 0, 1), (1, 0, 1), (1, 1, 1), (2, 0, 1), (2, 2, 1)])
        let model = try KNNItemRecommender(userItems: m, neighbors: 3)
        let recs = try model.recommend(userItems: m, count: 2, users: [0])
        #expect(recs.row(0).map(\.index) == [1, 2])
        #expect(recs.row(0)[0].score == recs.row(0)[1].score)
        #expect(try model.recommend(userItems: m, count: 1, users: [0]).row(0).map(\.index) == [1])
    }

    @Test func parallelOutputIsDeterministic() throws {
        let m = KNNTestFixtures.randomRatings(rows: 400, cols: 120, density: 0.05, seed: 9)
        for w in [KNNWeighting.none, .tfidf, .bm25()] {
            let a = try KNNItemRecommender(userItems: m, neighbors: 10, weighting: w)
            let b = try KNNItemRecommender(userItems: m, neighbors: 10, weighting: w)
            #expect(a.neighbors == b.neighbors)
            let ra = try a.recommend(userItems: m, count: 10)
            #expect(ra == (try b.recommend(userItems: m, count: 10)))
            for u in 0..<m.rows {
                let seen = Set(m.columns[m.rowRange(u)])
                #expect(ra.row(u).allSatisfy { !seen.contains($0.index) })
            }
        }
    }

    @Test func rejectsBadArguments() throws {
        #expect(throws: AlgorithmError.self) { try KNNItemRecommender(userItems: ui, neighbors: 0) }
        #expect(throws: AlgorithmError.self) { try KNNItemRecommender(userItems: ui, weighting: .bm25(k1: 1.2, b: 2)) }
        let model = try KNNItemRecommender(userItems: ui)
        #expect(throws: AlgorithmError.self) { try model.recommend(userItems: ui, count: 0) }
        #expect(throws: AlgorithmError.self) { try model.recommend(userItems: ui, count: 3, users: [7]) }
        let wrong = KNNTestFixtures.matrix(2, 9, [])
        #expect(throws: AlgorithmError.self) { try model.recommend(userItems: wrong, count: 3) }
        #expect(throws: AlgorithmError.self) {
            try KNNItemRecommender(userItems: ui, neighbors: 50, maxMemoryBytes: 100)
        }
    }
}
