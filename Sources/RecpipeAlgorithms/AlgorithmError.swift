/// Why a numeric algorithm (kNN and similarities, splits and metrics, k-means and silhouettes,
/// ALS, scalers) could not run: a message that says what went wrong and how to fix it, and a
/// code callers branch on. One type for the whole module, an internal-cases-may-grow code enum
/// like swift-subprocess's error; stages turn it into a located ``StageError``.
package struct AlgorithmError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The cause, with the numbers a caller may want to report; cases may grow.
    package enum Code: Sendable, Equatable {
        /// The computation would need more memory than allowed.
        case memoryLimitExceeded
        /// A parameter or option is out of its valid range.
        case invalidParameter
        /// Inputs disagree in size or shape.
        case dimensionMismatch
        /// An option such as `nInit`, `maxIter`, `tol` or `threads` is out of range.
        case invalidOption(name: String)
        /// `k` (or a `selectK` range bound) is below 1 (below 2 for `selectK`).
        case invalidK(Int)
        /// `k` exceeds the number of distinct rows.
        case tooFewDistinctPoints(k: Int, distinct: Int)
        /// The matrix has no rows.
        case noRows
        /// The matrix has no columns.
        case noColumns
        /// A length is not the expected one (`data.count` is not `rows * columns`, a scaler
        /// applied to other columns than it was fitted on).
        case shapeMismatch(expected: Int, actual: Int)
        /// A NaN or infinite value at (row, column), both 0-based.
        case nonFiniteValue(row: Int, column: Int)
        /// Labels passed to a silhouette score do not form at least two clusters.
        case tooFewClusters(found: Int)
        /// Every k tried put more than the allowed share of rows in one cluster.
        case dominantCluster(share: Double)
        /// A solve failed numerically (normal equations not positive definite, non-finite factors)
        /// or a model was queried outside its range.
        case failed
    }

    package let code: Code
    package let message: String

    package init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    package var description: String { message }
}

extension AlgorithmError {
    /// An ALS failure (code `failed`).
    package init(message: String) { self.init(.failed, message) }

    /// A scaler given other columns than it was fitted on.
    package init(expected: Int, actual: Int, message: String) {
        self.init(.shapeMismatch(expected: expected, actual: actual), message)
    }

    /// For a shape mismatch: the length expected and the one received.
    package var expected: Int? { if case .shapeMismatch(let e, _) = code { e } else { nil } }
    package var actual: Int? { if case .shapeMismatch(_, let a) = code { a } else { nil } }
}
