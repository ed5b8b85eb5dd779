/// A fitted per-column affine scaling `y = (x − center) / scale`, stored as plain arrays so it can
/// be saved (the caller encodes it) and applied later to new rows or users.
///
/// | kind | center | scale |
/// |---|---|---|
/// | `standard` | mean | population standard deviation (ddof 0, as scikit-learn) |
/// | `minMax` | minimum | maximum − minimum (output in [0, 1] on the fitted data) |
/// | `robust` | median | interquartile range q75 − q25 (linear interpolation, as NumPy) |
///
/// A zero scale (a constant column) is replaced by 1, so that column maps to 0 (standard,
/// robust: x − center; minMax: x − min). NaN values are treated as missing: `fit` ignores them
/// and `transform` passes them through; a column with no finite value gets center 0, scale 1.
package struct Scaler: Sendable, Equatable {
    package enum Kind: String, Sendable, CaseIterable {
        case standard, minMax, robust
    }

    package var kind: Kind
    /// Subtracted from each column.
    package var centers: [Double]
    /// Each column is divided by this (never 0).
    package var scales: [Double]

    /// Restores a stored scaler. `centers` and `scales` must have equal length; zero scales
    /// are replaced by 1.
    package init(kind: Kind, centers: [Double], scales: [Double]) {
        precondition(centers.count == scales.count, "centers and scales must have one entry per column")
        self.kind = kind
        self.centers = centers
        self.scales = scales.map { $0 == 0 || !$0.isFinite ? 1 : $0 }
    }

    /// Number of columns the scaler was fitted on.
    package var columnCount: Int { centers.count }

    // MARK: - Fitting

    /// Fits one center and scale per column. O(n) per column (O(n log n) for `robust`).
    package static func fit(_ kind: Kind, columns: [[Double]]) -> Scaler {
        var centers: [Double] = [], scales: [Double] = []
        for column in columns {
            let values = column.filter { !$0.isNaN }
            let (center, scale) = values.isEmpty ? (0, 1) : parameters(kind, values)
            centers.append(center)
            scales.append(scale)
        }
        return Scaler(kind: kind, centers: centers, scales: scales)
    }

    /// Fits on a row-major `rows × columns` matrix.
    package static func fit(_ kind: Kind, matrix: [Double], rows: Int, columns: Int) -> Scaler {
        precondition(matrix.count == rows * columns, "matrix must hold rows × columns values")
        return fit(kind, columns: columnsOf(matrix, rows: rows, columns: columns))
    }

    static func parameters(_ kind: Kind, _ values: [Double]) -> (Double, Double) {
        let n = Double(values.count)
        switch kind {
        case .standard:
            let mean = values.reduce(0, +) / n
            let variance = values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / n
            return (mean, variance.squareRoot())
        case .minMax:
            let lo = values.min()!, hi = values.max()!
            return (lo, hi - lo)
        case .robust:
            let sorted = values.sorted()
            let median = quantile(sorted, 0.5)
            return (median, quantile(sorted, 0.75) - quantile(sorted, 0.25))
        }
    }

    /// The q-quantile of ascending `sorted` with linear interpolation (NumPy's default).
    static func quantile(_ sorted: [Double], _ q: Double) -> Double {
        let position = q * Double(sorted.count - 1)
        let lower = Int(position.rounded(.down))
        let upper = min(lower + 1, sorted.count - 1)
        let fraction = position - Double(lower)
        return sorted[lower] + (sorted[upper] - sorted[lower]) * fraction
    }

    // MARK: - Applying

    /// Scales columns (one array per column, as fitted). O(n·d).
    /// - Throws: ``AlgorithmError`` when the number of columns differs from the fitted one.
    package func transform(columns: [[Double]]) throws(AlgorithmError) -> [[Double]] {
        try checkColumns(columns.count)
        return columns.enumerated().map { c, column in column.map { ($0 - centers[c]) / scales[c] } }
    }

    /// Undoes ``transform(columns:)``.
    package func inverseTransform(columns: [[Double]]) throws(AlgorithmError) -> [[Double]] {
        try checkColumns(columns.count)
        return columns.enumerated().map { c, column in column.map { $0 * scales[c] + centers[c] } }
    }

    /// Scales a row-major matrix with `columnCount` columns.
    package func transform(matrix: [Double]) throws(AlgorithmError) -> [Double] {
        try checkMatrix(matrix.count)
        let d = columnCount
        return matrix.enumerated().map { i, x in (x - centers[i % d]) / scales[i % d] }
    }

    /// Undoes ``transform(matrix:)``.
    package func inverseTransform(matrix: [Double]) throws(AlgorithmError) -> [Double] {
        try checkMatrix(matrix.count)
        let d = columnCount
        return matrix.enumerated().map { i, y in y * scales[i % d] + centers[i % d] }
    }

    // MARK: - Helpers

    func checkColumns(_ count: Int) throws(AlgorithmError) {
        if count != columnCount {
            throw AlgorithmError(
                expected: columnCount, actual: count,
                message: "the scaler was fitted on \(columnCount) column\(columnCount == 1 ? "" : "s") "
                    + "but got \(count): pass the same feature columns, in the same order, as when fitting")
        }
    }

    func checkMatrix(_ count: Int) throws(AlgorithmError) {
        if columnCount == 0 || count % columnCount != 0 {
            throw AlgorithmError(
                expected: columnCount, actual: count,
                message: "a matrix of \(count) values is not a whole number of rows of \(columnCount) "
                    + "columns: pass row-major rows with the fitted columns")
        }
    }

    static func columnsOf(_ matrix: [Double], rows: Int, columns: Int) -> [[Double]] {
        (0..<columns).map { c in (0..<rows).map { r in matrix[r * columns + c] } }
    }
}
