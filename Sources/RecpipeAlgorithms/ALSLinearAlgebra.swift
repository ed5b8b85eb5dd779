import RealModule

/// Dense kernels of ALS on raw pointers into contiguous row-major `Float` storage.
///
/// Reductions use `Relaxed.multiplyAdd` so that the optimizer may reorder and vectorize them;
/// results are still deterministic for a given build (the order chosen at compile time does not
/// depend on threads or timing).
enum ALSLinearAlgebra {
    // MARK: - Level 1

    /// `a · b` over `n` elements. O(n).
    ///
    /// 16-lane SIMD accumulation (several independent vector registers on any x86/ARM target),
    /// then 4-lane and scalar tails with `Relaxed` arithmetic.
    @inline(__always)
    static func dot(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ n: Int) -> Float {
        let ra = UnsafeRawPointer(a), rb = UnsafeRawPointer(b)
        var acc16 = SIMD16<Float>()
        var k = 0
        while k + 16 <= n {
            acc16 +=
                ra.loadUnaligned(fromByteOffset: k &* 4, as: SIMD16<Float>.self)
                * rb.loadUnaligned(fromByteOffset: k &* 4, as: SIMD16<Float>.self)
            k &+= 16
        }
        var acc4 = SIMD4<Float>()
        while k + 4 <= n {
            acc4 +=
                ra.loadUnaligned(fromByteOffset: k &* 4, as: SIMD4<Float>.self)
                * rb.loadUnaligned(fromByteOffset: k &* 4, as: SIMD4<Float>.self)
            k &+= 4
        }
        var s = Relaxed.sum(horizontalSum(acc16), horizontalSum(acc4))
        while k < n {
            s = Relaxed.multiplyAdd(a[k], b[k], s)
            k &+= 1
        }
        return s
    }

    /// The sum of the lanes, folded in vector registers (no generic `lowHalf`/`highHalf` calls).
    @inline(__always)
    static func horizontalSum(_ v: SIMD16<Float>) -> Float {
        let q = unsafeBitCast(v, to: (SIMD4<Float>, SIMD4<Float>, SIMD4<Float>, SIMD4<Float>).self)
        return horizontalSum((q.0 + q.1) + (q.2 + q.3))
    }

    @inline(__always)
    static func horizontalSum(_ v: SIMD8<Float>) -> Float {
        let q = unsafeBitCast(v, to: (SIMD4<Float>, SIMD4<Float>).self)
        return horizontalSum(q.0 + q.1)
    }

    @inline(__always)
    static func horizontalSum(_ v: SIMD4<Float>) -> Float {
        (v[0] + v[2]) + (v[1] + v[3])
    }

    /// `y += alpha · x` over `n` elements. O(n).
    @inline(__always)
    static func axpy(_ alpha: Float, _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ n: Int) {
        let rx = UnsafeRawPointer(x), ry = UnsafeMutableRawPointer(y)
        var k = 0
        while k + 16 <= n {
            let v =
                ry.loadUnaligned(fromByteOffset: k &* 4, as: SIMD16<Float>.self)
                + alpha * rx.loadUnaligned(fromByteOffset: k &* 4, as: SIMD16<Float>.self)
            ry.storeBytes(of: v, toByteOffset: k &* 4, as: SIMD16<Float>.self)
            k &+= 16
        }
        while k < n {
            y[k] = Relaxed.multiplyAdd(alpha, x[k], y[k])
            k &+= 1
        }
    }

    /// Four dot products `y_k · v` sharing each load of `v`. O(4n).
    @inline(__always)
    static func dot4(
        _ y0: UnsafePointer<Float>, _ y1: UnsafePointer<Float>, _ y2: UnsafePointer<Float>,
        _ y3: UnsafePointer<Float>, _ v: UnsafePointer<Float>, _ n: Int
    ) -> SIMD4<Float> {
        let r0 = UnsafeRawPointer(y0), r1 = UnsafeRawPointer(y1), r2 = UnsafeRawPointer(y2)
        let r3 = UnsafeRawPointer(y3), rv = UnsafeRawPointer(v)
        var c0 = SIMD8<Float>(), c1 = SIMD8<Float>(), c2 = SIMD8<Float>(), c3 = SIMD8<Float>()
        var k = 0
        while k + 8 <= n {
            let o = k &* 4
            let vv = rv.loadUnaligned(fromByteOffset: o, as: SIMD8<Float>.self)
            c0 += r0.loadUnaligned(fromByteOffset: o, as: SIMD8<Float>.self) * vv
            c1 += r1.loadUnaligned(fromByteOffset: o, as: SIMD8<Float>.self) * vv
            c2 += r2.loadUnaligned(fromByteOffset: o, as: SIMD8<Float>.self) * vv
            c3 += r3.loadUnaligned(fromByteOffset: o, as: SIMD8<Float>.self) * vv
            k &+= 8
        }
        var s = SIMD4<Float>(horizontalSum(c0), horizontalSum(c1), horizontalSum(c2), horizontalSum(c3))
        while k < n {
            s += SIMD4(y0[k], y1[k], y2[k], y3[k]) * v[k]
            k &+= 1
        }
        return s
    }

    /// `g += a[0]·y0 + a[1]·y1 + a[2]·y2 + a[3]·y3` over `n` elements (one load/store of `g`).
    @inline(__always)
    static func axpy4(
        _ a: SIMD4<Float>, _ y0: UnsafePointer<Float>, _ y1: UnsafePointer<Float>,
        _ y2: UnsafePointer<Float>, _ y3: UnsafePointer<Float>, _ g: UnsafeMutablePointer<Float>, _ n: Int
    ) {
        let rg = UnsafeMutableRawPointer(g)
        let r0 = UnsafeRawPointer(y0), r1 = UnsafeRawPointer(y1), r2 = UnsafeRawPointer(y2), r3 = UnsafeRawPointer(y3)
        let a0 = a[0], a1 = a[1], a2 = a[2], a3 = a[3]
        var k = 0
        while k + 16 <= n {
            let o = k &* 4
            var v = rg.loadUnaligned(fromByteOffset: o, as: SIMD16<Float>.self)
            v += a0 * r0.loadUnaligned(fromByteOffset: o, as: SIMD16<Float>.self)
            v += a1 * r1.loadUnaligned(fromByteOffset: o, as: SIMD16<Float>.self)
            v += a2 * r2.loadUnaligned(fromByteOffset: o, as: SIMD16<Float>.self)
            v += a3 * r3.loadUnaligned(fromByteOffset: o, as: SIMD16<Float>.self)
            rg.storeBytes(of: v, toByteOffset: o, as: SIMD16<Float>.self)
            k &+= 16
        }
        while k < n {
            g[k] += a0 * y0[k] + a1 * y1[k] + a2 * y2[k] + a3 * y3[k]
            k &+= 1
        }
    }

    /// `y = A·x + shift·x` for a full symmetric row-major `n×n` matrix `A`. O(n²).
    ///
    /// Four rows at a time share each load of `x`.
    @inline(__always)
    static func symv(
        _ a: UnsafePointer<Float>, _ x: UnsafePointer<Float>, shift: Float,
        _ y: UnsafeMutablePointer<Float>, _ n: Int
    ) {
        var j = 0
        while j + 4 <= n {
            let r0 = a + j &* n
            let d = dot4(r0, r0 + n, r0 + 2 &* n, r0 + 3 &* n, x, n)
            let xs = UnsafeRawPointer(x).loadUnaligned(fromByteOffset: j &* 4, as: SIMD4<Float>.self)
            UnsafeMutableRawPointer(y).storeBytes(of: d + shift * xs, toByteOffset: j &* 4, as: SIMD4<Float>.self)
            j &+= 4
        }
        while j < n {
            y[j] = Relaxed.multiplyAdd(shift, x[j], dot(a + j &* n, x, n))
            j &+= 1
        }
    }

    /// `o_b = A·v_b + shift_b·v_b` for four vectors at once (b = 0…3), `A` a full symmetric
    /// row-major `n×n` matrix. O(4n²).
    ///
    /// Two rows of `A` against the four vectors per pass (eight accumulators): every element of
    /// `A` is loaded once for all four vectors, so `A` streams through the caches once instead of
    /// four times, and there are 0.75 loads per multiply-add instead of 1.25 for ``symv``. Each
    /// output is the same sum whichever vectors share the call. The accumulators are 8 lanes wide
    /// in a build for AVX2 (`RECPIPE_AVX2`, set by scripts/build.sh), else 4 — eight 8-lane
    /// accumulators would not fit the sixteen 128-bit registers of baseline x86-64.
    @inline(__always)
    static func symv4(
        _ a: UnsafePointer<Float>,
        _ v0: UnsafePointer<Float>, _ v1: UnsafePointer<Float>, _ v2: UnsafePointer<Float>, _ v3: UnsafePointer<Float>,
        shifts: SIMD4<Float>,
        _ o0: UnsafeMutablePointer<Float>, _ o1: UnsafeMutablePointer<Float>,
        _ o2: UnsafeMutablePointer<Float>, _ o3: UnsafeMutablePointer<Float>, _ n: Int
    ) {
        #if RECPIPE_AVX2
            symv4(SIMD8<Float>.self, a, v0, v1, v2, v3, shifts: shifts, o0, o1, o2, o3, n)
        #else
            symv4(SIMD4<Float>.self, a, v0, v1, v2, v3, shifts: shifts, o0, o1, o2, o3, n)
        #endif
    }

    /// ``symv4(_:_:_:_:_:shifts:_:_:_:_:_:)`` with accumulators of type `V`.
    @inline(__always)
    static func symv4<V: FoldableFloatVector>(
        _: V.Type, _ a: UnsafePointer<Float>,
        _ v0: UnsafePointer<Float>, _ v1: UnsafePointer<Float>, _ v2: UnsafePointer<Float>, _ v3: UnsafePointer<Float>,
        shifts: SIMD4<Float>,
        _ o0: UnsafeMutablePointer<Float>, _ o1: UnsafeMutablePointer<Float>,
        _ o2: UnsafeMutablePointer<Float>, _ o3: UnsafeMutablePointer<Float>, _ n: Int
    ) {
        let w0 = UnsafeRawPointer(v0), w1 = UnsafeRawPointer(v1), w2 = UnsafeRawPointer(v2), w3 = UnsafeRawPointer(v3)
        let width = V.scalarCount
        @inline(__always) func column(_ k: Int) -> SIMD4<Float> { SIMD4(v0[k], v1[k], v2[k], v3[k]) }
        @inline(__always) func store(_ s: SIMD4<Float>, _ j: Int) {
            o0[j] = s[0]
            o1[j] = s[1]
            o2[j] = s[2]
            o3[j] = s[3]
        }
        var j = 0
        while j &+ 2 <= n {
            let ra = UnsafeRawPointer(a + j &* n), rb = UnsafeRawPointer(a + (j &+ 1) &* n)
            var a0 = V(), a1 = V(), a2 = V(), a3 = V()
            var b0 = V(), b1 = V(), b2 = V(), b3 = V()
            var k = 0
            while k &+ width <= n {
                let o = k &* 4
                let x = ra.loadUnaligned(fromByteOffset: o, as: V.self)
                let y = rb.loadUnaligned(fromByteOffset: o, as: V.self)
                var w = w0.loadUnaligned(fromByteOffset: o, as: V.self)
                V.accumulate(&a0, x, w)
                V.accumulate(&b0, y, w)
                w = w1.loadUnaligned(fromByteOffset: o, as: V.self)
                V.accumulate(&a1, x, w)
                V.accumulate(&b1, y, w)
                w = w2.loadUnaligned(fromByteOffset: o, as: V.self)
                V.accumulate(&a2, x, w)
                V.accumulate(&b2, y, w)
                w = w3.loadUnaligned(fromByteOffset: o, as: V.self)
                V.accumulate(&a3, x, w)
                V.accumulate(&b3, y, w)
                k &+= width
            }
            var sa = lanes(a0.folded, a1.folded, a2.folded, a3.folded)
            var sb = lanes(b0.folded, b1.folded, b2.folded, b3.folded)
            while k < n {
                let c = column(k)
                sa += a[j &* n &+ k] * c
                sb += a[(j &+ 1) &* n &+ k] * c
                k &+= 1
            }
            store(sa + shifts * column(j), j)
            store(sb + shifts * column(j &+ 1), j &+ 1)
            j &+= 2
        }
        if j < n {
            let ra = UnsafeRawPointer(a + j &* n)
            var a0 = V(), a1 = V(), a2 = V(), a3 = V()
            var k = 0
            while k &+ width <= n {
                let o = k &* 4
                let x = ra.loadUnaligned(fromByteOffset: o, as: V.self)
                V.accumulate(&a0, x, w0.loadUnaligned(fromByteOffset: o, as: V.self))
                V.accumulate(&a1, x, w1.loadUnaligned(fromByteOffset: o, as: V.self))
                V.accumulate(&a2, x, w2.loadUnaligned(fromByteOffset: o, as: V.self))
                V.accumulate(&a3, x, w3.loadUnaligned(fromByteOffset: o, as: V.self))
                k &+= width
            }
            var sa = lanes(a0.folded, a1.folded, a2.folded, a3.folded)
            while k < n {
                sa += a[j &* n &+ k] * column(k)
                k &+= 1
            }
            store(sa + shifts * column(j), j)
        }
    }

    /// `[Σa, Σb, Σc, Σd]`: the lane sums of four vectors, by two rounds of pairwise adds.
    @inline(__always)
    static func lanes(_ a: SIMD4<Float>, _ b: SIMD4<Float>, _ c: SIMD4<Float>, _ d: SIMD4<Float>) -> SIMD4<Float> {
        let ab = SIMD8(lowHalf: a, highHalf: b), cd = SIMD8(lowHalf: c, highHalf: d)
        let t = SIMD8(lowHalf: ab.evenHalf + ab.oddHalf, highHalf: cd.evenHalf + cd.oddHalf)
        return t.evenHalf + t.oddHalf
    }

    // MARK: - Gram matrix

    /// `FᵀF` of a row-major `rows×f` matrix, as a full symmetric `f×f` matrix.
    ///
    /// Rank-4 updates of full rows (G[j,:] += Σ y_r[j]·y_r over four rows at once), so every
    /// row of G is loaded and stored once per four factor rows. Rows are split into fixed blocks
    /// (independent of the thread count) whose partial sums are added in block order, so the
    /// result is bit-identical for any number of threads. O(rows·f²) work.
    static func gram(_ factors: [Float], rows: Int, f: Int, threads: Int) -> [Float] {
        let blockRows = 1024
        let blocks = max(1, (rows + blockRows - 1) / blockRows)
        let partials = KernelScratch<Float>(rows: blocks, width: f * f, repeating: 0)
        factors.withRows(width: f) { y in
            precondition(y.rowCount == rows, "\(y.rowCount) factor rows, expected \(rows)")
            Parallel.forEachInterleaved(count: blocks, threads: threads) { block in
                let g = partials.row(block)
                let end = min(rows, (block + 1) * blockRows)
                var r = block * blockRows
                while r + 4 <= end {
                    let y0 = y.row(r), y1 = y.row(r + 1), y2 = y.row(r + 2), y3 = y.row(r + 3)
                    for j in 0..<f { rank4Row(g + j * f, y0, y1, y2, y3, j, f) }
                    r += 4
                }
                while r < end {
                    let yr = y.row(r)
                    for j in 0..<f { axpy(yr[j], yr, g + j * f, f) }
                    r += 1
                }
            }
        }
        var result = [Float](repeating: 0, count: f * f)
        for b in 0..<blocks {
            let partial = partials.row(b)
            for k in 0..<(f * f) { result[k] += partial[k] }
        }
        return result
    }

    /// `g += y0[j]·y0 + y1[j]·y1 + y2[j]·y2 + y3[j]·y3` over `f` elements.
    @inline(__always)
    static func rank4Row(
        _ g: UnsafeMutablePointer<Float>, _ y0: UnsafePointer<Float>, _ y1: UnsafePointer<Float>,
        _ y2: UnsafePointer<Float>, _ y3: UnsafePointer<Float>, _ j: Int, _ f: Int
    ) {
        axpy4(SIMD4(y0[j], y1[j], y2[j], y3[j]), y0, y1, y2, y3, g, f)
    }

    // MARK: - Cholesky

    /// Solves `A·x = b` in place for a symmetric positive-definite `n×n` matrix given by its
    /// upper triangle in row-major `a` (overwritten by the Cholesky factor); `b` becomes `x`.
    /// Returns false if `A` is not positive definite. O(n³/6 + n²).
    static func choleskySolve(_ a: UnsafeMutablePointer<Double>, _ b: UnsafeMutablePointer<Double>, _ n: Int) -> Bool {
        // Factor A = Uᵀ U with U upper triangular, stored in the upper triangle of `a`.
        for j in 0..<n {
            var d = a[j * n + j]
            for k in 0..<j { d -= a[k * n + j] * a[k * n + j] }
            guard d > 0, d.isFinite else { return false }
            let ujj = d.squareRoot()
            a[j * n + j] = ujj
            var c = j + 1
            while c < n {
                var s = a[j * n + c]
                for k in 0..<j { s -= a[k * n + j] * a[k * n + c] }
                a[j * n + c] = s / ujj
                c += 1
            }
        }
        // Forward solve Uᵀ z = b.
        for j in 0..<n {
            var s = b[j]
            for k in 0..<j { s -= a[k * n + j] * b[k] }
            b[j] = s / a[j * n + j]
        }
        // Back solve U x = z.
        var j = n - 1
        while j >= 0 {
            var s = b[j]
            for k in (j + 1)..<n { s -= a[j * n + k] * b[k] }
            b[j] = s / a[j * n + j]
            j -= 1
        }
        return true
    }
}

/// A SIMD vector of `Float` that folds to four lanes (pairwise sums), so that kernels written
/// once can accumulate in 4- or 8-lane registers.
/// (The arithmetic is a requirement so that each conformance uses its concrete vector operators,
/// not the lane-by-lane generic ones.)
protocol FoldableFloatVector: SIMD where Scalar == Float {
    var folded: SIMD4<Float> { get }
    /// `acc += x · y`, lane-wise.
    static func accumulate(_ acc: inout Self, _ x: Self, _ y: Self)
}

extension SIMD4: FoldableFloatVector where Scalar == Float {
    @inline(__always) var folded: SIMD4<Float> { self }
    @inline(__always) static func accumulate(_ acc: inout Self, _ x: Self, _ y: Self) { acc += x * y }
}

extension SIMD8: FoldableFloatVector where Scalar == Float {
    @inline(__always) var folded: SIMD4<Float> { lowHalf + highHalf }
    @inline(__always) static func accumulate(_ acc: inout Self, _ x: Self, _ y: Self) { acc += x * y }
}
