// MARK: - Input checks

extension KMeans {
    /// Checks options, shape and values; throws the first problem found.
    /// O(n·d) for the finiteness scan, plus the distinct-row count (stops as soon as `k` distinct
    /// rows are seen, so usually O(k·d)).
    func validate(_ data: [Double], rows: Int, columns: Int) throws(AlgorithmError) {
        try validateOptions()
        try Self.validateShape(count: data.count, rows: rows, columns: columns)
        try Self.checkFinite(data, columns: columns)
        let distinct = Self.distinctRowCount(data, rows: rows, columns: columns, stopAt: k)
        if distinct < k { throw AlgorithmError.tooFewDistinct(k: k, distinct: distinct) }
    }

    func validateOptions() throws(AlgorithmError) {
        if k < 1 { throw AlgorithmError.invalidK(k) }
        if nInit < 1 { throw AlgorithmError.option("nInit", "= \(nInit) is invalid: use at least 1 restart") }
        if maxIter < 1 { throw AlgorithmError.option("maxIter", "= \(maxIter) is invalid: use at least 1 iteration") }
        if !(tol >= 0) || !tol.isFinite {
            throw AlgorithmError.option("tol", "= \(tol) is invalid: use a finite tolerance >= 0 (default 1e-4)")
        }
        if let t = threads, t < 1 {
            throw AlgorithmError.option("threads", "= \(t) is invalid: use at least 1 thread (or leave it unset)")
        }
    }

    static func validateShape(count: Int, rows: Int, columns: Int) throws(AlgorithmError) {
        if rows < 1 {
            throw AlgorithmError(.noRows, "the data has no rows: k-means needs at least one point")
        }
        if columns < 1 {
            throw AlgorithmError(.noColumns, "the data has no columns: k-means needs at least one feature")
        }
        if count != rows * columns {
            throw AlgorithmError(
                .shapeMismatch(expected: rows * columns, actual: count),
                "the data holds \(count) values but \(rows) rows × \(columns) columns need "
                    + "\(rows * columns): pass a row-major matrix of exactly rows × columns values")
        }
    }

    static func checkFinite(_ data: [Double], columns: Int) throws(AlgorithmError) {
        // Fast path: a sum of x·0 is NaN iff some x is NaN or infinite.
        var probe = 0.0
        for x in data { probe += x * 0 }
        if probe == 0 { return }
        for (i, x) in data.enumerated() where !x.isFinite {
            throw AlgorithmError.nonFinite(row: i / columns, column: i % columns, value: x)
        }
    }

    /// The number of distinct rows, counting no further than `stopAt`. `-0.0` equals `0.0`.
    static func distinctRowCount(_ data: [Double], rows: Int, columns: Int, stopAt: Int) -> Int {
        var seen = Set<[UInt64]>()
        var key = [UInt64](repeating: 0, count: columns)
        for r in 0..<rows {
            for c in 0..<columns { key[c] = (data[r * columns + c] + 0.0).bitPattern }
            seen.insert(key)
            if seen.count >= stopAt { break }
        }
        return seen.count
    }

    // MARK: - Column statistics

    /// Indices of columns whose values are all equal. Constant columns are legal input (they do not
    /// move any distance) but carry no information; callers may report or drop them. O(n·d).
    package static func constantColumns(_ data: [Double], rows: Int, columns: Int) -> [Int] {
        guard rows > 0, columns > 0, data.count >= rows * columns else { return [] }
        var constant = [Bool](repeating: true, count: columns)
        for r in 1..<max(1, rows) {
            for c in 0..<columns where constant[c] && data[r * columns + c] != data[c] {
                constant[c] = false
            }
        }
        return constant.indices.filter { constant[$0] }
    }

    /// scikit-learn's absolute tolerance: `tol` × the mean over columns of the population variance.
    /// O(n·d).
    static func scaledTolerance(_ data: [Double], rows: Int, columns: Int, tol: Double) -> Double {
        var mean = [Double](repeating: 0, count: columns)
        for r in 0..<rows { for c in 0..<columns { mean[c] += data[r * columns + c] } }
        for c in 0..<columns { mean[c] /= Double(rows) }
        var variance = [Double](repeating: 0, count: columns)
        for r in 0..<rows {
            for c in 0..<columns {
                let e = data[r * columns + c] - mean[c]
                variance[c] += e * e
            }
        }
        let meanVariance = variance.reduce(0, +) / Double(rows * columns)
        return tol * meanVariance
    }
}
