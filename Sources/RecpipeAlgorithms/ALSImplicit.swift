// MARK: - Training

extension ALS {
    /// Trains implicit-feedback ALS (Hu, Koren & Volinsky 2008) on a users × items matrix of
    /// interaction strengths.
    ///
    /// Each half-iteration computes `YᵀY` once (O(items·f²)), then solves for every user in
    /// parallel `(YᵀY + λ_u·I + Σ_{i∈R(u)} (c_ui − 1)·y_i y_iᵀ)·x_u = Σ_{i: p_ui=1} c_ui·y_i`
    /// with the chosen solver; the item half-iteration is the same with roles swapped. Every
    /// iteration solves items first and users last, so the final user factors solve their rows
    /// against the final item factors: `foldIn` of a training row reproduces its vector (exactly
    /// with Cholesky, up to the CG tolerance otherwise) and `explain` matches `score`.
    /// Conjugate gradient costs O(steps·(f² + n_u·f)) per user, Cholesky O(n_u·f² + f³).
    /// Memory: the factors, the confidence matrix and its transpose.
    ///
    /// Factors start uniform in `[0, 0.01)` (like `implicit`), users first, from `options.seed`;
    /// the same seed gives bit-identical factors for any thread count.
    /// - Parameter progress: called after every iteration (on the calling thread).
    /// - Throws: `ALSError` for invalid options, an empty or non-finite matrix, or a solve that
    ///   breaks down (raise the regularization).
    public static func fitImplicit(
        _ matrix: SparseMatrix, options: ALSImplicitOptions = ALSImplicitOptions(),
        progress: ((ALSIterationReport) -> Void)? = nil
    ) throws -> ALSModel {
        try options.validate()
        try checkMatrix(matrix)
        let f = options.factors
        let cui = confidenceMatrix(matrix, options: options)
        let ciu = cui.transposed()
        var generator = SeededGenerator(seed: options.seed)
        var x = initialFactors(rows: matrix.rows, f: f, scale: 0.01, generator: &generator)
        var y = initialFactors(rows: matrix.cols, f: f, scale: 0.01, generator: &generator)
        var model = ALSModel(unchecked: .implicit(options), factors: f, userCount: matrix.rows,
                             itemCount: matrix.cols, userFactors: [], itemFactors: [])
        let wantLoss = options.computeLoss || options.tolerance != nil
        for iteration in 1...options.iterations {
            try solveImplicitSide(ciu, target: &y, fixed: x, options: options, side: "item")
            try solveImplicitSide(cui, target: &x, fixed: y, options: options, side: "user")
            var loss: Double? = nil
            if wantLoss {
                let l = implicitLoss(cui, ciu, userFactors: x, itemFactors: y, options: options)
                model.losses.append(l)
                loss = l
            }
            progress?(ALSIterationReport(iteration: iteration, loss: loss))
            if converged(model.losses, tolerance: options.tolerance) { break }
        }
        model.userFactors = x
        model.itemFactors = y
        return model
    }

    /// The matrix of signed confidences (`implicit`'s encoding): `+c` where `p = 1` (value > 0),
    /// `−c` where `p = 0`. O(nnz).
    static func confidenceMatrix(_ m: SparseMatrix, options: ALSImplicitOptions) -> SparseMatrix {
        var c = m
        for k in 0..<c.values.count {
            let v = m.values[k]
            let conf = options.confidence.confidence(v, alpha: options.alpha)
            c.values[k] = v > 0 ? conf : -conf
        }
        return c
    }

    /// `λ_u` for a row: λ, or λ·(number of positive entries) for `.perCount` (at least λ).
    @inline(__always)
    static func rowLambda(_ values: UnsafePointer<Float>, _ range: Range<Int>, _ lambda: Float,
                          _ scaling: ALSRegularizationScaling) -> Float {
        guard scaling == .perCount else { return lambda }
        var n = 0
        for k in range where values[k] > 0 { n += 1 }
        return lambda * Float(max(n, 1))
    }

    // MARK: - One half-iteration

    /// Solves every row of `conf` for `target`, given `fixed` factors. O(rows·(solver cost)).
    static func solveImplicitSide(
        _ conf: SparseMatrix, target: inout [Float], fixed: [Float], options: ALSImplicitOptions,
        side: String, gram given: [Float]? = nil
    ) throws {
        let f = options.factors, rows = conf.rows
        guard conf.nonZeroCount > 0 else {
            target = [Float](repeating: 0, count: rows * f)
            return
        }
        let gram = given ?? ALSLinearAlgebra.gram(fixed, rows: conf.cols, f: f, threads: options.threads)
        let workers = Parallel.workers(options.threads)
        let floatStride = 12 * f + f * f, doubleStride = f * f + f
        var floatScratch = [Float](repeating: 0, count: workers * floatStride)
        var doubleScratch = [Double](repeating: 0, count: options.solver == .cholesky ? workers * doubleStride : 1)
        var failures = [Int](repeating: -1, count: workers)
        let lambda = options.regularization, scaling = options.regularizationScaling

        conf.rowPointers.withUnsafeBufferPointer { ptrBuf in
        conf.columns.withUnsafeBufferPointer { colBuf in
        conf.values.withUnsafeBufferPointer { valBuf in
        fixed.withUnsafeBufferPointer { yBuf in
        gram.withUnsafeBufferPointer { gBuf in
        target.withUnsafeMutableBufferPointer { xBuf in
        floatScratch.withUnsafeMutableBufferPointer { fs in
        doubleScratch.withUnsafeMutableBufferPointer { ds in
        failures.withUnsafeMutableBufferPointer { fail in
            let ptr = ParallelPointer(ptrBuf.baseAddress!), cols = ParallelPointer(colBuf.baseAddress!)
            let vals = ParallelPointer(valBuf.baseAddress!)
            let yp = ParallelPointer(yBuf.baseAddress!), g = ParallelPointer(gBuf.baseAddress!)
            let xp = ParallelPointer(xBuf.baseAddress!), fsp = ParallelPointer(fs.baseAddress!)
            let dsp = ParallelPointer(ds.baseAddress!), failp = ParallelPointer(fail.baseAddress!)
            Parallel.forEachInterleavedChunk(count: rows, chunk: 64, threads: options.threads) { range, w in
                let scratch = fsp.base + w * floatStride
                // CG solves rows with at most f entries four at a time (``conjugateGradientRows4``),
                // grouped in order within the chunk, so the grouping never depends on the thread
                // count; their gathered factor rows (4·n·f floats) stay within the L2 cache.
                var pending = SIMD4<Int>(), count = 0
                for u in range {
                    let x = xp.base + u * f
                    let start = ptr.pointer[u], end = ptr.pointer[u + 1]
                    if start == end {
                        x.update(repeating: 0, count: f)
                        continue
                    }
                    switch options.solver {
                    case .conjugateGradient(let steps):
                        guard end - start <= f else {
                            // A long row's sparse part outweighs its pass over YᵀY, and four of
                            // them would not share the cache: solve it alone.
                            conjugateGradientRow(
                                x: x, cols: cols.pointer, vals: vals.pointer, range: start..<end,
                                y: yp.pointer, gram: g.pointer, f: f,
                                lambda: rowLambda(vals.pointer, start..<end, lambda, scaling), steps: steps,
                                scratch: scratch)
                            continue
                        }
                        pending[count] = u
                        count += 1
                        if count == 4 {
                            conjugateGradientRows4(
                                pending, x: xp.base, rowPointers: ptr.pointer, cols: cols.pointer, vals: vals.pointer,
                                y: yp.pointer, gram: g.pointer, f: f, lambda: lambda, scaling: scaling, steps: steps,
                                scratch: scratch)
                            count = 0
                        }
                    case .cholesky:
                        let lu = rowLambda(vals.pointer, start..<end, lambda, scaling)
                        let ok = choleskyRow(
                            x: x, cols: cols.pointer, vals: vals.pointer, range: start..<end,
                            y: yp.pointer, gram: g.pointer, f: f, lambda: lu,
                            floatScratch: scratch, doubleScratch: dsp.base + w * doubleStride)
                        if !ok && failp.base[w] < 0 { failp.base[w] = u }
                    }
                }
                if case .conjugateGradient(let steps) = options.solver {
                    for i in 0..<count {
                        let u = pending[i], start = ptr.pointer[u], end = ptr.pointer[u + 1]
                        conjugateGradientRow(
                            x: xp.base + u * f, cols: cols.pointer, vals: vals.pointer, range: start..<end,
                            y: yp.pointer, gram: g.pointer, f: f,
                            lambda: rowLambda(vals.pointer, start..<end, lambda, scaling), steps: steps,
                            scratch: scratch)
                    }
                }
            }
        }}}}}}}}}
        if let bad = failures.filter({ $0 >= 0 }).min() {
            throw ALSError(message: "ALS \(side) \(bad): the normal equations are not positive definite; increase regularization (now \(lambda)) or use confidence 'onePlus' so that every confidence is >= 1")
        }
        if let bad = target.firstIndex(where: { !$0.isFinite }) {
            throw ALSError(message: "ALS \(side) \(bad / f) got non-finite factors; increase regularization (now \(lambda)) or use the cholesky solver")
        }
    }

    // MARK: - Row solvers

    /// `dst = A·v` with `A = gram + λ·I + Σ (c − 1)·y_i y_iᵀ`, without forming A. O(f² + n·f).
    @inline(__always)
    static func applyImplicitA(
        _ v: UnsafePointer<Float>, _ dst: UnsafeMutablePointer<Float>, cols: UnsafePointer<Int32>,
        vals: UnsafePointer<Float>, range: Range<Int>, y: UnsafePointer<Float>,
        gram: UnsafePointer<Float>, f: Int, lambda: Float
    ) {
        ALSLinearAlgebra.symv(gram, v, shift: lambda, dst, f)
        sparseUpdate(v, dst, cols: cols, vals: vals, range: range, y: y, f: f, residual: false)
    }

    /// Over the row's entries, four at a time: `d_i = y_i·v`, then
    /// `dst += (c_i − 1)·d_i·y_i` or, for `residual`, `dst += (p_i·c_i − (c_i − 1)·d_i)·y_i`
    /// (so that `dst = −(gram + λ)·x` becomes `b − A·x`). O(n·f).
    @inline(__always)
    static func sparseUpdate(
        _ v: UnsafePointer<Float>, _ dst: UnsafeMutablePointer<Float>, cols: UnsafePointer<Int32>,
        vals: UnsafePointer<Float>, range: Range<Int>, y: UnsafePointer<Float>, f: Int, residual: Bool
    ) {
        var k = range.lowerBound
        let end = range.upperBound
        while k + 4 <= end {
            let y0 = y + Int(cols[k]) &* f, y1 = y + Int(cols[k &+ 1]) &* f
            let y2 = y + Int(cols[k &+ 2]) &* f, y3 = y + Int(cols[k &+ 3]) &* f
            let conf = SIMD4(vals[k], vals[k &+ 1], vals[k &+ 2], vals[k &+ 3])
            let c = conf.replacing(with: -conf, where: conf .< 0)
            let d = ALSLinearAlgebra.dot4(y0, y1, y2, y3, v, f)
            var w = (c - 1) * d
            if residual { w = conf.replacing(with: 0, where: conf .<= 0) - w }
            ALSLinearAlgebra.axpy4(w, y0, y1, y2, y3, dst, f)
            k &+= 4
        }
        while k < end {
            let yi = y + Int(cols[k]) &* f
            let conf = vals[k], c = abs(conf)
            var w = (c - 1) * ALSLinearAlgebra.dot(yi, v, f)
            if residual { w = (conf > 0 ? conf : 0) - w }
            ALSLinearAlgebra.axpy(w, yi, dst, f)
            k &+= 1
        }
    }

    /// `steps` conjugate-gradient steps on one row, warm-started from `x` (as `implicit`).
    /// Scratch: 3f floats. O(steps·(f² + n·f)).
    static func conjugateGradientRow(
        x: UnsafeMutablePointer<Float>, cols: UnsafePointer<Int32>, vals: UnsafePointer<Float>,
        range: Range<Int>, y: UnsafePointer<Float>, gram: UnsafePointer<Float>, f: Int,
        lambda: Float, steps: Int, scratch: UnsafeMutablePointer<Float>
    ) {
        let r = scratch, p = scratch + f, ap = scratch + 2 * f
        // r = b − A·x
        ALSLinearAlgebra.symv(gram, x, shift: lambda, r, f)
        for j in 0..<f { r[j] = -r[j] }
        sparseUpdate(x, r, cols: cols, vals: vals, range: range, y: y, f: f, residual: true)
        p.update(from: r, count: f)
        var rsOld = ALSLinearAlgebra.dot(r, r, f)
        if rsOld < 1e-20 { return }
        for _ in 0..<steps {
            applyImplicitA(p, ap, cols: cols, vals: vals, range: range, y: y, gram: gram, f: f, lambda: lambda)
            let pAp = ALSLinearAlgebra.dot(p, ap, f)
            guard pAp > 0 else { return }
            let a = rsOld / pAp
            ALSLinearAlgebra.axpy(a, p, x, f)
            ALSLinearAlgebra.axpy(-a, ap, r, f)
            let rsNew = ALSLinearAlgebra.dot(r, r, f)
            if rsNew < 1e-20 { return }
            let beta = rsNew / rsOld
            for j in 0..<f { p[j] = Relaxed.multiplyAdd(beta, p[j], r[j]) }
            rsOld = rsNew
        }
    }

    /// ``conjugateGradientRow`` for four rows in lockstep: the `A·p` products of the four rows
    /// share one pass over `gram` (``ALSLinearAlgebra/symv4``), the sparse parts stay per row. A
    /// row whose residual vanishes (or whose `pᵀAp` is not positive) stops, the others go on;
    /// each row's arithmetic does not depend on which rows it is grouped with. Scratch: 12f
    /// floats. O(steps·(f² + n·f)) per row, with a quarter of the passes over `gram`.
    static func conjugateGradientRows4(
        _ rows: SIMD4<Int>, x xBase: UnsafeMutablePointer<Float>, rowPointers ptr: UnsafePointer<Int>,
        cols: UnsafePointer<Int32>, vals: UnsafePointer<Float>, y: UnsafePointer<Float>, gram: UnsafePointer<Float>,
        f: Int, lambda: Float, scaling: ALSRegularizationScaling, steps: Int,
        scratch: UnsafeMutablePointer<Float>
    ) {
        let x0 = xBase + rows[0] * f, x1 = xBase + rows[1] * f, x2 = xBase + rows[2] * f, x3 = xBase + rows[3] * f
        let r = scratch, p = scratch + 4 * f, ap = scratch + 8 * f
        @inline(__always) func range(_ b: Int) -> Range<Int> { ptr[rows[b]]..<ptr[rows[b] + 1] }
        @inline(__always) func xRow(_ b: Int) -> UnsafeMutablePointer<Float> { xBase + rows[b] * f }
        let lambdas = SIMD4(
            rowLambda(vals, range(0), lambda, scaling), rowLambda(vals, range(1), lambda, scaling),
            rowLambda(vals, range(2), lambda, scaling), rowLambda(vals, range(3), lambda, scaling))
        // r = b − A·x
        ALSLinearAlgebra.symv4(gram, x0, x1, x2, x3, shifts: lambdas, r, r + f, r + 2 * f, r + 3 * f, f)
        var rsOld = SIMD4<Float>(), active = SIMD4<Int32>(repeating: 0)
        for b in 0..<4 {
            let rb = r + b * f
            for j in 0..<f { rb[j] = -rb[j] }
            sparseUpdate(xRow(b), rb, cols: cols, vals: vals, range: range(b), y: y, f: f, residual: true)
            (p + b * f).update(from: rb, count: f)
            rsOld[b] = ALSLinearAlgebra.dot(rb, rb, f)
            active[b] = rsOld[b] < 1e-20 ? 0 : 1
        }
        for _ in 0..<steps {
            guard active != SIMD4(repeating: 0) else { return }
            ALSLinearAlgebra.symv4(
                gram, p, p + f, p + 2 * f, p + 3 * f, shifts: lambdas, ap, ap + f, ap + 2 * f, ap + 3 * f, f)
            for b in 0..<4 where active[b] != 0 {
                let pb = p + b * f, apb = ap + b * f, rb = r + b * f
                sparseUpdate(pb, apb, cols: cols, vals: vals, range: range(b), y: y, f: f, residual: false)
                let pAp = ALSLinearAlgebra.dot(pb, apb, f)
                guard pAp > 0 else {
                    active[b] = 0
                    continue
                }
                let a = rsOld[b] / pAp
                ALSLinearAlgebra.axpy(a, pb, xRow(b), f)
                ALSLinearAlgebra.axpy(-a, apb, rb, f)
                let rsNew = ALSLinearAlgebra.dot(rb, rb, f)
                if rsNew < 1e-20 {
                    active[b] = 0
                    continue
                }
                let beta = rsNew / rsOld[b]
                for j in 0..<f { pb[j] = Relaxed.multiplyAdd(beta, pb[j], rb[j]) }
                rsOld[b] = rsNew
            }
        }
    }

    /// Exact solve of one row: builds the upper triangle of A in Float (O(n·f²/2)), then a
    /// Cholesky factorization in Double (O(f³/6)). Scratch: f² floats, f² + f doubles.
    static func choleskyRow(
        x: UnsafeMutablePointer<Float>, cols: UnsafePointer<Int32>, vals: UnsafePointer<Float>,
        range: Range<Int>, y: UnsafePointer<Float>, gram: UnsafePointer<Float>, f: Int,
        lambda: Float, floatScratch: UnsafeMutablePointer<Float>, doubleScratch: UnsafeMutablePointer<Double>
    ) -> Bool {
        let b = doubleScratch + f * f
        buildImplicitSystem(cols: cols, vals: vals, range: range, y: y, gram: gram, f: f, lambda: lambda,
                            floatScratch: floatScratch, a: doubleScratch, b: b)
        guard ALSLinearAlgebra.choleskySolve(doubleScratch, b, f) else { return false }
        for j in 0..<f { x[j] = Float(b[j]) }
        return true
    }

    /// Writes the upper triangle of `A = gram + λ·I + Σ (c − 1)·y_i y_iᵀ` to `a` (Double, f×f)
    /// and `b = Σ_{p=1} c·y_i` to `b`, accumulating A in `floatScratch` (f² floats). O(n·f²/2).
    static func buildImplicitSystem(
        cols: UnsafePointer<Int32>, vals: UnsafePointer<Float>, range: Range<Int>,
        y: UnsafePointer<Float>, gram: UnsafePointer<Float>, f: Int, lambda: Float,
        floatScratch: UnsafeMutablePointer<Float>, a ad: UnsafeMutablePointer<Double>,
        b: UnsafeMutablePointer<Double>
    ) {
        let a = floatScratch
        a.update(from: gram, count: f * f)
        for j in 0..<f { a[j * f + j] += lambda }
        b.update(repeating: 0, count: f)
        for k in range {
            let yi = y + Int(cols[k]) * f
            let v = vals[k], w = abs(v) - 1
            for j in 0..<f { ALSLinearAlgebra.axpy(w * yi[j], yi + j, a + j * f + j, f - j) }
            if v > 0 { for j in 0..<f { b[j] += Double(v) * Double(yi[j]) } }
        }
        for j in 0..<f { for c in j..<f { ad[j * f + c] = Double(a[j * f + c]) } }
    }
}

import RealModule
