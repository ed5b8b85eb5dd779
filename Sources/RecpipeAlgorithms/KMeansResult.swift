/// The outcome of ``KMeans/fit(_:rows:columns:)``.
package struct KMeansResult: Sendable, Equatable {
    /// Cluster of each row, in `0..<k`.
    package var labels: [Int]
    /// `k × columns` centroids, row-major.
    package var centroids: [Double]
    /// Number of feature columns.
    package var columns: Int
    /// Sum of squared distances of rows to their centroid.
    package var inertia: Double
    /// Iterations run (assignment + update steps) in the winning restart.
    package var iterations: Int
    /// Inertia after each assignment step (non-increasing), winning restart.
    package var inertiaHistory: [Double]
    /// Empty clusters re-seeded during the winning restart.
    package var emptyClusterReseeds: Int
    /// `false` when `maxIter` ran out before convergence.
    package var converged: Bool
    /// The algorithm actually used (`.auto` resolved).
    package var algorithm: KMeans.Algorithm
    /// Which restart (0-based) won.
    package var run: Int

    /// Rebuilds a result (e.g. decoded from a cache) so ``predict(_:rows:)`` can assign new rows.
    package init(
        labels: [Int], centroids: [Double], columns: Int, inertia: Double, iterations: Int,
        inertiaHistory: [Double], emptyClusterReseeds: Int, converged: Bool,
        algorithm: KMeans.Algorithm, run: Int
    ) {
        self.labels = labels
        self.centroids = centroids
        self.columns = columns
        self.inertia = inertia
        self.iterations = iterations
        self.inertiaHistory = inertiaHistory
        self.emptyClusterReseeds = emptyClusterReseeds
        self.converged = converged
        self.algorithm = algorithm
        self.run = run
    }

    /// Number of clusters.
    package var k: Int { columns == 0 ? 0 : centroids.count / columns }

    /// Centroid `j` as a slice of ``centroids``.
    package func centroid(_ j: Int) -> ArraySlice<Double> {
        centroids[(j * columns)..<((j + 1) * columns)]
    }

    /// Rows per cluster.
    package var clusterSizes: [Int] {
        var sizes = [Int](repeating: 0, count: k)
        for l in labels { sizes[l] += 1 }
        return sizes
    }

    /// Assigns new rows (row-major, same columns, same scaling as the fitted data) to the nearest
    /// centroid; ties go to the lowest cluster index. O(rows·k·d).
    /// - Throws: ``AlgorithmError`` for a mis-shaped matrix or a non-finite value.
    package func predict(_ data: [Double], rows: Int) throws(AlgorithmError) -> [Int] {
        try KMeans.validateShape(count: data.count, rows: rows, columns: columns)
        try KMeans.checkFinite(data, columns: columns)
        let d = columns, k = self.k
        var out = [Int](repeating: 0, count: rows)
        data.withUnsafeBufferPointer { xb in
            centroids.withUnsafeBufferPointer { cb in
                out.withUnsafeMutableBufferPointer { ob in
                    let x = ParallelReadPointer(xb.baseAddress!), c = ParallelReadPointer(cb.baseAddress!)
                    let o = ParallelPointer(ob)
                    Parallel.forEachChunk(count: rows, minChunk: 4096) { range in
                        for i in range {
                            var best = 0
                            var bestD = KMeansKernel.squaredDistance(x.base + i * d, c.base, d)
                            for j in 1..<max(1, k) {
                                let e = KMeansKernel.squaredDistance(x.base + i * d, c.base + j * d, d)
                                if e < bestD {
                                    bestD = e
                                    best = j
                                }
                            }
                            o[i] = best
                        }
                    }
                }
            }
        }
        return out
    }
}
