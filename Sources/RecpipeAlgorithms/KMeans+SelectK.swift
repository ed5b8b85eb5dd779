/// The outcome of ``KMeans/selectK(range:data:rows:columns:nInit:maxIter:tol:seed:algorithm:threads:sampleSize:)``.
package struct KSelection: Sendable, Equatable {
    /// The chosen number of clusters (highest silhouette; the smaller k on ties).
    package var k: Int
    /// The k values tried, ascending.
    package var candidates: [Int]
    /// Mean silhouette on the sample for each candidate (−1 when the sample saw one cluster only).
    package var silhouettes: [Double]
    /// The largest cluster's share of all rows for each candidate; candidates above `maxShare`
    /// were refused whatever their silhouette.
    package var largestShares: [Double] = []
    /// The k-means fit for the chosen `k` (on all rows).
    package var result: KMeansResult
}

extension KMeans {
    /// Chooses k by the silhouette: fits k-means on all rows for each k in `range`, scores each
    /// labeling with the exact silhouette on one seeded sample of at most `sampleSize` rows
    /// (the same rows for every k), and keeps the best.
    ///
    /// A labeling with one cluster holding more than `maxShare` of the rows is refused (a high
    /// silhouette from a few outliers split off the bulk is not a segmentation).
    ///
    /// k values above the number of distinct rows are skipped.
    /// Complexity: Σ_k (k-means cost) + |range| · O(s²·d) for a sample of s rows.
    /// - Throws: ``AlgorithmError`` when `range` starts below 2 (a silhouette needs two clusters),
    ///   when even its lower bound exceeds the distinct rows, or for any k-means input error.
    package static func selectK(
        range: ClosedRange<Int>, data: [Double], rows: Int, columns: Int,
        nInit: Int = 1, maxIter: Int = 300, tol: Double = 1e-4, seed: UInt64 = 0,
        algorithm: Algorithm = .auto, threads: Int? = nil, sampleSize: Int = 5000, maxShare: Double = 1
    ) throws(AlgorithmError) -> KSelection {
        if range.lowerBound < 2 {
            throw AlgorithmError(
                .invalidK(range.lowerBound),
                "k range \(range.lowerBound)...\(range.upperBound) is invalid for automatic k: "
                    + "the silhouette needs at least 2 clusters, start the range at 2 or more")
        }
        if sampleSize < 2 {
            throw AlgorithmError.option("sampleSize", "= \(sampleSize) is invalid: use at least 2 rows")
        }
        var template = KMeans(
            k: range.lowerBound, nInit: nInit, maxIter: maxIter, tol: tol, seed: seed,
            algorithm: algorithm, threads: threads)
        try template.validateOptions()
        try validateShape(count: data.count, rows: rows, columns: columns)
        try checkFinite(data, columns: columns)
        let distinct = distinctRowCount(data, rows: rows, columns: columns, stopAt: range.upperBound)
        if distinct < range.lowerBound {
            throw AlgorithmError.tooFewDistinct(k: range.lowerBound, distinct: distinct)
        }
        let candidates = Array(range.lowerBound...min(range.upperBound, distinct))

        // One seeded sample of rows (partial Fisher–Yates), shared by every k.
        var rng = SeededGenerator(seed: seed, stream: 0x5E1E_C7)
        var order = Array(0..<rows)
        let s = min(sampleSize, rows)
        for i in 0..<s {
            let j = i + KMeansKernel.index(below: rows - i, using: &rng)
            order.swapAt(i, j)
        }
        let sample = order[0..<s].sorted()
        var sampled = [Double]()
        sampled.reserveCapacity(s * columns)
        for r in sample { sampled.append(contentsOf: data[(r * columns)..<((r + 1) * columns)]) }

        var silhouettes: [Double] = [], shares: [Double] = []
        var best: (k: Int, score: Double, result: KMeansResult)?
        for k in candidates {
            template.k = k
            let result = try template.fit(data, rows: rows, columns: columns)
            let labels = sample.map { result.labels[$0] }
            let score: Double
            do {
                score = try Silhouette.score(points: sampled, columns: columns, labels: labels)
            } catch {
                score = -1
            }
            silhouettes.append(score)
            let share = Double(result.clusterSizes.max() ?? 0) / Double(max(1, rows))
            shares.append(share)
            if share <= maxShare, best == nil || score > best!.score { best = (k, score, result) }
        }
        guard let best else {
            let tried = zip(candidates, shares).map { "k=\($0): \(Int(($1 * 100).rounded()))%" }.joined(separator: ", ")
            throw AlgorithmError(
                .dominantCluster(share: shares.min() ?? 1),
                "every k tried puts more than \(Int((maxShare * 100).rounded()))% of the rows in one segment (\(tried)): "
                    + "outliers are being split off the bulk; transform skewed columns (log1p, quantile), choose other columns, or raise max_share"
            )
        }
        var selection = KSelection(k: best.k, candidates: candidates, silhouettes: silhouettes, result: best.result)
        selection.largestShares = shares
        return selection
    }
}
