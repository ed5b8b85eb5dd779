import Foundation
import Testing

@testable import RecpipeAlgorithms

/// The two-hop top-N kernel shared by the `cf` stage and `KNNItemRecommender.recommend`.
@Suite struct NeighborScoringTests {
    /// users × items: u0 = {i0: 2, i1: 1}, u1 = {i1: 1, i2: 3}, u2 = {}.
    let ui = KNNTestFixtures.matrix(3, 4, [(0, 0, 2), (0, 1, 1), (1, 1, 1), (1, 2, 3)])
    /// Item neighbour lists: i0 → (i1 .5, i3 .25), i1 → (i0 .5, i2 .75), i2 → (i1 .75), i3 → (i0 .25).
    let lists = RankedLists(
        rowPointers: [0, 2, 4, 5, 6], indices: [1, 3, 2, 0, 1, 0], scores: [0.5, 0.25, 0.75, 0.5, 0.75, 0.25])

    /// u0: i2 = x01·s(1,2) = 0.75, i3 = x00·s(0,3) = 0.5 (i0, i1 seen); u1: i0 = 1·0.5 = 0.5,
    /// i1 is seen, i3 unreached; u2 reaches nothing.
    @Test func itemKNNScoresHandCheckedCase() {
        let out = NeighborScoring.topN(
            first: ui, second: lists.matrix(columns: 4), seen: ui, itemCount: 4, count: 10)
        #expect(out.rowCount == 3)
        #expect(out.row(0).map(\.index) == [2, 3])
        #expect(out.row(0).map(\.score) == [0.75, 0.5])
        #expect(out.row(1).map(\.index) == [0])
        #expect(out.row(1).map(\.score) == [0.5])
        #expect(out.row(2).isEmpty)
    }

    @Test func countTargetsAndMinimumContributions() {
        // count 1 keeps the best only; targets pick rows in the order given.
        let top1 = NeighborScoring.topN(
            first: ui, second: lists.matrix(columns: 4), seen: ui, targets: [1, 0], itemCount: 4, count: 1)
        #expect(top1.row(0).map(\.index) == [0])
        #expect(top1.row(1).map(\.index) == [2])
        // Without exclusion u0's seen items are scored too: i1 = 2·0.5, i0 = 1·0.5, i2 = 0.75, i3 = 0.5.
        let all = NeighborScoring.topN(
            first: ui, second: lists.matrix(columns: 4), seen: nil, targets: [0], itemCount: 4, count: 10)
        #expect(all.row(0).map(\.index) == [1, 2, 0, 3])
        // Two contributions needed: u0's i1 (from i0 only) and i0 (from i1 only) drop out.
        let two = NeighborScoring.topN(
            first: ui, second: lists.matrix(columns: 4), seen: nil, targets: [0], itemCount: 4, count: 10,
            minContributions: 2)
        #expect(two.row(0).isEmpty)
    }

    /// The same lists whatever the thread count, and equal to `KNNItemRecommender.recommend`.
    @Test func deterministicAndSharedWithTheRecommender() throws {
        var g = SeededGenerator(seed: 3)
        var triplets: [(row: Int, col: Int, value: Float)] = []
        for u in 0..<300 {
            for _ in 0..<(1 + Int(g.next() % 12)) {
                triplets.append((u, Int(g.next() % 90), Float(1 + g.next() % 5)))
            }
        }
        let m = SparseMatrix(rows: 300, cols: 90, triplets: triplets)
        let model = try KNNItemRecommender(userItems: m, neighbors: 15)
        let lists = model.neighbors.matrix(columns: 90)
        let one = NeighborScoring.topN(first: m, second: lists, seen: m, itemCount: 90, count: 7, threads: 1)
        let four = NeighborScoring.topN(first: m, second: lists, seen: m, itemCount: 90, count: 7, threads: 4)
        #expect(one == four)
        #expect(try model.recommend(userItems: m, count: 7) == one)
        // user-kNN direction: neighbour lists first, matrix rows second.
        let users = try KNNIndex.build(m, neighbors: 10, options: SimilarityOptions(measure: .cosine))
        let similar = users.matrix(columns: 300)
        let a = NeighborScoring.topN(first: similar, second: m, seen: m, itemCount: 90, count: 5, threads: 1)
        let b = NeighborScoring.topN(first: similar, second: m, seen: m, itemCount: 90, count: 5, threads: 3)
        #expect(a == b)
        for u in 0..<300 {
            let seen = Set(m.columns[m.rowRange(u)])
            #expect(a.row(u).allSatisfy { !seen.contains($0.index) })
            let row = a.row(u)
            #expect(
                zip(row, row.dropFirst()).allSatisfy {
                    $0.score > $1.score || ($0.score == $1.score && $0.index < $1.index)
                })
        }
    }
}

/// The row views and the confidence encodings the ALS kernels read through.
@Suite struct KernelRowsTests {
    @Test func rowsOfEmptyAndNonEmptyStorage() {
        let empty = SparseMatrix(rows: 2, cols: 3, rowPointers: [0, 0, 0], columns: [], values: [])
        empty.withRows { r in
            #expect(r.rowCount == 2)
            #expect(r.range(1).isEmpty)
        }
        let m = SparseMatrix(rows: 2, cols: 3, rowPointers: [0, 1, 3], columns: [2, 0, 1], values: [5, 6, 7])
        m.withRows { r in
            #expect(r.range(1) == 1..<3)
            #expect(r.column(2) == 1)
            #expect(r.value(0) == 5)
        }
        var factors: [Float] = [1, 2, 3, 4, 5, 6]
        factors.withRows(width: 3) { y in
            #expect(y.rowCount == 2)
            #expect(y.row(1)[2] == 6)
        }
        factors.withMutableRows(width: 2) { x in x.row(2)[0] = 50 }
        #expect(factors == [1, 2, 3, 4, 50, 6])
        let none: [Float] = []
        #expect(none.withRows(width: 4) { $0.rowCount } == 0)
    }

    /// Linear and one-plus confidences read on the fly give the bits of the stored signed matrix.
    @Test(arguments: [ALSConfidence.linear, .onePlus])
    func onTheFlyConfidencesEqualTheStoredMatrix(confidence: ALSConfidence) throws {
        let m = SparseMatrix(
            rows: 3, cols: 4,
            triplets: [
                (0, 0, 2), (0, 2, -1.5), (1, 1, 0.3), (1, 3, 4), (2, 0, -2), (2, 3, 1),
            ])
        let options = ALSImplicitOptions(factors: 3, alpha: 1.7, confidence: confidence)
        let stored = ALS.confidenceMatrix(m, options: options)
        let (source, encoding) = ALS.confidenceSource(m, options: options)
        #expect(source == m)  // no copy of the values
        let fixed = (0..<12).map { Float($0 % 5) * 0.1 + 0.05 }
        let gram = ALSLinearAlgebra.gram(fixed, rows: 4, f: 3, threads: 1)
        ImplicitRows.with(source, encoding, fixed: fixed, gram: gram, options: options) { s in
            for k in 0..<m.nonZeroCount { #expect(s.confidence(k) == stored.values[k]) }
        }
        var a = [Float](repeating: 0.01, count: 9), b = a
        try ALS.solveImplicitSide(stored, .signed, target: &a, fixed: fixed, options: options, side: "user")
        try ALS.solveImplicitSide(source, encoding, target: &b, fixed: fixed, options: options, side: "user")
        #expect(a == b)
    }
}
