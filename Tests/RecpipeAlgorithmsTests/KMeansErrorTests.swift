import RecpipeAlgorithms
import Testing

@Suite("k-means guard rails")
struct KMeansErrorTests {
    static let data: [Double] = [0, 0, 1, 1, 2, 2, 3, 3]

    func error(_ body: () throws -> Void) -> AlgorithmError? {
        do {
            try body()
            return nil
        } catch {
            return error as? AlgorithmError
        }
    }

    @Test("k < 1")
    func kTooSmall() {
        let e = error { _ = try KMeans(k: 0).fit(Self.data, rows: 4, columns: 2) }
        #expect(e?.code == .invalidK(0))
        #expect(e?.message.contains("k = 0") == true)
    }

    @Test("k above the number of distinct points")
    func tooFewDistinct() {
        let rows: [Double] = [1, 2, 3, 4, 5, 1, 2, 3, 4, 5]
        let e = error { _ = try KMeans(k: 9).fit(rows, rows: 10, columns: 1) }
        #expect(e?.code == .tooFewDistinctPoints(k: 9, distinct: 5))
        #expect(e?.message.contains("k = 9 but only 5 distinct points") == true)
    }

    @Test("negative zero is not a distinct point")
    func negativeZero() {
        let e = error { _ = try KMeans(k: 2).fit([0.0, -0.0, 0.0], rows: 3, columns: 1) }
        #expect(e?.code == .tooFewDistinctPoints(k: 2, distinct: 1))
        #expect(e?.message.contains("only 1 distinct point:") == true)
    }

    @Test("no rows, no columns, wrong shape")
    func shapes() {
        #expect(error { _ = try KMeans(k: 1).fit([Double](), rows: 0, columns: 2) }?.code == .noRows)
        #expect(error { _ = try KMeans(k: 1).fit([Double](), rows: 3, columns: 0) }?.code == .noColumns)
        let e = error { _ = try KMeans(k: 1).fit(Self.data, rows: 3, columns: 2) }
        #expect(e?.code == .shapeMismatch(expected: 6, actual: 8))
    }

    @Test("NaN and infinity are located by row and column")
    func nonFinite() {
        var nan = Self.data
        nan[5] = .nan
        let e = error { _ = try KMeans(k: 2).fit(nan, rows: 4, columns: 2) }
        #expect(e?.code == .nonFiniteValue(row: 2, column: 1))
        #expect(e?.message.contains("row 2, column 1") == true)
        #expect(e?.message.contains("NaN") == true)
        var inf = Self.data
        inf[6] = -.infinity
        #expect(
            error { _ = try KMeans(k: 2).fit(inf, rows: 4, columns: 2) }?.code == .nonFiniteValue(row: 3, column: 0))
    }

    @Test("invalid options")
    func options() {
        let cases: [(KMeans, String)] = [
            (KMeans(k: 2, nInit: 0), "nInit"), (KMeans(k: 2, maxIter: 0), "maxIter"),
            (KMeans(k: 2, tol: -1), "tol"), (KMeans(k: 2, tol: .nan), "tol"), (KMeans(k: 2, threads: 0), "threads"),
        ]
        for (km, name) in cases {
            #expect(error { _ = try km.fit(Self.data, rows: 4, columns: 2) }?.code == .invalidOption(name: name))
        }
    }

    @Test("initial centroids of the wrong size")
    func badInitialCentroids() {
        let e = error { _ = try KMeans(k: 2).fit(Self.data, rows: 4, columns: 2, initialCentroids: [0, 0, 1]) }
        #expect(e?.code == .shapeMismatch(expected: 4, actual: 3))
    }

    @Test("predict checks its input")
    func predictShape() throws {
        let r = try KMeans(k: 2).fit(Self.data, rows: 4, columns: 2)
        #expect(error { _ = try r.predict([1, 2, 3], rows: 1) }?.code == .shapeMismatch(expected: 2, actual: 3))
        #expect(error { _ = try r.predict([1, .nan], rows: 1) }?.code == .nonFiniteValue(row: 0, column: 1))
    }

    @Test("selectK needs k >= 2 and enough distinct points")
    func selectKErrors() {
        let e = error { _ = try KMeans.selectK(range: 1...4, data: Self.data, rows: 4, columns: 2) }
        #expect(e?.code == .invalidK(1))
        let same = [Double](repeating: 1, count: 8)
        let e2 = error { _ = try KMeans.selectK(range: 2...4, data: same, rows: 4, columns: 2) }
        #expect(e2?.code == .tooFewDistinctPoints(k: 2, distinct: 1))
    }

    @Test("silhouette needs two clusters")
    func silhouetteOneCluster() {
        let e = error { _ = try Silhouette.score(points: [0, 1, 2], columns: 1, labels: [4, 4, 4]) }
        #expect(e?.code == .tooFewClusters(found: 1))
    }
}
