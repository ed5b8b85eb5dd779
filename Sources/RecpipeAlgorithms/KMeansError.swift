/// Why k-means, k selection or a silhouette score could not run. `message` says what went wrong
/// and how to fix it; `code` lets callers branch on the cause.
public struct KMeansError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The cause, with the numbers a caller may want to report.
    public enum Code: Sendable, Equatable {
        /// `k` (or a `selectK` range bound) is below 1 (below 2 for `selectK`).
        case invalidK(Int)
        /// `k` exceeds the number of distinct rows.
        case tooFewDistinctPoints(k: Int, distinct: Int)
        /// The matrix has no rows.
        case noRows
        /// The matrix has no columns.
        case noColumns
        /// `data.count` is not `rows * columns` (or a matching argument has the wrong length).
        case shapeMismatch(expected: Int, actual: Int)
        /// A NaN or infinite value at (row, column), both 0-based.
        case nonFiniteValue(row: Int, column: Int)
        /// An option such as `nInit`, `maxIter`, `tol` or `threads` is out of range.
        case invalidOption(name: String)
        /// Labels passed to a silhouette score do not form at least two clusters.
        case tooFewClusters(found: Int)
        /// Every k tried put more than the allowed share of rows in one cluster.
        case dominantCluster(share: Double)
    }

    public let code: Code
    public let message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }

    // MARK: - Constructors with the standard wording

    static func invalidK(_ k: Int) -> KMeansError {
        KMeansError(.invalidK(k), "k = \(k) is invalid: k-means needs at least one cluster (k >= 1)")
    }

    static func tooFewDistinct(k: Int, distinct: Int) -> KMeansError {
        KMeansError(
            .tooFewDistinctPoints(k: k, distinct: distinct),
            "k = \(k) but only \(distinct) distinct point\(distinct == 1 ? "" : "s"): "
                + "lower k to at most \(distinct) or provide more varied data")
    }

    static func nonFinite(row: Int, column: Int, value: Double) -> KMeansError {
        let what = value.isNaN ? "NaN" : "infinite (\(value))"
        return KMeansError(
            .nonFiniteValue(row: row, column: column),
            "row \(row), column \(column) (0-based) is \(what): k-means needs finite numbers; "
                + "drop or impute missing values before clustering")
    }

    static func option(_ name: String, _ detail: String) -> KMeansError {
        KMeansError(.invalidOption(name: name), "\(name) \(detail)")
    }
}
