import Testing

@testable import RecpipeAlgorithms

/// Hand-checked normal equations and agreement of the CG and Cholesky row solvers.
@Suite struct ALSSolverTests {
    /// Y = [[1,0],[0,1],[1,1]], user likes item 0 (r = 2) and item 2 (r = 1), linear α = 1, λ = 0.5:
    /// A = YᵀY + 0.5·I + (2−1)·y0y0ᵀ + (1−1)·y2y2ᵀ = [[3.5,1],[1,2.5]], b = 2·y0 + 1·y2 = [3,1],
    /// x = A⁻¹b = [6.5, 0.5] / 7.75.
    static let y: [Float] = [1, 0, 0, 1, 1, 1]
    static let cols: [Int32] = [0, 2]
    static let vals: [Float] = [2, 1]
    static let expected: [Float] = [6.5 / 7.75, 0.5 / 7.75]

    func solve(cholesky: Bool, steps: Int = 2) -> [Float] {
        let gram = ALSLinearAlgebra.gram(Self.y, rows: 3, f: 2, threads: 1)
        #expect(gram == [2, 1, 1, 2])
        var x: [Float] = [0, 0]
        var fs = [Float](repeating: 0, count: 16)
        var ds = [Double](repeating: 0, count: 16)
        let conf = SparseMatrix(rows: 1, cols: 3, rowPointers: [0, 2], columns: Self.cols, values: Self.vals)
        let options = ALSImplicitOptions(factors: 2, regularization: 0.5)
        ImplicitRows.with(conf, .signed, fixed: Self.y, gram: gram, options: options) { s in
            if cholesky {
                _ = ALS.choleskyRow(&x, 0..<2, s, lambda: 0.5, floatScratch: &fs, doubleScratch: &ds)
            } else {
                ALS.conjugateGradientRow(&x, 0..<2, s, steps: steps, scratch: &fs)
            }
        }
        return x
    }

    @Test func choleskySolvesHandCheckedNormalEquations() {
        let x = solve(cholesky: true)
        #expect(abs(x[0] - Self.expected[0]) < 1e-6)
        #expect(abs(x[1] - Self.expected[1]) < 1e-6)
    }

    @Test func conjugateGradientIsExactAfterFSteps() {
        let x = solve(cholesky: false, steps: 2)
        #expect(abs(x[0] - Self.expected[0]) < 1e-5)
        #expect(abs(x[1] - Self.expected[1]) < 1e-5)
    }

    @Test func choleskySolveOnDenseSystem() {
        // A = [[4,2,0],[2,5,1],[0,1,3]] (upper triangle given), x = [1,−1,2] ⇒ b = [2,−1,5].
        var a: [Double] = [4, 2, 0, 0, 5, 1, 0, 0, 3]
        var b: [Double] = [2, -1, 5]
        #expect(ALSLinearAlgebra.choleskySolve(&a, &b, 3))
        for (got, want) in zip(b, [1.0, -1, 2]) { #expect(abs(got - want) < 1e-12) }
        var singular: [Double] = [1, 1, 0, 1]
        var rhs: [Double] = [1, 1]
        #expect(!ALSLinearAlgebra.choleskySolve(&singular, &rhs, 2))
    }

    @Test func fullModelCGMatchesCholeskyWithEnoughSteps() throws {
        let m = ALSTestData.random(users: 25, items: 30, density: 0.2, seed: 3)
        let exact = try ALS.fitImplicit(
            m,
            options: ALSImplicitOptions(
                factors: 6, iterations: 1, regularization: 0.1, solver: .cholesky, seed: 9))
        let cg = try ALS.fitImplicit(
            m,
            options: ALSImplicitOptions(
                factors: 6, iterations: 1, regularization: 0.1, solver: .conjugateGradient(steps: 40), seed: 9))
        // One iteration: users from identical initial items, then items from (nearly) identical users.
        for k in 0..<exact.userFactors.count { #expect(abs(exact.userFactors[k] - cg.userFactors[k]) < 1e-4) }
        for k in 0..<exact.itemFactors.count { #expect(abs(exact.itemFactors[k] - cg.itemFactors[k]) < 1e-4) }
    }
}

/// Seeded random test matrices.
enum ALSTestData {
    static func random(users: Int, items: Int, density: Double, seed: UInt64, maxValue: Int = 5) -> SparseMatrix {
        var g = SeededGenerator(seed: seed)
        var triplets: [(row: Int, col: Int, value: Float)] = []
        for u in 0..<users {
            for i in 0..<items where g.nextDouble() < density {
                triplets.append((row: u, col: i, value: Float(1 + Int(g.next() % UInt64(maxValue)))))
            }
        }
        return SparseMatrix(rows: users, cols: items, triplets: triplets)
    }
}
