/// Builds top-K neighbour lists between the rows of a sparse rating matrix — never a dense
/// n × n similarity matrix.
///
/// Pass users × items for user–user neighbours, or its `transposed()` (items × users) for
/// item–item neighbours. For each row x, co-rating statistics with every other row x′ are
/// accumulated through the inverted index (x → its columns y → the other rows that have y) into
/// per-thread dense scratch, then turned into similarities (`SimilarityMeasure`) and the best K
/// kept (score descending, ties by index ascending). Rows run in parallel; each row's result is
/// independent of scheduling, and sim(x, x′) == sim(x′, x) bit for bit.
///
/// Complexity: O(Σ_y deg(y)²) time (deg(y) = entries in column y), O(rows × K) output,
/// O(threads × rows) scratch.
public enum KNNIndex {
    /// Neighbour lists for every row of `matrix`.
    ///
    /// - Parameters:
    ///   - neighbors: K, the list length; nil keeps every neighbour (exact Surprise-style
    ///     prediction needs all positive similarities).
    ///   - biases: required for `.pearsonBaseline` (row/column biases of `matrix`'s orientation).
    ///   - keepNonPositive: keep similarities ≤ 0 (dropped by default: they never contribute to a
    ///     prediction).
    ///   - maxMemoryBytes: refuse with `.memoryLimitExceeded` before computing when
    ///     `KNNMemory.estimateBytes` is over it.
    ///   - entity: what a row is, for messages ("user", "item").
    public static func build(
        _ matrix: SparseMatrix, neighbors: Int?, options: SimilarityOptions, biases: BiasTerms? = nil,
        keepNonPositive: Bool = false, maxMemoryBytes: Int? = nil, entity: String = "row"
    ) throws(KNNError) -> NeighborLists {
        if let neighbors, neighbors < 1 {
            throw KNNError.invalid("`neighbors` must be at least 1 (got \(neighbors)); use a positive list length")
        }
        try KNNMemory.check(
            rows: matrix.rows, nonZeros: matrix.nonZeroCount, neighbors: neighbors, maxBytes: maxMemoryBytes,
            entity: entity)
        let data = try transformed(matrix, options: options, biases: biases)
        let inverted = data.transposed()
        let k = min(neighbors ?? matrix.rows, max(0, matrix.rows - 1))
        let rowCounts = (0..<matrix.rows).map { matrix.rowCount($0) }
        let parts = Parallel.mapChunks(count: matrix.rows, minChunk: 8) { rows in
            neighborsChunk(rows, data: data, inverted: inverted, k: k, options: options,
                           rowCounts: rowCounts, keepNonPositive: keepNonPositive)
        }
        return concatenate(parts, rows: matrix.rows)
    }

    /// The similarity of rows `a` and `b` computed directly by merging the two rows — the
    /// reference the parallel kernel must agree with. O(len(a) + len(b)) after the transform.
    public static func similarity(
        _ matrix: SparseMatrix, _ a: Int, _ b: Int, options: SimilarityOptions, biases: BiasTerms? = nil
    ) throws(KNNError) -> Double {
        let data = try transformed(matrix, options: options, biases: biases)
        var stats = SimilarityStatistics()
        var p = data.rowPointers[a], q = data.rowPointers[b]
        let pe = data.rowPointers[a + 1], qe = data.rowPointers[b + 1]
        while p < pe && q < qe {
            let ca = data.columns[p], cb = data.columns[q]
            if ca == cb {
                stats.add(Double(data.values[p]), Double(data.values[q]))
                p += 1
                q += 1
            } else if ca < cb {
                p += 1
            } else {
                q += 1
            }
        }
        return stats.similarity(options, countA: matrix.rowCount(a), countB: matrix.rowCount(b))
    }

    // MARK: - Transform

    /// The values the measure compares: raw, column-mean centred (adjusted cosine) or baseline
    /// residuals (pearson baseline).
    static func transformed(
        _ matrix: SparseMatrix, options: SimilarityOptions, biases: BiasTerms?
    ) throws(KNNError) -> SparseMatrix {
        var out = matrix
        switch options.measure {
        case .cosine, .pearson, .jaccard, .msd:
            return matrix
        case .adjustedCosine:
            var sums = [Double](repeating: 0, count: matrix.cols)
            var counts = [Int](repeating: 0, count: matrix.cols)
            for p in 0..<matrix.nonZeroCount {
                sums[Int(matrix.columns[p])] += Double(matrix.values[p])
                counts[Int(matrix.columns[p])] += 1
            }
            for p in 0..<matrix.nonZeroCount {
                let c = Int(matrix.columns[p])
                out.values[p] = Float(Double(matrix.values[p]) - sums[c] / Double(counts[c]))
            }
        case .pearsonBaseline:
            guard let biases else {
                throw KNNError.invalid("similarity `pearsonBaseline` needs baselines; fit a `BaselineModel` first")
            }
            guard biases.rowBias.count == matrix.rows, biases.columnBias.count == matrix.cols else {
                throw KNNError(
                    .dimensionMismatch,
                    "baselines have \(biases.rowBias.count) row and \(biases.columnBias.count) column biases but the "
                        + "matrix is \(matrix.rows) × \(matrix.cols); fit them on the same matrix and orientation")
            }
            for r in 0..<matrix.rows {
                for p in matrix.rowRange(r) {
                    let c = Int(matrix.columns[p])
                    out.values[p] = Float(
                        Double(matrix.values[p]) - (biases.globalMean + biases.rowBias[r] + biases.columnBias[c]))
                }
            }
        }
        return out
    }

    // MARK: - Kernel

    private struct Chunk {
        var counts: [Int]
        var indices: [Int32]
        var scores: [Float]
    }

    private static func neighborsChunk(
        _ rows: Range<Int>, data: SparseMatrix, inverted: SparseMatrix, k: Int, options: SimilarityOptions,
        rowCounts: [Int], keepNonPositive: Bool
    ) -> Chunk {
        let n = data.rows
        let measure = options.measure
        // Dense per-chunk scratch, indexed by the other row x′; only touched slots are non-zero.
        let freq = UnsafeMutableBufferPointer<Int32>.allocate(capacity: n)
        let stats = UnsafeMutableBufferPointer<Double>.allocate(capacity: 5 * n)
        let touched = UnsafeMutableBufferPointer<Int32>.allocate(capacity: n)
        freq.initialize(repeating: 0)
        stats.initialize(repeating: 0)
        defer {
            freq.deallocate()
            stats.deallocate()
            touched.deallocate()
        }
        let prods = stats.baseAddress!, sqA = prods + n, sqB = prods + 2 * n, sumA = prods + 3 * n, sumB = prods + 4 * n
        let selector = TopKSelector(capacity: k)
        var chunk = Chunk(counts: [], indices: [], scores: [])
        chunk.counts.reserveCapacity(rows.count)
        data.rowPointers.withUnsafeBufferPointer { rp in
        data.columns.withUnsafeBufferPointer { cols in
        data.values.withUnsafeBufferPointer { vals in
        inverted.rowPointers.withUnsafeBufferPointer { ip in
        inverted.columns.withUnsafeBufferPointer { icols in
        inverted.values.withUnsafeBufferPointer { ivals in
            for x in rows {
                var touchedCount = 0
                for p in rp[x]..<rp[x + 1] {
                    let y = Int(cols[p])
                    let a = Double(vals[p])
                    let q0 = ip[y], q1 = ip[y + 1]
                    // One loop per family of statistics, so the inner loop does not branch on the measure.
                    switch measure {
                    case .jaccard:
                        for q in q0..<q1 {
                            let x2 = Int(icols[q])
                            if freq[x2] == 0 { touched[touchedCount] = Int32(x2); touchedCount += 1 }
                            freq[x2] += 1
                        }
                    case .msd:
                        for q in q0..<q1 {
                            let x2 = Int(icols[q])
                            if freq[x2] == 0 { touched[touchedCount] = Int32(x2); touchedCount += 1 }
                            freq[x2] += 1
                            let d = a - Double(ivals[q])
                            prods[x2] += d * d
                        }
                    case .pearson:
                        for q in q0..<q1 {
                            let x2 = Int(icols[q])
                            if freq[x2] == 0 { touched[touchedCount] = Int32(x2); touchedCount += 1 }
                            freq[x2] += 1
                            let b = Double(ivals[q])
                            prods[x2] += a * b
                            sqA[x2] += a * a
                            sqB[x2] += b * b
                            sumA[x2] += a
                            sumB[x2] += b
                        }
                    case .cosine, .adjustedCosine, .pearsonBaseline:
                        for q in q0..<q1 {
                            let x2 = Int(icols[q])
                            if freq[x2] == 0 { touched[touchedCount] = Int32(x2); touchedCount += 1 }
                            freq[x2] += 1
                            let b = Double(ivals[q])
                            prods[x2] += a * b
                            sqA[x2] += a * a
                            sqB[x2] += b * b
                        }
                    }
                }
                for t in 0..<touchedCount {
                    let x2 = Int(touched[t])
                    if x2 != x {
                        var s = SimilarityStatistics()
                        s.n = Int(freq[x2])
                        if measure == .msd { s.sqDiff = prods[x2] } else { s.prods = prods[x2] }
                        s.sqA = sqA[x2]
                        s.sqB = sqB[x2]
                        s.sumA = sumA[x2]
                        s.sumB = sumB[x2]
                        let sim = s.similarity(options, countA: rowCounts[x], countB: rowCounts[x2])
                        if sim > 0 || keepNonPositive { selector.offer(Int32(x2), sim) }
                    }
                    freq[x2] = 0
                    prods[x2] = 0
                    sqA[x2] = 0
                    sqB[x2] = 0
                    sumA[x2] = 0
                    sumB[x2] = 0
                }
                chunk.counts.append(selector.drain(indices: &chunk.indices, scores: &chunk.scores))
            }
        }}}}}}
        return chunk
    }

    private static func concatenate(_ parts: [Chunk], rows: Int) -> NeighborLists {
        var ptr = [Int](repeating: 0, count: rows + 1)
        var r = 0
        for part in parts {
            for c in part.counts {
                ptr[r + 1] = ptr[r] + c
                r += 1
            }
        }
        var indices: [Int32] = []
        var scores: [Float] = []
        indices.reserveCapacity(ptr[rows])
        scores.reserveCapacity(ptr[rows])
        for part in parts {
            indices.append(contentsOf: part.indices)
            scores.append(contentsOf: part.scores)
        }
        return NeighborLists(rowPointers: ptr, indices: indices, scores: scores)
    }
}
