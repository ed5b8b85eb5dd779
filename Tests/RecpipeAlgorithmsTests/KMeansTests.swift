import Testing

@testable import RecpipeAlgorithms

@Suite("k-means")
struct KMeansTests {
    // Two tight groups of three points.
    static let twoGroups: [Double] = [0, 0, 0, 1, 1, 0, 10, 10, 10, 11, 11, 10]

    // MARK: - Exact small cases

    @Test("hand-made two clusters: exact labels, centroids and inertia", arguments: KMeans.Algorithm.allCases)
    func handMadeExact(algorithm: KMeans.Algorithm) throws {
        let km = KMeans(k: 2, algorithm: algorithm)
        let r = try km.fit(Self.twoGroups, rows: 6, columns: 2, initialCentroids: [0, 0, 10, 10])
        #expect(r.labels == [0, 0, 0, 1, 1, 1])
        let third: Double = 1.0 / 3, far: Double = 31.0 / 3
        #expect(r.centroids == [third, third, far, far])
        #expect(abs(r.inertia - 8.0 / 3) < 1e-12)
        #expect(r.converged)
        #expect(r.emptyClusterReseeds == 0)
        #expect(r.clusterSizes == [3, 3])
        #expect(r.centroid(1) == [far, far])
    }

    @Test("k-means++ start finds the two groups for any seed", arguments: 0..<8)
    func seededTwoGroups(seed: UInt64) throws {
        let r = try KMeans(k: 2, seed: seed).fit(Self.twoGroups, rows: 6, columns: 2)
        #expect(Clustering.adjustedRandIndex(r.labels, [0, 0, 0, 1, 1, 1]) == 1)
        #expect(abs(r.inertia - 8.0 / 3) < 1e-12)
        let first = r.labels[0]
        let third: Double = 1.0 / 3
        #expect(Array(r.centroid(first)) == [third, third])
    }

    @Test("k = 1 gives the mean")
    func singleCluster() throws {
        let r = try KMeans(k: 1).fit([1, 2, 3, 6] as [Double], rows: 4, columns: 1)
        #expect(r.labels == [0, 0, 0, 0])
        #expect(r.centroids == [3])
        #expect(r.inertia == 4 + 1 + 0 + 9)
    }

    @Test("Float input matches Double input")
    func floatInput() throws {
        let floats = Self.twoGroups.map(Float.init)
        let a = try KMeans(k: 2, seed: 3).fit(floats, rows: 6, columns: 2)
        let b = try KMeans(k: 2, seed: 3).fit(Self.twoGroups, rows: 6, columns: 2)
        #expect(a == b)
    }

    // MARK: - Invariants on seeded data

    @Test("inertia never increases", arguments: [KMeans.Algorithm.lloyd, .elkan, .hamerly], [UInt64(1), 2, 3, 4])
    func inertiaMonotone(algorithm: KMeans.Algorithm, seed: UInt64) throws {
        let data = KMeansTestData.uniform(n: 3000, d: 3, seed: seed)
        let r = try KMeans(k: 7, tol: 0, seed: seed, algorithm: algorithm).fit(data, rows: 3000, columns: 3)
        #expect(r.inertiaHistory.count == r.iterations)
        #expect(r.iterations > 3)
        for (before, after) in zip(r.inertiaHistory, r.inertiaHistory.dropFirst()) {
            #expect(after <= before * (1 + 1e-12))
        }
        #expect(r.inertia <= r.inertiaHistory.last! * (1 + 1e-12))
        #expect(r.converged)
    }

    @Test("same seed gives identical output for any thread count")
    func deterministicAcrossThreads() throws {
        let (data, _) = KMeansTestData.blobs(n: 5000, d: 4, k: 6, seed: 11)
        for algorithm in [KMeans.Algorithm.lloyd, .hamerly, .elkan] {
            let reference = try KMeans(k: 6, nInit: 2, seed: 5, algorithm: algorithm, threads: 1)
                .fit(data, rows: 5000, columns: 4)
            for threads in [2, 3, 8] {
                let other = try KMeans(k: 6, nInit: 2, seed: 5, algorithm: algorithm, threads: threads)
                    .fit(data, rows: 5000, columns: 4)
                #expect(other == reference)
            }
            #expect(
                try KMeans(k: 6, nInit: 2, seed: 5, algorithm: algorithm).fit(data, rows: 5000, columns: 4) == reference
            )
        }
    }

    @Test("lloyd, elkan and hamerly reach the same labels from the same start", arguments: [UInt64(1), 2, 3])
    func algorithmsAgree(seed: UInt64) throws {
        let data = KMeansTestData.uniform(n: 2500, d: 2, seed: seed)
        let start = Array(data[0..<(8 * 2)])
        let results = try [KMeans.Algorithm.lloyd, .elkan, .hamerly].map { algorithm in
            try KMeans(k: 8, tol: 0, algorithm: algorithm).fit(data, rows: 2500, columns: 2, initialCentroids: start)
        }
        for r in results.dropFirst() {
            #expect(r.labels == results[0].labels)
            #expect(r.iterations == results[0].iterations)
            #expect(zip(r.centroids, results[0].centroids).allSatisfy { abs($0 - $1) < 1e-9 })
            #expect(abs(r.inertia - results[0].inertia) <= 1e-9 * results[0].inertia)
        }
    }

    @Test("planted blobs are recovered")
    func plantedBlobs() throws {
        let (data, truth) = KMeansTestData.blobs(n: 2000, d: 5, k: 4, spread: 20, seed: 2)
        let r = try KMeans(k: 4, nInit: 3, seed: 1).fit(data, rows: 2000, columns: 5)
        #expect(Clustering.adjustedRandIndex(r.labels, truth) > 0.99)
        #expect(try r.predict(data, rows: 2000) == r.labels)
    }

    @Test("restarts keep the lowest inertia")
    func restartsKeepBest() throws {
        let data = KMeansTestData.uniform(n: 1500, d: 2, seed: 9)
        let best = try KMeans(k: 9, nInit: 4, seed: 21).fit(data, rows: 1500, columns: 2)
        // Each restart r uses stream r of the seed, so running them one by one must not beat it.
        for run in 0..<4 {
            var rng = SeededGenerator(seed: 21, stream: UInt64(run))
            let start = data.withUnsafeBufferPointer {
                KMeans.plusPlusCentres(data: $0.baseAddress!, rows: 1500, columns: 2, k: 9, rng: &rng, threads: nil)
            }
            let one = try KMeans(k: 9).fit(data, rows: 1500, columns: 2, initialCentroids: start)
            #expect(best.inertia <= one.inertia)
            if run == best.run { #expect(one.labels == best.labels) }
        }
    }

    @Test(
        "running out of iterations is reported, and labels still match the centroids",
        arguments: [KMeans.Algorithm.lloyd, .elkan, .hamerly])
    func maxIterExhausted(algorithm: KMeans.Algorithm) throws {
        let data = KMeansTestData.uniform(n: 1200, d: 2, seed: 6)
        let r = try KMeans(k: 6, maxIter: 2, tol: 0, seed: 2, algorithm: algorithm).fit(data, rows: 1200, columns: 2)
        #expect(!r.converged)
        #expect(r.iterations == 2)
        #expect(r.inertiaHistory.count == 2)
        #expect(try r.predict(data, rows: 1200) == r.labels)
        var inertia = 0.0
        for i in 0..<1200 {
            let c = r.centroid(r.labels[i])
            for t in 0..<2 {
                inertia += (data[i * 2 + t] - c[c.startIndex + t]) * (data[i * 2 + t] - c[c.startIndex + t])
            }
        }
        #expect(abs(inertia - r.inertia) <= 1e-9 * inertia)
    }

    // MARK: - Empty clusters

    @Test(
        "an empty cluster is re-seeded with the farthest point", arguments: [KMeans.Algorithm.lloyd, .elkan, .hamerly])
    func emptyClusterReseed(algorithm: KMeans.Algorithm) throws {
        let data: [Double] = [0, 1, 10, 11, 12]
        let r = try KMeans(k: 3, algorithm: algorithm).fit(
            data, rows: 5, columns: 1, initialCentroids: [0.5, 11, 1000])
        #expect(r.emptyClusterReseeds == 1)
        #expect(r.labels == [0, 0, 2, 1, 1])
        #expect(r.centroids == [0.5, 11.5, 10])
        #expect(r.inertia == 1)
        #expect(r.converged)
    }

    @Test("k-means++ never picks duplicate centres")
    func duplicatesAreNotCentres() throws {
        // 5 distinct points, heavily duplicated; k = 5 must use all of them.
        let base: [Double] = [0, 0, 1, 0, 0, 1, 5, 5, 9, 9]
        let data = Array((0..<40).map { _ in base }.joined())
        for seed in UInt64(0)..<10 {
            let r = try KMeans(k: 5, seed: seed).fit(data, rows: 200, columns: 2)
            #expect(Set(r.labels).count == 5)
            #expect(r.inertia < 1e-12)
        }
    }

    // MARK: - Helpers

    @Test("constant columns are reported")
    func constantColumns() throws {
        let data: [Double] = [1, 5, 3, 1, 6, 3, 1, 7, 3]
        #expect(KMeans.constantColumns(data, rows: 3, columns: 3) == [0, 2])
        let r = try KMeans(k: 2, seed: 1).fit(data, rows: 3, columns: 3)
        #expect(Set(r.labels).count == 2)
    }
}
