/// Why k-means, k selection or a silhouette score could not run: an ``AlgorithmError`` with the
/// standard wording.
extension AlgorithmError {
    // MARK: - Constructors with the standard wording

    static func invalidK(_ k: Int) -> AlgorithmError {
        AlgorithmError(.invalidK(k), "k = \(k) is invalid: k-means needs at least one cluster (k >= 1)")
    }

    static func tooFewDistinct(k: Int, distinct: Int) -> AlgorithmError {
        AlgorithmError(
            .tooFewDistinctPoints(k: k, distinct: distinct),
            "k = \(k) but only \(distinct) distinct point\(distinct == 1 ? "" : "s"): "
                + "lower k to at most \(distinct) or provide more varied data")
    }

    static func nonFinite(row: Int, column: Int, value: Double) -> AlgorithmError {
        let what = value.isNaN ? "NaN" : "infinite (\(value))"
        return AlgorithmError(
            .nonFiniteValue(row: row, column: column),
            "row \(row), column \(column) (0-based) is \(what): k-means needs finite numbers; "
                + "drop or impute missing values before clustering")
    }

    static func option(_ name: String, _ detail: String) -> AlgorithmError {
        AlgorithmError(.invalidOption(name: name), "\(name) \(detail)")
    }
}
