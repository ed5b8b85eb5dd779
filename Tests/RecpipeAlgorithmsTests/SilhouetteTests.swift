import RecpipeAlgorithms
import Testing

@Suite("silhouette, adjusted Rand index, automatic k")
struct SilhouetteTests {
    // MARK: - Silhouette

    @Test("hand-computed four points")
    func fourPoints() throws {
        // a = 1 everywhere; b = 4.5, 3.5, 3.5, 4.5 → s = 7/9, 5/7, 5/7, 7/9.
        let s = try Silhouette.samples(points: [0, 1, 4, 5], columns: 1, labels: [0, 0, 1, 1])
        let expected = [7.0 / 9, 5.0 / 7, 5.0 / 7, 7.0 / 9]
        #expect(zip(s, expected).allSatisfy { abs($0 - $1) < 1e-15 })
        let score = try Silhouette.score(points: [0, 1, 4, 5], columns: 1, labels: [0, 0, 1, 1])
        #expect(abs(score - 47.0 / 63) < 1e-15)
    }

    @Test("a singleton cluster scores 0 and label values do not matter")
    func singleton() throws {
        let score = try Silhouette.score(points: [0, 1, 10], columns: 1, labels: [7, 7, -3])
        #expect(abs(score - (0.9 + 8.0 / 9 + 0) / 3) < 1e-15)
    }

    @Test("two-dimensional Euclidean distances")
    func twoDimensions() throws {
        // (0,0),(3,4) vs (0,8): a = 5 for the first two; b = 8 and 5 (distance (3,4)-(0,8) = 5).
        let s = try Silhouette.samples(points: [0, 0, 3, 4, 0, 8], columns: 2, labels: [0, 0, 1])
        #expect(abs(s[0] - 3.0 / 8) < 1e-15)
        #expect(s[1] == 0)
        #expect(s[2] == 0)
    }

    // MARK: - Adjusted Rand index

    @Test("identical and relabelled partitions score 1")
    func ariIdentical() {
        let a = [0, 0, 1, 1, 2, 2]
        #expect(Clustering.adjustedRandIndex(a, a) == 1)
        #expect(Clustering.adjustedRandIndex(a, [5, 5, 3, 3, -9, -9]) == 1)
        #expect(Clustering.adjustedRandIndex([1], [4]) == 1)
        #expect(Clustering.adjustedRandIndex([0, 0, 0], [1, 1, 1]) == 1)
    }

    @Test("hand-computed values")
    func ariValues() {
        // scikit-learn documents adjusted_rand_score([0,0,1,1],[0,0,1,2]) = 0.5714… = 4/7.
        #expect(abs(Clustering.adjustedRandIndex([0, 0, 1, 1], [0, 0, 1, 2]) - 4.0 / 7) < 1e-15)
        // index 2, expected 6·3/15 = 1.2, max 4.5 → 0.8 / 3.3 = 8/33.
        #expect(abs(Clustering.adjustedRandIndex([0, 0, 0, 1, 1, 1], [0, 0, 1, 1, 2, 2]) - 8.0 / 33) < 1e-15)
        // One cluster vs all singletons: no agreement beyond chance.
        #expect(Clustering.adjustedRandIndex([0, 0, 0, 0], [0, 1, 2, 3]) == 0)
        // Symmetric.
        #expect(
            Clustering.adjustedRandIndex([0, 0, 1, 2], [0, 0, 1, 1])
                == Clustering.adjustedRandIndex([0, 0, 1, 1], [0, 0, 1, 2]))
    }

    // MARK: - Automatic k

    @Test("selectK finds the planted number of blobs")
    func selectPlanted() throws {
        let (data, truth) = KMeansTestData.blobs(n: 900, d: 3, k: 4, spread: 15, seed: 4)
        let sel = try KMeans.selectK(
            range: 2...7, data: data, rows: 900, columns: 3, nInit: 2, seed: 3, sampleSize: 300)
        #expect(sel.k == 4)
        #expect(sel.candidates == [2, 3, 4, 5, 6, 7])
        #expect(sel.silhouettes.count == 6)
        #expect(sel.silhouettes.max() == sel.silhouettes[2])
        #expect(sel.result.k == 4)
        #expect(Clustering.adjustedRandIndex(sel.result.labels, truth) > 0.99)
        let again = try KMeans.selectK(
            range: 2...7, data: data, rows: 900, columns: 3, nInit: 2, seed: 3, sampleSize: 300)
        #expect(again == sel)
    }

    @Test("selectK skips k above the distinct points")
    func selectClamped() throws {
        let data: [Double] = [0, 0.1, 10, 10.1, 20, 20.1, 0.1]
        let sel = try KMeans.selectK(range: 2...9, data: data, rows: 7, columns: 1)
        #expect(sel.candidates == [2, 3, 4, 5, 6])
        #expect(sel.k == 3)
        // k = 6: the duplicate pair (s = 1 each) plus five singletons (s = 0).
        #expect(abs(sel.silhouettes[4] - 2.0 / 7) < 1e-15)
    }
}
