// MARK: - Training

extension ALS {
    /// Trains explicit-rating ALS with weighted-λ regularization (Zhou et al. 2008) on a
    /// users × items matrix of ratings (stored entries are the observed ratings).
    ///
    /// Minimizes `Σ_{(u,i) observed} (r_ui − μ − b_u − b_i − x_u·y_i)² + Σ_u λ_u(‖x_u‖² + b_u²)
    /// + Σ_i λ_i(‖y_i‖² + b_i²)` (biases and μ only with `useBiases`; λ_u = λ·n_u with
    /// `.perCount`). Every row is an exact (f+1)-dimensional Cholesky solve (items first, users last, so
    /// `foldIn` of a training row reproduces its vector):
    /// O(n_u·f² + f³) per row, parallel over rows. Factors start uniform in `[0, 1)/√f`
    /// (users first, from `options.seed`), biases at 0.
    package static func fitExplicit(
        _ matrix: SparseMatrix, options: ALSExplicitOptions = ALSExplicitOptions(),
        progress: ((ALSIterationReport) -> Void)? = nil
    ) throws -> ALSModel {
        try options.validate()
        try checkMatrix(matrix)
        let f = options.factors
        let transposed = matrix.transposed()
        var generator = SeededGenerator(seed: options.seed)
        let scale = 1 / Float(f).squareRoot()
        var model = ALSModel(
            unchecked: .explicit(options), factors: f, userCount: matrix.rows, itemCount: matrix.cols,
            userFactors: initialFactors(rows: matrix.rows, f: f, scale: scale, generator: &generator),
            itemFactors: initialFactors(rows: matrix.cols, f: f, scale: scale, generator: &generator))
        if options.useBiases {
            var sum = 0.0
            for v in matrix.values { sum += Double(v) }
            model.globalMean = matrix.nonZeroCount > 0 ? Float(sum / Double(matrix.nonZeroCount)) : 0
            model.userBiases = [Float](repeating: 0, count: matrix.rows)
            model.itemBiases = [Float](repeating: 0, count: matrix.cols)
        }
        let wantLoss = options.computeLoss || options.tolerance != nil
        for iteration in 1...options.iterations {
            try solveExplicitSide(
                transposed, target: &model.itemFactors, targetBias: &model.itemBiases,
                fixed: model.userFactors, fixedBias: model.userBiases,
                mean: model.globalMean, options: options, side: "item")
            try solveExplicitSide(
                matrix, target: &model.userFactors, targetBias: &model.userBiases,
                fixed: model.itemFactors, fixedBias: model.itemBiases,
                mean: model.globalMean, options: options, side: "user")
            var loss: Double? = nil
            if wantLoss {
                let l = explicitLoss(matrix, transposed, model: model, options: options)
                model.losses.append(l)
                loss = l
            }
            progress?(ALSIterationReport(iteration: iteration, loss: loss))
            if converged(model.losses, tolerance: options.tolerance) { break }
        }
        return model
    }

    // MARK: - One half-iteration

    /// Solves every row of `m` exactly for `target` (and its biases). O(nnz·f² + rows·f³).
    static func solveExplicitSide(
        _ m: SparseMatrix, target: inout [Float], targetBias: inout [Float], fixed: [Float],
        fixedBias: [Float], mean: Float, options: ALSExplicitOptions, side: String
    ) throws {
        let f = options.factors, biased = options.useBiases, d = f + (biased ? 1 : 0)
        let workers = Parallel.workers(options.threads)
        let floats = KernelScratch<Float>(rows: workers, width: d * d + d, repeating: 0)
        let doubles = KernelScratch<Double>(rows: workers, width: d * d + d, repeating: 0)
        let failures = KernelScratch<Int>(rows: workers, width: 1, repeating: -1)
        var biasOut = biased ? targetBias : [Float](repeating: 0, count: m.rows)
        let biasIn = biased ? fixedBias : [Float](repeating: 0, count: m.cols)
        let lambda = options.regularization, scaling = options.regularizationScaling

        m.withRows { ratings in
            fixed.withRows(width: f) { y in
                target.withMutableRows(width: f) { xRows in
                    biasOut.withMutableRows(width: 1) { bias in
                        Parallel.forEachInterleavedChunk(count: m.rows, chunk: 64, threads: options.threads) {
                            range, w in
                            let a = floats.row(w), rhs = a + d * d
                            let ad = doubles.row(w), bd = ad + d * d
                            for u in range {
                                let x = xRows.row(u)
                                let entries = ratings.range(u)
                                if entries.isEmpty {
                                    x.update(repeating: 0, count: f)
                                    bias[u] = 0
                                    continue
                                }
                                a.update(repeating: 0, count: d * d + d)
                                let lu = Float(regularizationWeight(entries.count, lambda, scaling))
                                for k in entries {
                                    let i = ratings.column(k)
                                    let yi = y.row(i)
                                    let t = ratings.value(k) - (biased ? mean + biasIn[i] : 0)
                                    for j in 0..<f {
                                        ALSLinearAlgebra.axpy(yi[j], yi + j, a + j * d + j, f - j)
                                        if biased { a[j * d + f] += yi[j] }
                                    }
                                    if biased {
                                        a[f * d + f] += 1
                                        rhs[f] += t
                                    }
                                    ALSLinearAlgebra.axpy(t, yi, rhs, f)
                                }
                                for j in 0..<d {
                                    for c in j..<d { ad[j * d + c] = Double(a[j * d + c]) }
                                    ad[j * d + j] += Double(lu)
                                    bd[j] = Double(rhs[j])
                                }
                                guard ALSLinearAlgebra.choleskySolve(ad, bd, d) else {
                                    if failures.rows[w] < 0 { failures.rows[w] = u }
                                    continue
                                }
                                for j in 0..<f { x[j] = Float(bd[j]) }
                                bias[u] = biased ? Float(bd[f]) : 0
                            }
                        }
                    }
                }
            }
        }
        if biased { targetBias = biasOut }
        if let bad = failures.elements.filter({ $0 >= 0 }).min() {
            throw AlgorithmError(
                message:
                    "explicit ALS \(side) \(bad): the normal equations are singular; use a regularization > 0 (now \(lambda))"
            )
        }
    }
}
