/// Silhouette coefficients (Rousseeuw 1987) with Euclidean distance, computed exactly.
///
/// For point `i` in cluster `A`: `a(i)` is the mean distance to the other members of `A`,
/// `b(i)` the smallest mean distance to the members of another cluster, and
/// `s(i) = (b − a) / max(a, b)`; a point alone in its cluster has `s(i) = 0` (as scikit-learn).
/// The score is the mean of `s(i)` over all points, in [−1, 1]; higher means tighter,
/// better-separated clusters.
///
/// Complexity: O(m²·d) time for m points, O(m + clusters) memory per worker; parallel over rows.
/// Meant for samples of a few thousand points (``KMeans/selectK(range:data:rows:columns:nInit:maxIter:tol:seed:algorithm:threads:sampleSize:)``
/// uses at most 5,000).
package enum Silhouette {
    /// The mean silhouette coefficient.
    /// - Parameters:
    ///   - points: `labels.count × columns` values, row-major.
    ///   - columns: features per point.
    ///   - labels: any integers; equal values mean the same cluster.
    /// - Throws: ``AlgorithmError`` for a mis-shaped matrix, non-finite values, or fewer than two
    ///   clusters.
    package static func score(points: [Double], columns: Int, labels: [Int]) throws(AlgorithmError) -> Double {
        let s = try samples(points: points, columns: columns, labels: labels)
        return s.reduce(0, +) / Double(s.count)
    }

    /// The silhouette coefficient of every point, in input order.
    package static func samples(points: [Double], columns: Int, labels: [Int]) throws(AlgorithmError) -> [Double] {
        let m = labels.count
        try KMeans.validateShape(count: points.count, rows: m, columns: columns)
        try KMeans.checkFinite(points, columns: columns)
        var index: [Int: Int] = [:]
        var dense = [Int](repeating: 0, count: m)
        for (i, l) in labels.enumerated() {
            if let c = index[l] {
                dense[i] = c
            } else {
                dense[i] = index.count
                index[l] = index.count
            }
        }
        let clusters = index.count
        if clusters < 2 {
            throw AlgorithmError(
                .tooFewClusters(found: clusters),
                "the silhouette needs at least 2 clusters but the labels form \(clusters): "
                    + "score a clustering with k >= 2")
        }
        var sizes = [Int](repeating: 0, count: clusters)
        for c in dense { sizes[c] += 1 }

        var out = [Double](repeating: 0, count: m)
        let d = columns
        let clusterOf = dense, sizeOf = sizes
        points.withUnsafeBufferPointer { pb in
            out.withUnsafeMutableBufferPointer { ob in
                let x = ParallelReadPointer(pb.baseAddress!), o = ParallelPointer(ob)
                Parallel.forEachChunk(count: m, minChunk: 64) { range in
                    var total = [Double](repeating: 0, count: clusters)
                    for i in range {
                        for c in 0..<clusters { total[c] = 0 }
                        let xi = x.base + i * d
                        for j in 0..<m where j != i {
                            total[clusterOf[j]] += KMeansKernel.squaredDistance(xi, x.base + j * d, d).squareRoot()
                        }
                        let own = clusterOf[i]
                        if sizeOf[own] == 1 {
                            o[i] = 0
                            continue
                        }
                        let a = total[own] / Double(sizeOf[own] - 1)
                        var b = Double.infinity
                        for c in 0..<clusters where c != own { b = Swift.min(b, total[c] / Double(sizeOf[c])) }
                        let denominator = Swift.max(a, b)
                        o[i] = denominator > 0 ? (b - a) / denominator : 0
                    }
                }
            }
        }
        return out
    }
}
