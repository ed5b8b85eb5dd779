/// A user vector computed by `ALSModel.foldIn` against fixed item factors.
package struct ALSFoldedUser: Sendable, Equatable {
    /// `factors` values.
    package var factors: [Float]
    /// The user bias b_u (explicit models with biases; otherwise 0).
    package var bias: Float
}

/// Why an implicit model scores an item for a user (`ALSModel.explain`).
package struct ALSExplanation: Sendable, Equatable {
    /// `x_u·y_item` with `x_u` the exact (Cholesky) solution for the user's interactions; equals
    /// the sum of all contributions.
    package var score: Float
    /// The largest contributions of the user's liked items, best first (ties: lower item first).
    package var contributions: [ALSScoredItem]
}

/// `YᵀY` of a model's item factors, computed once and handed to every fold-in of that model
/// (`ALSModel.foldIn(_:gram:)`), so a fold-in costs O(n·f² + f³) instead of O(items·f²).
package struct ALSItemGram: Sendable, Equatable {
    /// The full symmetric `f×f` matrix, row-major.
    package let values: [Float]
    let factors: Int
    let itemCount: Int
}

// MARK: - Fold-in

extension ALSModel {
    /// `YᵀY` of the item factors, for `foldIn(_:gram:)`. O(items·f²), bit-identical to the one a
    /// fold-in without it computes.
    package func itemGram() -> ALSItemGram {
        ALSItemGram(
            values: ALSLinearAlgebra.gram(itemFactors, rows: itemCount, f: factors, threads: 1), factors: factors,
            itemCount: itemCount)
    }

    /// The vector of a new user from their `(item, value)` interactions, with the item factors
    /// fixed: the same per-row least-squares problem as training, solved exactly (Cholesky) —
    /// so folding in a training user's row reproduces the trained vector up to the CG tolerance.
    /// Duplicate items are summed. No interactions give a zero vector.
    /// O(items·f² + n·f² + f³).
    package func foldIn(_ interactions: [(item: Int, value: Float)]) throws -> ALSFoldedUser {
        try foldIn(interactions, gram: nil)
    }

    /// `foldIn(_:)` with `YᵀY` precomputed by `itemGram()` (explicit models do not use it).
    /// O(n·f² + f³) with a gram.
    package func foldIn(_ interactions: [(item: Int, value: Float)], gram: ALSItemGram?) throws -> ALSFoldedUser {
        if let gram, gram.factors != factors || gram.itemCount != itemCount {
            throw AlgorithmError(
                message:
                    "the item gram matrix is of another model (\(gram.itemCount) items × \(gram.factors) factors; this one has \(itemCount) × \(factors))"
            )
        }
        let row = try interactionRow(interactions)
        switch kind {
        case .implicit(var options):
            options.solver = .cholesky
            options.threads = 1
            var x = [Float](repeating: 0, count: factors)
            let conf = ALS.confidenceMatrix(row, options: options)
            try ALS.solveImplicitSide(
                conf, .signed, target: &x, fixed: itemFactors, options: options, side: "user", gram: gram?.values)
            return ALSFoldedUser(factors: x, bias: 0)
        case .explicit(var options):
            options.threads = 1
            var x = [Float](repeating: 0, count: factors)
            var bias = [Float](repeating: 0, count: 1)
            try ALS.solveExplicitSide(
                row, target: &x, targetBias: &bias, fixed: itemFactors,
                fixedBias: itemBiases, mean: globalMean, options: options,
                side: "user")
            return ALSFoldedUser(factors: x, bias: options.useBiases ? bias[0] : 0)
        }
    }

    // MARK: - Explain

    /// Explains the score of `item` for the user of `matrix` row `user` (see
    /// `explain(_:item:n:)`).
    package func explain(user: Int, in matrix: SparseMatrix, item: Int, n: Int = 10) throws -> ALSExplanation {
        guard user >= 0 && user < matrix.rows else {
            throw AlgorithmError(message: "user index \(user) is out of range; the matrix has \(matrix.rows) rows")
        }
        let r = matrix.rowRange(user)
        return try explain(
            zip(matrix.columns[r], matrix.values[r]).map { (item: Int($0), value: $1) },
            item: item, n: n)
    }

    /// Like `implicit`'s `explain` (Hu, Koren & Volinsky 2008, section 5): with
    /// `W_u = (YᵀY + λ_u·I + Σ (c − 1)·y_j y_jᵀ)⁻¹` (Cholesky of the user's weighted Gram matrix),
    /// liked item j contributes `c_uj · (y_itemᵀ W_u y_j)`; the contributions sum to the score.
    /// Implicit models only. O(items·f² + n·f² + f³).
    package func explain(_ interactions: [(item: Int, value: Float)], item: Int, n: Int = 10) throws -> ALSExplanation {
        guard case .implicit(let options) = kind else {
            throw AlgorithmError(
                message: "explain needs an implicit-feedback ALS model; this one was trained on explicit ratings")
        }
        try checkItem(item)
        guard n >= 0 else { throw AlgorithmError(message: "n must be >= 0 (got \(n))") }
        let conf = ALS.confidenceMatrix(try interactionRow(interactions), options: options)
        guard conf.nonZeroCount > 0 else { return ALSExplanation(score: 0, contributions: []) }
        let f = factors
        let gram = ALSLinearAlgebra.gram(itemFactors, rows: itemCount, f: f, threads: 1)
        var floatScratch = [Float](repeating: 0, count: f * f)
        var a = [Double](repeating: 0, count: f * f)
        var w = [Double](repeating: 0, count: f)
        let ok = ImplicitRows.with(conf, .signed, fixed: itemFactors, gram: gram, options: options) { s in
            let entries = 0..<conf.nonZeroCount
            ALS.buildImplicitSystem(
                entries, s, lambda: s.rowLambda(entries), floatScratch: &floatScratch, a: &a, b: &w)
            for j in 0..<f { w[j] = Double(itemFactors[item * f + j]) }
            return ALSLinearAlgebra.choleskySolve(&a, &w, f)
        }
        guard ok else {
            throw AlgorithmError(
                message:
                    "explain: the user's normal equations are not positive definite; increase regularization (now \(options.regularization))"
            )
        }
        var top = ALSTopN(n: n)
        var total = 0.0
        for k in 0..<conf.nonZeroCount where conf.values[k] > 0 {
            let j = Int(conf.columns[k])
            var s = 0.0
            for d in 0..<f { s += w[d] * Double(itemFactors[j * f + d]) }
            s *= Double(conf.values[k])
            total += s
            top.offer(item: j, score: Float(s))
        }
        return ALSExplanation(score: Float(total), contributions: top.items)
    }

    // MARK: - Helpers

    /// A 1 × items matrix from `(item, value)` pairs (duplicates summed), validated.
    func interactionRow(_ interactions: [(item: Int, value: Float)]) throws -> SparseMatrix {
        for (item, value) in interactions {
            try checkItem(item)
            guard value.isFinite else {
                throw AlgorithmError(message: "interaction with item \(item) has a non-finite value (\(value))")
            }
        }
        return SparseMatrix(
            rows: 1, cols: itemCount,
            triplets: interactions.map { (row: 0, col: $0.item, value: $0.value) })
    }
}
