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
    public static func implicitLoss(
        _ matrix: SparseMatrix, model: ALSModel
    ) -> Double? {
        guard case .implicit(let options) = model.kind else { return nil }
        let cui = confidenceMatrix(matrix, options: options)
        return implicitLoss(cui, cui.transposed(), userFactors: model.userFactors,
                            itemFactors: model.itemFactors, options: options)
    }

    static func implicitLoss(
        _ cui: SparseMatrix, _ ciu: SparseMatrix, userFactors x: [Float], itemFactors y: [Float],
        options: ALSImplicitOptions
    ) -> Double {
        let f = options.factors
        let gram = ALSLinearAlgebra.gram(y, rows: cui.cols, f: f, threads: options.threads)
        let blockRows = 1024
        let blocks = max(1, (cui.rows + blockRows - 1) / blockRows)
        var partials = [Double](repeating: 0, count: 2 * blocks)
        var scratch = [Float](repeating: 0, count: blocks * f)
        x.withUnsafeBufferPointer { xb in
        y.withUnsafeBufferPointer { yb in
        gram.withUnsafeBufferPointer { gb in
        partials.withUnsafeMutableBufferPointer { pb in
        scratch.withUnsafeMutableBufferPointer { sb in
            let xp = ParallelPointer(xb.baseAddress!), yp = ParallelPointer(yb.baseAddress!)
            let gp = ParallelPointer(gb.baseAddress!), pp = ParallelPointer(pb.baseAddress!), sp = ParallelPointer(sb.baseAddress!)
            Parallel.forEachInterleaved(count: blocks, threads: options.threads) { block in
                var loss = 0.0, total = 0.0
                let t = sp.base + block * f
                for u in (block * blockRows)..<min(cui.rows, (block + 1) * blockRows) {
                    let xu = xp.pointer + u * f
                    ALSLinearAlgebra.symv(gp.pointer, xu, shift: 0, t, f)
                    var quad = Double(ALSLinearAlgebra.dot(t, xu, f))
                    var positives = 0
                    for k in cui.rowRange(u) {
                        let v = cui.values[k], c = Double(abs(v))
                        let s = Double(ALSLinearAlgebra.dot(yp.pointer + Int(cui.columns[k]) * f, xu, f))
                        quad += (c - 1) * s * s
                        if v > 0 {
                            quad += c - 2 * c * s
                            positives += 1
                        }
                        total += c
                    }
                    let lu = regularizationWeight(positives, options.regularization, options.regularizationScaling)
                    loss += quad + lu * Double(ALSLinearAlgebra.dot(xu, xu, f))
                }
                pp.base[2 * block] = loss
                pp.base[2 * block + 1] = total
            }
        }}}}}
        var loss = 0.0, total = 0.0
        for b in 0..<blocks {
            loss += partials[2 * b]
            total += partials[2 * b + 1]
        }
        for i in 0..<ciu.rows {
            var positives = 0
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
    static func explicitLoss(_ m: SparseMatrix, _ mt: SparseMatrix, model: ALSModel,
                             options: ALSExplicitOptions) -> Double {
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
