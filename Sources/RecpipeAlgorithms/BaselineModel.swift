/// Baseline rating estimates b_ui = μ + b_u + b_i, fitted by alternating least squares exactly
/// as scikit-surprise's `baseline_only` ALS (`bsl_options = {'method': 'als'}`).
///
/// Each epoch first sets every item bias, then every user bias:
/// b_i = Σ_{u ∈ U_i} (r_ui − μ − b_u) / (reg_i + |U_i|), then
/// b_u = Σ_{i ∈ I_u} (r_ui − μ − b_i) / (reg_u + |I_u|), starting from zeros.
/// Complexity: O(epochs × nnz) time, O(users + items) memory.
package struct BaselineModel: Sendable, Equatable {
    /// Fitting options (Surprise's defaults).
    package struct Options: Sendable, Equatable {
        package var epochs: Int
        package var userRegularization: Double
        package var itemRegularization: Double

        package init(epochs: Int = 10, userRegularization: Double = 15, itemRegularization: Double = 10) {
            self.epochs = epochs
            self.userRegularization = userRegularization
            self.itemRegularization = itemRegularization
        }
    }

    /// Mean of all training ratings (μ).
    package var globalMean: Double
    package var userBias: [Double]
    package var itemBias: [Double]

    /// Fits the biases on a users × items rating matrix.
    package init(ratings: SparseMatrix, options: Options = Options()) throws(AlgorithmError) {
        guard options.epochs >= 0 else {
            throw AlgorithmError.invalid("baseline `epochs` must be ≥ 0 (got \(options.epochs))")
        }
        guard options.userRegularization >= 0, options.itemRegularization >= 0 else {
            throw AlgorithmError.invalid(
                "baseline regularization must be ≥ 0 (got reg_u \(options.userRegularization), "
                    + "reg_i \(options.itemRegularization))")
        }
        let byItem = ratings.transposed()
        var total = 0.0
        for v in ratings.values { total += Double(v) }
        let mu = ratings.nonZeroCount > 0 ? total / Double(ratings.nonZeroCount) : 0
        var bu = [Double](repeating: 0, count: ratings.rows)
        var bi = [Double](repeating: 0, count: ratings.cols)
        for _ in 0..<options.epochs {
            for i in 0..<byItem.rows {
                var dev = 0.0
                for p in byItem.rowRange(i) { dev += Double(byItem.values[p]) - mu - bu[Int(byItem.columns[p])] }
                bi[i] = dev / (options.itemRegularization + Double(byItem.rowCount(i)))
            }
            for u in 0..<ratings.rows {
                var dev = 0.0
                for p in ratings.rowRange(u) { dev += Double(ratings.values[p]) - mu - bi[Int(ratings.columns[p])] }
                bu[u] = dev / (options.userRegularization + Double(ratings.rowCount(u)))
            }
        }
        for i in 0..<bi.count where !bi[i].isFinite { bi[i] = 0 }
        for u in 0..<bu.count where !bu[u].isFinite { bu[u] = 0 }
        globalMean = mu
        userBias = bu
        itemBias = bi
    }

    /// μ + b_u + b_i, with a bias counted as 0 for an index out of range.
    package func estimate(user: Int, item: Int) -> Double {
        var e = globalMean
        if user >= 0 && user < userBias.count { e += userBias[user] }
        if item >= 0 && item < itemBias.count { e += itemBias[item] }
        return e
    }

    /// The biases in a kNN orientation: rows = users when `userBased`, else rows = items.
    package func biasTerms(userBased: Bool) -> BiasTerms {
        userBased
            ? BiasTerms(globalMean: globalMean, rowBias: userBias, columnBias: itemBias)
            : BiasTerms(globalMean: globalMean, rowBias: itemBias, columnBias: userBias)
    }
}
