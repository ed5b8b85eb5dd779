/// k-means clustering of a dense row-major `Double` matrix (rows = points, columns = features).
///
/// - Initialisation: greedy k-means++ (scikit-learn's variant, `2 + ⌊ln k⌋` local trials).
/// - Iteration: Lloyd, Hamerly (one lower bound per row) or Elkan (k lower bounds per row); all
///   three produce the same labels from the same start (barring distance ties at rounding
///   level). `.auto` picks Hamerly: on 200,000 × 16 blobs with k = 20 it ran 45% fewer
///   instructions than Lloyd and 7% fewer than Elkan, with O(n) rather than O(n·k) bound memory.
/// - Convergence (as scikit-learn): stop when no label changes ("strict"), or when the summed
///   squared centre shift is `<= tol × mean column variance`; after a tolerance or `maxIter`
///   stop, one last assignment pass makes labels (and inertia) match the returned centroids.
/// - Empty clusters: re-seeded with the rows farthest from their own centre (each taken from a
///   cluster that keeps at least one row), counted in ``KMeansResult/emptyClusterReseeds``.
/// - Restarts: `nInit` runs (default 1, scikit-learn's `n_init="auto"` for k-means++), each from
///   its own stream of `seed`; the lowest inertia wins, the earliest run on ties.
/// - Reproducibility: every pass works on fixed 2048-row blocks and combines block partials in
///   block order, so the same seed gives bit-identical output for any `threads`.
///
/// Complexity per iteration: O(n·k·d) for Lloyd; far fewer distance evaluations for Hamerly/Elkan
/// once centres settle. Memory: O(n) extra (Hamerly), O(n·k) extra (Elkan).
package struct KMeans: Sendable {
    /// The iteration algorithm.
    package enum Algorithm: String, Sendable, CaseIterable {
        case lloyd, elkan, hamerly, auto
    }

    package var k: Int
    package var nInit: Int
    package var maxIter: Int
    /// Relative tolerance; the absolute threshold is `tol` × the mean column variance.
    package var tol: Double
    package var seed: UInt64
    package var algorithm: Algorithm
    /// Worker cap; `nil` uses every active processor. Does not change the output.
    package var threads: Int?

    package init(
        k: Int, nInit: Int = 1, maxIter: Int = 300, tol: Double = 1e-4, seed: UInt64 = 0,
        algorithm: Algorithm = .auto, threads: Int? = nil
    ) {
        self.k = k
        self.nInit = nInit
        self.maxIter = maxIter
        self.tol = tol
        self.seed = seed
        self.algorithm = algorithm
        self.threads = threads
    }

    /// The algorithm `.auto` resolves to.
    var resolvedAlgorithm: Algorithm { algorithm == .auto ? .hamerly : algorithm }

    // MARK: - Fitting

    /// Clusters `rows × columns` values (row-major).
    /// - Throws: ``AlgorithmError`` for k < 1, k above the number of distinct rows, an empty or
    ///   mis-shaped matrix, NaN/infinite values, or invalid options.
    package func fit(_ data: [Double], rows: Int, columns: Int) throws(AlgorithmError) -> KMeansResult {
        try validate(data, rows: rows, columns: columns)
        let tolScaled = Self.scaledTolerance(data, rows: rows, columns: columns, tol: tol)
        var best: KMeansResult?
        for run in 0..<nInit {
            var rng = SeededGenerator(seed: seed, stream: UInt64(run))
            let initial = data.withUnsafeBufferPointer { p in
                Self.plusPlusCentres(
                    data: p.baseAddress!, rows: rows, columns: columns, k: k, rng: &rng, threads: threads)
            }
            var result = runSingle(data, rows: rows, columns: columns, initial: initial, tolScaled: tolScaled)
            result.run = run
            if best == nil || result.inertia < best!.inertia { best = result }
        }
        return best!
    }

    /// Clusters `Float` data (converted to `Double` once; O(n·d) extra memory).
    package func fit(_ data: [Float], rows: Int, columns: Int) throws(AlgorithmError) -> KMeansResult {
        try fit(data.map(Double.init), rows: rows, columns: columns)
    }

    /// One run from the given `k × columns` starting centroids (row-major); `nInit` and `seed` are
    /// not used. Lets callers compare algorithms from one start or warm-start from a stored model.
    package func fit(
        _ data: [Double], rows: Int, columns: Int, initialCentroids: [Double]
    ) throws(AlgorithmError) -> KMeansResult {
        try validate(data, rows: rows, columns: columns)
        if initialCentroids.count != k * columns {
            throw AlgorithmError(
                .shapeMismatch(expected: k * columns, actual: initialCentroids.count),
                "initialCentroids holds \(initialCentroids.count) values but k = \(k) centroids × "
                    + "\(columns) columns need \(k * columns)")
        }
        try Self.checkFinite(initialCentroids, columns: columns)
        let tolScaled = Self.scaledTolerance(data, rows: rows, columns: columns, tol: tol)
        return runSingle(data, rows: rows, columns: columns, initial: initialCentroids, tolScaled: tolScaled)
    }

    // MARK: - One run

    func runSingle(
        _ data: [Double], rows n: Int, columns d: Int, initial: [Double], tolScaled: Double
    ) -> KMeansResult {
        let algorithm = resolvedAlgorithm
        let ws = KMeansWorkspace(n: n, d: d, k: k, algorithm: algorithm, initial: initial)
        var history: [Double] = []
        var reseeds = 0
        var converged = false, strict = false
        var iterations = 0
        data.withUnsafeBufferPointer { buffer in
            let x = buffer.baseAddress!
            while iterations < maxIter {
                iterations += 1
                ws.assign(data: x, threads: threads)
                let (inertia, changed) = ws.reduce()
                history.append(inertia)
                if changed == 0 {
                    converged = true
                    strict = true
                    break
                }
                reseeds += relocateEmptyClusters(ws, data: x)
                let shiftTotal = updateCentres(ws)
                ws.loosenBounds(threads: threads)
                if shiftTotal <= tolScaled {
                    converged = true
                    break
                }
            }
            if !strict {
                // Final E-step: labels for the returned centres (the bounds are already valid).
                ws.assign(data: x, threads: threads)
                _ = ws.reduce()
            }
        }
        var inertia = 0.0
        for b in 0..<ws.blocks { inertia += ws.blockInertia[b] }
        return KMeansResult(
            labels: Array(ws.labels), centroids: Array(ws.centres), columns: d, inertia: inertia,
            iterations: iterations, inertiaHistory: history, emptyClusterReseeds: reseeds,
            converged: converged, algorithm: algorithm, run: 0)
    }

    /// Moves `next` ← cluster means (an empty cluster keeps its centre), records the shifts and
    /// swaps it in. - Returns: the summed squared shift. O(k·d).
    func updateCentres(_ ws: KMeansWorkspace) -> Double {
        let d = ws.d
        var total = 0.0
        for j in 0..<ws.k {
            let count = ws.counts[j]
            for t in 0..<d {
                ws.next[j * d + t] = count > 0 ? ws.sums[j * d + t] / Double(count) : ws.centres[j * d + t]
            }
            let moved = KMeansKernel.squaredDistance(
                ws.next.baseAddress! + j * d, ws.centres.baseAddress! + j * d, d)
            ws.shift[j] = moved.squareRoot()
            total += moved
        }
        for i in 0..<(ws.k * d) { ws.centres[i] = ws.next[i] }
        return total
    }
}
