import Testing

@testable import RecpipeAlgorithms

/// The four-row kernels of the CG solver against their one-row counterparts.
@Suite struct ALSBatchedSolverTests {
    static func random(_ count: Int, seed: UInt64) -> [Float] {
        var g = SeededGenerator(seed: seed)
        return (0..<count).map { _ in Float.random(in: -1...1, using: &g) }
    }

    /// A symmetric n×n matrix.
    static func symmetric(_ n: Int, seed: UInt64) -> [Float] {
        let r = random(n * n, seed: seed)
        var a = [Float](repeating: 0, count: n * n)
        for i in 0..<n { for j in 0..<n { a[i * n + j] = r[min(i, j) * n + max(i, j)] } }
        return a
    }

    /// Both accumulator widths (the build picks one), on sizes around their lane counts.
    @Test(arguments: [1, 2, 3, 7, 8, 13, 17, 64, 65], [4, 8])
    func symv4MatchesFourSymvCalls(n: Int, lanes: Int) {
        let a = Self.symmetric(n, seed: UInt64(n))
        let v = Self.random(4 * n, seed: 99)
        let shifts = SIMD4<Float>(0.5, 0, 2, 1e-3)
        var four = [Float](repeating: .nan, count: 4 * n)
        var one = [Float](repeating: .nan, count: 4 * n)
        a.withUnsafeBufferPointer { ap in
            v.withUnsafeBufferPointer { vp in
                let A = ap.baseAddress!, V = vp.baseAddress!
                four.withUnsafeMutableBufferPointer { o in
                    let O = o.baseAddress!
                    if lanes == 4 {
                        ALSLinearAlgebra.symv4(
                            SIMD4<Float>.self, A, V, V + n, V + 2 * n, V + 3 * n, shifts: shifts, O, O + n, O + 2 * n,
                            O + 3 * n, n)
                    } else {
                        ALSLinearAlgebra.symv4(
                            SIMD8<Float>.self, A, V, V + n, V + 2 * n, V + 3 * n, shifts: shifts, O, O + n, O + 2 * n,
                            O + 3 * n, n)
                    }
                }
                one.withUnsafeMutableBufferPointer { o in
                    for b in 0..<4 { ALSLinearAlgebra.symv(A, V + b * n, shift: shifts[b], o.baseAddress! + b * n, n) }
                }
            }
        }
        for k in 0..<(4 * n) {
            #expect(abs(four[k] - one[k]) <= 1e-5 * max(1, abs(one[k])), "element \(k): \(four[k]) vs \(one[k])")
        }
    }

    @Test func lanesSumsEachVector() {
        let s = ALSLinearAlgebra.lanes(SIMD4(1, 2, 3, 4), SIMD4(10, 20, 30, 40), SIMD4(0, 0, 0, 1), SIMD4(-1, 1, -1, 1))
        #expect(s == SIMD4(10, 100, 1, 0))
    }

    /// Four rows solved together agree with each row solved alone, with plain and per-count
    /// regularization.
    @Test(arguments: [ALSRegularizationScaling.none, .perCount])
    func fourRowsInLockstepMatchOneAtATime(scaling: ALSRegularizationScaling) {
        let f = 6, items = 9
        let y = Self.random(items * f, seed: 5)
        let gram = ALSLinearAlgebra.gram(y, rows: items, f: f, threads: 1)
        // Rows 0–3 with 1, 3, 2 and 4 entries; signed confidences as `confidenceMatrix` writes them.
        let ptr = [0, 1, 4, 6, 10]
        let cols: [Int32] = [2, 0, 4, 8, 1, 7, 3, 5, 6, 0]
        let vals: [Float] = [3, 1, -2, 4, 2, 5, 1.5, -1, 2, 6]
        let start = Self.random(4 * f, seed: 7).map { $0 * 0.1 }
        var together = start, alone = start
        var scratch = [Float](repeating: 0, count: 12 * f)
        let conf = SparseMatrix(rows: 4, cols: items, rowPointers: ptr, columns: cols, values: vals)
        let options = ALSImplicitOptions(factors: f, regularization: 0.1, regularizationScaling: scaling)
        ImplicitRows.with(conf, .signed, fixed: y, gram: gram, options: options) { s in
            together.withMutableRows(width: f) { x in
                ALS.conjugateGradientRows4(SIMD4(0, 1, 2, 3), x: x, s, steps: 3, scratch: &scratch)
            }
            alone.withMutableRows(width: f) { x in
                for u in 0..<4 {
                    ALS.conjugateGradientRow(x.row(u), s.conf.range(u), s, steps: 3, scratch: &scratch)
                }
            }
        }
        #expect(together != start)
        for k in 0..<(4 * f) {
            #expect(
                abs(together[k] - alone[k]) <= 1e-4 * max(1, abs(alone[k])),
                "element \(k): \(together[k]) vs \(alone[k])")
        }
    }
}
