// MARK: - Training losses

extension ALS {
    /// The implicit-feedback objective, normalized like `implicit`'s `calculate_loss`:
    ///
    ///     [ Σ_{u,i} c_ui (p_ui − x_u·y_i)² + Σ_u λ_u‖x_u‖² + Σ_i λ_i‖y_i‖² ] / (Σ c_ui + users·items − nnz)
    ///
    /// over *all* user–item pairs (unobserved: c = 1, p = 0), computed in O(users·f² + nnz·f)
    /// through `xᵀ(YᵀY)x`. Each exact half-step minimizes it, so it never increases with the
    /// Cholesky solver (and, in exact arithmetic, neither with warm-started CG).
    /// Accumulated in Double over fixed blocks: deterministic for any thread count. (Equal to
    /// `implicit`'s value except that negative entries, p = 0, add no constant term here.)
    package static func implicitLoss(
        _ matrix: SparseMatrix, model: ALSModel
    ) -> Double? {
        guard case .implicit(let options) = model.kind else { return nil }
        let cui = confidenceMatrix(matrix, options: options)
        return implicitLoss(
            cui, cui.transposed(), .signed, userFactors: model.userFactors,
            itemFactors: model.itemFactors, options: options)
    }

    static func implicitLoss(
        _ cui: SparseMatrix, _ ciu: SparseMatrix, _ encoding: ConfidenceEncoding, userFactors x: [Float],
        itemFactors y: [Float], options: ALSImplicitOptions
    ) -> Double {
        let f = options.factors
        let gram = ALSLinearAlgebra.gram(y, rows: cui.cols, f: f, threads: options.threads)
        let blockRows = 1024
        let blocks = max(1, (cui.rows + blockRows - 1) / blockRows)
        let partials = KernelScratch<Double>(rows: blocks, width: 2, repeating: 0)
        let scratch = KernelScratch<Float>(rows: blocks, width: f, repeating: 0)
        ImplicitRows.with(cui, encoding, fixed: y, gram: gram, options: options) { s in
            x.withRows(width: f) { xRows in
                Parallel.forEachInterleaved(count: blocks, threads: options.threads) { block in
                    var loss = 0.0, total = 0.0
                    let t = scratch.row(block)
                    for u in (block * blockRows)..<min(cui.rows, (block + 1) * blockRows) {
                        let xu = xRows.row(u)
                        ALSLinearAlgebra.symv(s.gram.start, xu, shift: 0, t, f)
                        var quad = Double(ALSLinearAlgebra.dot(t, xu, f))
                        var positives = 0
                        for k in s.conf.range(u) {
                            let v = s.confidence(k), c = Double(abs(v))
                            let score = Double(ALSLinearAlgebra.dot(s.y.row(s.conf.column(k)), xu, f))
                            quad += (c - 1) * score * score
                            if v > 0 {
                                quad += c - 2 * c * score
                                positives += 1
                            }
                            total += c
                        }
                        let lu = regularizationWeight(positives, options.regularization, options.regularizationScaling)
                        loss += quad + lu * Double(ALSLinearAlgebra.dot(xu, xu, f))
                    }
                    partials.row(block)[0] = loss
                    partials.row(block)[1] = total
                }
            }
        }
        var loss = 0.0, total = 0.0
        let sums = partials.elements
        for b in 0..<blocks {
            loss += sums[2 * b]
            total += sums[2 * b + 1]
        }
        for i in 0..<ciu.rows {
            var positives = 0
            // A confidence is positive exactly where the stored value is (every encoding).
            for k in ciu.rowRange(i) where ciu.values[k] > 0 { positives += 1 }
            let li = regularizationWeight(positives, options.regularization, options.regularizationScaling)
            var norm = 0.0
            for j in 0..<f { norm += Double(y[i * f + j]) * Double(y[i * f + j]) }
            loss += li * norm
        }
        let denominator = total + Double(cui.rows) * Double(cui.cols) - Double(cui.nonZeroCount)
        return loss / max(denominator, 1)
    }

    /// The explicit objective divided by the number of ratings:
    /// `[Σ (r − r̂)² + Σ_u λ_u(‖x_u‖² + b_u²) + Σ_i λ_i(‖y_i‖² + b_i²)] / nnz`. O(nnz·f).
    static func explicitLoss(
        _ m: SparseMatrix, _ mt: SparseMatrix, model: ALSModel,
        options: ALSExplicitOptions
    ) -> Double {
        let f = model.factors
        var loss = 0.0
        for u in 0..<m.rows {
            for k in m.rowRange(u) {
                let e = Double(m.values[k]) - Double(model.score(user: u, item: Int(m.columns[k])))
                loss += e * e
            }
        }
        func penalty(_ factors: [Float], _ biases: [Float], _ mat: SparseMatrix) -> Double {
            var sum = 0.0
            for r in 0..<mat.rows {
                let w = regularizationWeight(mat.rowCount(r), options.regularization, options.regularizationScaling)
                var norm = biases.isEmpty ? 0 : Double(biases[r]) * Double(biases[r])
                for j in 0..<f { norm += Double(factors[r * f + j]) * Double(factors[r * f + j]) }
                sum += w * norm
            }
            return sum
        }
        loss += penalty(model.userFactors, model.userBiases, m)
        loss += penalty(model.itemFactors, model.itemBiases, mt)
        return loss / Double(max(m.nonZeroCount, 1))
    }

    /// λ or λ·max(n, 1), as used by the solvers.
    static func regularizationWeight(_ n: Int, _ lambda: Float, _ scaling: ALSRegularizationScaling) -> Double {
        scaling == .perCount ? Double(lambda * Float(max(n, 1))) : Double(lambda)
    }
}
