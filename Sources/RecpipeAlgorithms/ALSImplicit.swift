import RealModule

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
    /// Memory: the factors and the transpose of `matrix` (8 bytes per non-zero): linear and
    /// one-plus confidences are computed from the stored values as the kernels read them, so
    /// only `.log` holds a matrix of confidences beside `matrix` (4 more bytes per non-zero).
    ///
    /// Factors start uniform in `[0, 0.01)` (like `implicit`), users first, from `options.seed`;
    /// the same seed gives bit-identical factors for any thread count.
    /// - Parameter progress: called after every iteration (on the calling thread).
    /// - Throws: `AlgorithmError` for invalid options, an empty or non-finite matrix, or a solve that
    ///   breaks down (raise the regularization).
    package static func fitImplicit(
        _ matrix: SparseMatrix, options: ALSImplicitOptions = ALSImplicitOptions(),
        progress: ((ALSIterationReport) -> Void)? = nil
    ) throws -> ALSModel {
        try options.validate()
        try checkMatrix(matrix)
        let f = options.factors
        let (cui, encoding) = confidenceSource(matrix, options: options)
        let ciu = cui.transposed()
        var generator = SeededGenerator(seed: options.seed)
        var x = initialFactors(rows: matrix.rows, f: f, scale: 0.01, generator: &generator)
        var y = initialFactors(rows: matrix.cols, f: f, scale: 0.01, generator: &generator)
        var model = ALSModel(
            unchecked: .implicit(options), factors: f, userCount: matrix.rows,
            itemCount: matrix.cols, userFactors: [], itemFactors: [])
        let wantLoss = options.computeLoss || options.tolerance != nil
        for iteration in 1...options.iterations {
            try solveImplicitSide(ciu, encoding, target: &y, fixed: x, options: options, side: "item")
            try solveImplicitSide(cui, encoding, target: &x, fixed: y, options: options, side: "user")
            var loss: Double? = nil
            if wantLoss {
                let l = implicitLoss(cui, ciu, encoding, userFactors: x, itemFactors: y, options: options)
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

    /// The matrix the kernels read confidences from, and how: `matrix` itself for the linear and
    /// one-plus confidences (no copy), ``confidenceMatrix(_:options:)`` for `.log`. O(nnz) for `.log`.
    static func confidenceSource(
        _ matrix: SparseMatrix, options: ALSImplicitOptions
    ) -> (SparseMatrix, ConfidenceEncoding) {
        switch options.confidence {
        case .linear: (matrix, .linear(alpha: options.alpha))
        case .onePlus: (matrix, .onePlus(alpha: options.alpha))
        case .log: (confidenceMatrix(matrix, options: options), .signed)
        }
    }

    // MARK: - One half-iteration

    /// Solves every row of `conf` for `target`, given `fixed` factors. O(rows·(solver cost)).
    static func solveImplicitSide(
        _ conf: SparseMatrix, _ encoding: ConfidenceEncoding, target: inout [Float], fixed: [Float],
        options: ALSImplicitOptions, side: String, gram given: [Float]? = nil
    ) throws {
        let f = options.factors, rows = conf.rows
        guard conf.nonZeroCount > 0 else {
            target = [Float](repeating: 0, count: rows * f)
            return
        }
        let gram = given ?? ALSLinearAlgebra.gram(fixed, rows: conf.cols, f: f, threads: options.threads)
        let workers = Parallel.workers(options.threads)
        let floats = KernelScratch<Float>(rows: workers, width: 12 * f + f * f, repeating: 0)
        let doubles = KernelScratch<Double>(
            rows: options.solver == .cholesky ? workers : 0, width: f * f + f, repeating: 0)
        let failures = KernelScratch<Int>(rows: workers, width: 1, repeating: -1)
        let lambda = options.regularization

        ImplicitRows.with(conf, encoding, fixed: fixed, gram: gram, options: options) { s in
            target.withMutableRows(width: f) { x in
                Parallel.forEachInterleavedChunk(count: rows, chunk: 64, threads: options.threads) { range, w in
                    let scratch = floats.row(w)
                    // CG solves rows with at most f entries four at a time (``conjugateGradientRows4``),
                    // grouped in order within the chunk, so the grouping never depends on the thread
                    // count; their gathered factor rows (4·n·f floats) stay within the L2 cache.
                    var pending = SIMD4<Int>(), count = 0
                    for u in range {
                        let entries = s.conf.range(u)
                        if entries.isEmpty {
                            x.row(u).update(repeating: 0, count: f)
                            continue
                        }
                        switch options.solver {
                        case .conjugateGradient(let steps):
                            guard entries.count <= f else {
                                // A long row's sparse part outweighs its pass over YᵀY, and four of
                                // them would not share the cache: solve it alone.
                                conjugateGradientRow(x.row(u), entries, s, steps: steps, scratch: scratch)
                                continue
                            }
                            pending[count] = u
                            count += 1
                            if count == 4 {
                                conjugateGradientRows4(pending, x: x, s, steps: steps, scratch: scratch)
                                count = 0
                            }
                        case .cholesky:
                            let ok = choleskyRow(
                                x.row(u), entries, s, lambda: s.rowLambda(entries), floatScratch: scratch,
                                doubleScratch: doubles.row(w))
                            if !ok && failures.rows[w] < 0 { failures.rows[w] = u }
                        }
                    }
                    if case .conjugateGradient(let steps) = options.solver {
                        for i in 0..<count {
                            let u = pending[i]
                            conjugateGradientRow(x.row(u), s.conf.range(u), s, steps: steps, scratch: scratch)
                        }
                    }
                }
            }
        }
        if let bad = failures.elements.filter({ $0 >= 0 }).min() {
            throw AlgorithmError(
                message:
                    "ALS \(side) \(bad): the normal equations are not positive definite; increase regularization (now \(lambda)) or use confidence 'onePlus' so that every confidence is >= 1"
            )
        }
        if let bad = target.firstIndex(where: { !$0.isFinite }) {
            throw AlgorithmError(
                message:
                    "ALS \(side) \(bad / f) got non-finite factors; increase regularization (now \(lambda)) or use the cholesky solver"
            )
        }
    }

    // MARK: - Row solvers

    /// `dst = A·v` with `A = gram + λ·I + Σ (c − 1)·y_i y_iᵀ` over row `entries`, without forming
    /// A. O(f² + n·f).
    @inline(__always)
    static func applyImplicitA(
        _ v: UnsafePointer<Float>, _ dst: UnsafeMutablePointer<Float>, _ entries: Range<Int>, _ s: ImplicitRows,
        lambda: Float
    ) {
        ALSLinearAlgebra.symv(s.gram.start, v, shift: lambda, dst, s.f)
        sparseUpdate(v, dst, entries, s, residual: false)
    }

    /// Over the row's entries, four at a time: `d_i = y_i·v`, then
    /// `dst += (c_i − 1)·d_i·y_i` or, for `residual`, `dst += (p_i·c_i − (c_i − 1)·d_i)·y_i`
    /// (so that `dst = −(gram + λ)·x` becomes `b − A·x`). O(n·f).
    @inline(__always)
    static func sparseUpdate(
        _ v: UnsafePointer<Float>, _ dst: UnsafeMutablePointer<Float>, _ entries: Range<Int>, _ s: ImplicitRows,
        residual: Bool
    ) {
        let f = s.f, c = s.conf, y = s.y
        var k = entries.lowerBound
        let end = entries.upperBound
        while k + 4 <= end {
            let y0 = y.row(c.column(k)), y1 = y.row(c.column(k &+ 1))
            let y2 = y.row(c.column(k &+ 2)), y3 = y.row(c.column(k &+ 3))
            let conf = SIMD4(s.confidence(k), s.confidence(k &+ 1), s.confidence(k &+ 2), s.confidence(k &+ 3))
            let cabs = conf.replacing(with: -conf, where: conf .< 0)
            let d = ALSLinearAlgebra.dot4(y0, y1, y2, y3, v, f)
            var w = (cabs - 1) * d
            if residual { w = conf.replacing(with: 0, where: conf .<= 0) - w }
            ALSLinearAlgebra.axpy4(w, y0, y1, y2, y3, dst, f)
            k &+= 4
        }
        while k < end {
            let yi = y.row(c.column(k))
            let conf = s.confidence(k), cabs = abs(conf)
            var w = (cabs - 1) * ALSLinearAlgebra.dot(yi, v, f)
            if residual { w = (conf > 0 ? conf : 0) - w }
            ALSLinearAlgebra.axpy(w, yi, dst, f)
            k &+= 1
        }
    }

    /// `steps` conjugate-gradient steps on one row, warm-started from `x` (as `implicit`).
    /// Scratch: 3f floats. O(steps·(f² + n·f)).
    static func conjugateGradientRow(
        _ x: UnsafeMutablePointer<Float>, _ entries: Range<Int>, _ s: ImplicitRows, steps: Int,
        scratch: UnsafeMutablePointer<Float>
    ) {
        let f = s.f, lambda = s.rowLambda(entries)
        let r = scratch, p = scratch + f, ap = scratch + 2 * f
        // r = b − A·x
        ALSLinearAlgebra.symv(s.gram.start, x, shift: lambda, r, f)
        for j in 0..<f { r[j] = -r[j] }
        sparseUpdate(x, r, entries, s, residual: true)
        p.update(from: r, count: f)
        var rsOld = ALSLinearAlgebra.dot(r, r, f)
        if rsOld < 1e-20 { return }
        for _ in 0..<steps {
            applyImplicitA(p, ap, entries, s, lambda: lambda)
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
        _ rows: SIMD4<Int>, x: MutableDenseRows<Float>, _ s: ImplicitRows, steps: Int,
        scratch: UnsafeMutablePointer<Float>
    ) {
        let f = s.f, gram = s.gram.start
        let x0 = x.row(rows[0]), x1 = x.row(rows[1]), x2 = x.row(rows[2]), x3 = x.row(rows[3])
        let r = scratch, p = scratch + 4 * f, ap = scratch + 8 * f
        @inline(__always) func range(_ b: Int) -> Range<Int> { s.conf.range(rows[b]) }
        let lambdas = SIMD4(
            s.rowLambda(range(0)), s.rowLambda(range(1)), s.rowLambda(range(2)), s.rowLambda(range(3)))
        // r = b − A·x
        ALSLinearAlgebra.symv4(gram, x0, x1, x2, x3, shifts: lambdas, r, r + f, r + 2 * f, r + 3 * f, f)
        var rsOld = SIMD4<Float>(), active = SIMD4<Int32>(repeating: 0)
        for b in 0..<4 {
            let rb = r + b * f
            for j in 0..<f { rb[j] = -rb[j] }
            sparseUpdate(x.row(rows[b]), rb, range(b), s, residual: true)
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
                sparseUpdate(pb, apb, range(b), s, residual: false)
                let pAp = ALSLinearAlgebra.dot(pb, apb, f)
                guard pAp > 0 else {
                    active[b] = 0
                    continue
                }
                let a = rsOld[b] / pAp
                ALSLinearAlgebra.axpy(a, pb, x.row(rows[b]), f)
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
        _ x: UnsafeMutablePointer<Float>, _ entries: Range<Int>, _ s: ImplicitRows, lambda: Float,
        floatScratch: UnsafeMutablePointer<Float>, doubleScratch: UnsafeMutablePointer<Double>
    ) -> Bool {
        let f = s.f, b = doubleScratch + f * f
        buildImplicitSystem(entries, s, lambda: lambda, floatScratch: floatScratch, a: doubleScratch, b: b)
        guard ALSLinearAlgebra.choleskySolve(doubleScratch, b, f) else { return false }
        for j in 0..<f { x[j] = Float(b[j]) }
        return true
    }

    /// Writes the upper triangle of `A = gram + λ·I + Σ (c − 1)·y_i y_iᵀ` to `a` (Double, f×f)
    /// and `b = Σ_{p=1} c·y_i` to `b`, accumulating A in `floatScratch` (f² floats). O(n·f²/2).
    static func buildImplicitSystem(
        _ entries: Range<Int>, _ s: ImplicitRows, lambda: Float, floatScratch: UnsafeMutablePointer<Float>,
        a ad: UnsafeMutablePointer<Double>, b: UnsafeMutablePointer<Double>
    ) {
        let f = s.f, a = floatScratch
        a.update(from: s.gram.start, count: f * f)
        for j in 0..<f { a[j * f + j] += lambda }
        b.update(repeating: 0, count: f)
        for k in entries {
            let yi = s.y.row(s.conf.column(k))
            let v = s.confidence(k), w = abs(v) - 1
            for j in 0..<f { ALSLinearAlgebra.axpy(w * yi[j], yi + j, a + j * f + j, f - j) }
            if v > 0 { for j in 0..<f { b[j] += Double(v) * Double(yi[j]) } }
        }
        for j in 0..<f { for c in j..<f { ad[j * f + c] = Double(a[j * f + c]) } }
    }
}

// MARK: - Row context

/// How the kernels read a signed confidence (`+c` where `p = 1`, `−c` where `p = 0`) from a
/// stored value `v`.
enum ConfidenceEncoding: Sendable {
    /// The values are the signed confidences (``ALS/confidenceMatrix(_:options:)``).
    case signed
    /// `α·v`: equal to `sign(v)·α|v|` bit for bit, up to the sign of a zero (which no kernel reads:
    /// they use `|c|`, `c > 0` and `c ≤ 0`).
    case linear(alpha: Float)
    /// `±(1 + α|v|)`.
    case onePlus(alpha: Float)
}

/// What every row solve of one implicit half-iteration reads: the rows being solved with their
/// confidences, the fixed factors and their Gram matrix `YᵀY`, and the regularization.
/// Built in one place (``with(_:_:fixed:gram:options:_:)``), valid inside its closure.
struct ImplicitRows: Sendable {
    /// The rows being solved; read confidences with ``confidence(_:)``.
    let conf: CSRRows
    let encoding: ConfidenceEncoding
    /// The fixed factors, one row of `f` per column of `conf`.
    let y: DenseRows<Float>
    /// `YᵀY`, f×f.
    let gram: DenseRows<Float>
    let lambda: Float
    let scaling: ALSRegularizationScaling

    var f: Int { y.width }

    static func with<R>(
        _ conf: SparseMatrix, _ encoding: ConfidenceEncoding, fixed: [Float], gram: [Float],
        options: ALSImplicitOptions, _ body: (ImplicitRows) throws -> R
    ) rethrows -> R {
        let f = options.factors
        precondition(fixed.count == conf.cols * f && gram.count == f * f, "factors do not fit the matrix")
        return try conf.withRows { c in
            try fixed.withRows(width: f) { y in
                try gram.withRows(width: f) { g in
                    try body(
                        ImplicitRows(
                            conf: c, encoding: encoding, y: y, gram: g, lambda: options.regularization,
                            scaling: options.regularizationScaling))
                }
            }
        }
    }

    /// The signed confidence of entry `k`.
    @inline(__always) func confidence(_ k: Int) -> Float {
        let v = conf.value(k)
        switch encoding {
        case .signed: return v
        case .linear(let alpha): return alpha * v
        case .onePlus(let alpha): return v > 0 ? 1 + alpha * v : -(1 + alpha * -v)
        }
    }

    /// `λ_u` for a row: λ, or λ·(number of positive entries) for `.perCount` (at least λ).
    @inline(__always) func rowLambda(_ entries: Range<Int>) -> Float {
        guard scaling == .perCount else { return lambda }
        var n = 0
        for k in entries where confidence(k) > 0 { n += 1 }
        return lambda * Float(max(n, 1))
    }
}
