import Testing

@testable import RecpipeAlgorithms

@Suite struct KNNIndexTests {
    /// Row 0 = {0, 1}; rows 1–3 each share one column with row 0 and have two entries
    /// (jaccard 1/3 each); row 4 equals row 0 (jaccard 1).
    let m = KNNTestFixtures.matrix(
        5, 6,
        [
            (0, 0, 1), (0, 1, 1),
            (1, 0, 1), (1, 2, 1),
            (2, 1, 1), (2, 3, 1),
            (3, 0, 1), (3, 4, 1),
            (4, 0, 1), (4, 1, 1),
        ])

    @Test func listsAreSortedDescendingWithTiesByIndex() throws {
        let lists = try KNNIndex.build(m, neighbors: 10, options: SimilarityOptions(measure: .jaccard))
        #expect(lists.row(0).map(\.index) == [4, 1, 2, 3])
        #expect(lists.row(0).map(\.score) == [1, Float(1.0 / 3), Float(1.0 / 3), Float(1.0 / 3)])
        #expect(!lists.indices[lists.range(0)].contains(0))  // never itself
    }

    @Test func truncatesToKKeepingLowestIndexAmongTies() throws {
        let lists = try KNNIndex.build(m, neighbors: 2, options: SimilarityOptions(measure: .jaccard))
        #expect(lists.row(0).map(\.index) == [4, 1])
        #expect(lists.rowCount == 5)
        for r in 0..<5 { #expect(lists.range(r).count <= 2) }
    }

    @Test func outputDoesNotDependOnParallelChunking() throws {
        let r = KNNTestFixtures.randomRatings(rows: 300, cols: 80, density: 0.1, seed: 3)
        let a = try KNNIndex.build(r, neighbors: 7, options: SimilarityOptions(measure: .cosine))
        let b = try KNNIndex.build(r, neighbors: 7, options: SimilarityOptions(measure: .cosine))
        #expect(a == b)
        // Each row is the head of the unlimited list.
        let all = try KNNIndex.build(r, neighbors: nil, options: SimilarityOptions(measure: .cosine))
        for x in 0..<300 { #expect(a.row(x).map(\.index) == Array(all.row(x).prefix(7).map(\.index))) }
    }

    @Test func refusesOverMemoryLimitWithClearMessage() throws {
        let items = SparseMatrix(
            rows: 1682, cols: 1, rowPointers: [Int](repeating: 0, count: 1683), columns: [], values: [])
        let need = KNNMemory.estimateBytes(rows: 1682, nonZeros: 0, neighbors: 100)
        #expect(need > 1682 * 100 * 8)
        do {
            _ = try KNNIndex.build(
                items, neighbors: 100, options: SimilarityOptions(measure: .cosine),
                maxMemoryBytes: 1_000_000, entity: "item")
            Issue.record("expected a memory refusal")
        } catch {
            #expect(error.code == .memoryLimitExceeded)
            #expect(error.message.hasPrefix("item-kNN with 1,682 items × 100 neighbours needs ~"))
            #expect(error.message.hasSuffix("over max_memory 1.0 MB; lower `neighbors` or raise `max_memory`"))
        }
        // Under the limit it computes.
        _ = try KNNIndex.build(
            items, neighbors: 100, options: SimilarityOptions(measure: .cosine), maxMemoryBytes: need)
    }

    @Test func rejectsInvalidParameters() {
        #expect(throws: AlgorithmError.invalid("`neighbors` must be at least 1 (got 0); use a positive list length")) {
            try KNNIndex.build(m, neighbors: 0, options: SimilarityOptions(measure: .cosine))
        }
        let bad = BiasTerms(globalMean: 0, rowBias: [0], columnBias: [0])
        #expect(throws: AlgorithmError.self) {
            try KNNIndex.build(m, neighbors: 2, options: SimilarityOptions(measure: .pearsonBaseline), biases: bad)
        }
    }

    @Test func formatsNumbersForMessages() {
        #expect(KNNFormat.grouped(1682) == "1,682")
        #expect(KNNFormat.grouped(1_234_567) == "1,234,567")
        #expect(KNNFormat.grouped(12) == "12")
        #expect(KNNFormat.megabytes(13_456_000) == "13.5")
    }
}
