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
package enum KNNIndex {
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
    package static func build(
        _ matrix: SparseMatrix, neighbors: Int?, options: SimilarityOptions, biases: BiasTerms? = nil,
        keepNonPositive: Bool = false, maxMemoryBytes: Int? = nil, entity: String = "row"
    ) throws(AlgorithmError) -> NeighborLists {
        if let neighbors, neighbors < 1 {
            throw AlgorithmError.invalid(
                "`neighbors` must be at least 1 (got \(neighbors)); use a positive list length")
        }
        try KNNMemory.check(
            rows: matrix.rows, nonZeros: matrix.nonZeroCount, neighbors: neighbors, maxBytes: maxMemoryBytes,
            entity: entity)
        let data = try transformed(matrix, options: options, biases: biases)
        let inverted = data.transposed()
        let k = min(neighbors ?? matrix.rows, max(0, matrix.rows - 1))
        let rowCounts = (0..<matrix.rows).map { matrix.rowCount($0) }
        let parts = data.withRows { rows in
            inverted.withRows { columns in
                Parallel.mapChunks(count: matrix.rows, minChunk: 8) { range in
                    neighborsChunk(
                        range, rows: rows, columns: columns, k: k, options: options,
                        rowCounts: rowCounts, keepNonPositive: keepNonPositive)
                }
            }
        }
        return NeighborLists(chunks: parts, rows: matrix.rows)
    }

    /// The similarity of rows `a` and `b` computed directly by merging the two rows — the
    /// reference the parallel kernel must agree with. O(len(a) + len(b)) after the transform.
    package static func similarity(
        _ matrix: SparseMatrix, _ a: Int, _ b: Int, options: SimilarityOptions, biases: BiasTerms? = nil
    ) throws(AlgorithmError) -> Double {
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
    ) throws(AlgorithmError) -> SparseMatrix {
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
                throw AlgorithmError.invalid(
                    "similarity `pearsonBaseline` needs baselines; fit a `BaselineModel` first")
            }
            guard biases.rowBias.count == matrix.rows, biases.columnBias.count == matrix.cols else {
                throw AlgorithmError(
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

    /// Neighbour lists of `range`: `rows` = the transformed matrix, `columns` = its transpose.
    private static func neighborsChunk(
        _ range: Range<Int>, rows: CSRRows, columns: CSRRows, k: Int, options: SimilarityOptions,
        rowCounts: [Int], keepNonPositive: Bool
    ) -> RankedLists.Chunk {
        let n = rows.rowCount
        let measure = options.measure
        // Dense per-chunk scratch, indexed by the other row x′; only touched slots are non-zero.
        let counters = KernelScratch<Int32>(rows: 2, width: max(1, n), repeating: 0)
        let stats = KernelScratch<Double>(rows: 5, width: max(1, n), repeating: 0)
        defer { withExtendedLifetime((counters, stats)) {} }
        let freq = counters.row(0), touched = counters.row(1)
        let prods = stats.row(0), sqA = stats.row(1), sqB = stats.row(2), sumA = stats.row(3), sumB = stats.row(4)
        let selector = TopKSelector(capacity: k)
        var chunk = RankedLists.Chunk()
        chunk.counts.reserveCapacity(range.count)
        for x in range {
            var touchedCount = 0
            for p in rows.range(x) {
                let y = rows.column(p)
                let a = Double(rows.value(p))
                let others = columns.range(y)
                // One loop per family of statistics, so the inner loop does not branch on the measure.
                switch measure {
                case .jaccard:
                    for q in others {
                        let x2 = columns.column(q)
                        if freq[x2] == 0 { touched[touchedCount] = Int32(x2); touchedCount += 1 }
                        freq[x2] += 1
                    }
                case .msd:
                    for q in others {
                        let x2 = columns.column(q)
                        if freq[x2] == 0 { touched[touchedCount] = Int32(x2); touchedCount += 1 }
                        freq[x2] += 1
                        let d = a - Double(columns.value(q))
                        prods[x2] += d * d
                    }
                case .pearson:
                    for q in others {
                        let x2 = columns.column(q)
                        if freq[x2] == 0 { touched[touchedCount] = Int32(x2); touchedCount += 1 }
                        freq[x2] += 1
                        let b = Double(columns.value(q))
                        prods[x2] += a * b
                        sqA[x2] += a * a
                        sqB[x2] += b * b
                        sumA[x2] += a
                        sumB[x2] += b
                    }
                case .cosine, .adjustedCosine, .pearsonBaseline:
                    for q in others {
                        let x2 = columns.column(q)
                        if freq[x2] == 0 { touched[touchedCount] = Int32(x2); touchedCount += 1 }
                        freq[x2] += 1
                        let b = Double(columns.value(q))
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
        return chunk
    }
}
