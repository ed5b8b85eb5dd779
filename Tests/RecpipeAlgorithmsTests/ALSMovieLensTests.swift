import Foundation
import RecpipeTestSupport
import Testing

@testable import RecpipeAlgorithms

/// Implicit ALS on the MovieLens-100k positive (rating ≥ 4) split: ranking quality on the test
/// part, full ranking with training items excluded. Skipped when the data is absent.
@Suite struct ALSMovieLensTests {
    static let path = TestSupport.sharedDataDirectory + "/ml-100k/split-ml-100k-pos-ge4-test20-seed42.csv"

    /// (train matrix with the ratings as values, test items per user).
    static func load() throws -> (SparseMatrix, [Int: Set<Int>]) {
        let s = try TestSupport.movieLensSplit()
        return (SparseMatrix(rows: s.users, cols: s.items, triplets: s.train), s.test)
    }

    /// Mean precision@k and NDCG@k (binary relevance) over users with test items.
    static func evaluate(_ recs: [[ALSScoredItem]], _ test: [Int: Set<Int>], k: Int) -> (
        precision: Double, ndcg: Double
    ) {
        var p = 0.0, n = 0.0
        for (u, relevant) in test {
            let ranked = recs[u].prefix(k).map(\.item)
            var dcg = 0.0, idcg = 0.0
            for (rank, item) in ranked.enumerated() where relevant.contains(item) {
                dcg += 1 / Foundation.log2(Double(rank + 2))
            }
            for rank in 0..<min(k, relevant.count) { idcg += 1 / Foundation.log2(Double(rank + 2)) }
            p += Double(ranked.filter(relevant.contains).count) / Double(k)
            n += dcg / idcg
        }
        return (p / Double(test.count), n / Double(test.count))
    }

    @Test(
        .enabled(
            if: FileManager.default.fileExists(atPath: path),
            "needs ml-100k/split-ml-100k-pos-ge4-test20-seed42.csv in ../shared/data beside the repository"))
    func precisionAt10BeatsThreshold() throws {
        let (train, test) = try Self.load()
        let model = try ALS.fitImplicit(
            train,
            options: ALSImplicitOptions(
                factors: 8, iterations: 4, regularization: 0.05, alpha: 1, seed: 42))
        let recs = try model.recommendAll(n: 10, exclude: train)
        let (precision, ndcg) = Self.evaluate(recs, test, k: 10)
        #expect(precision > 0.1)
        #expect(ndcg > 0.1)
    }
}
