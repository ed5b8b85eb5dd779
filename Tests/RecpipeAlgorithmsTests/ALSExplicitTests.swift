import Testing

@testable import RecpipeAlgorithms

/// Explicit-rating ALS (weighted-λ, biases): low-rank recovery, monotone loss, clipping, fold-in.
@Suite struct ALSExplicitTests {
    /// A rank-2 rating matrix 3 + u·v with ~70% of the entries observed; the rest held out.
    static func lowRank(seed: UInt64) -> (train: SparseMatrix, heldOut: [(Int, Int, Float)]) {
        var g = SeededGenerator(seed: seed)
        let users = 40, items = 30, rank = 2
        let u = (0..<(users * rank)).map { _ in Float(g.nextDouble() * 2 - 1) }
        let v = (0..<(items * rank)).map { _ in Float(g.nextDouble() * 2 - 1) }
        var train: [(row: Int, col: Int, value: Float)] = [], held: [(Int, Int, Float)] = []
        for a in 0..<users {
            for b in 0..<items {
                let r = 3 + (0..<rank).reduce(Float(0)) { $0 + u[a * rank + $1] * v[b * rank + $1] }
                if g.nextDouble() < 0.7 { train.append((row: a, col: b, value: r)) } else { held.append((a, b, r)) }
            }
        }
        return (SparseMatrix(rows: users, cols: items, triplets: train), held)
    }

    static func rmse(_ model: ALSModel, _ entries: [(Int, Int, Float)]) -> Double {
        let s = entries.reduce(0.0) { acc, e in
            let d = Double(model.predict(user: e.0, item: e.1) - e.2)
            return acc + d * d
        }
        return (s / Double(entries.count)).squareRoot()
    }

    @Test(arguments: [true, false])
    func recoversLowRankMatrix(useBiases: Bool) throws {
        let (train, held) = Self.lowRank(seed: 21)
        let model = try ALS.fitExplicit(
            train,
            options: ALSExplicitOptions(
                factors: useBiases ? 2 : 3, iterations: 40, regularization: 0.001, useBiases: useBiases,
                seed: 1, computeLoss: true))
        let trainEntries = (0..<train.rows).flatMap { u in
            train.rowRange(u).map { (u, Int(train.columns[$0]), train.values[$0]) }
        }
        #expect(Self.rmse(model, trainEntries) < 0.05)
        #expect(Self.rmse(model, held) < 0.15)
        for k in 1..<model.losses.count { #expect(model.losses[k] <= model.losses[k - 1] * (1 + 1e-6)) }
        if useBiases {
            #expect(abs(model.globalMean - train.values.reduce(0, +) / Float(train.nonZeroCount)) < 1e-4)
        } else {
            #expect(model.userBiases.isEmpty && model.globalMean == 0)
        }
    }

    @Test func predictionsAreClippedToRatingRange() throws {
        let m = SparseMatrix(rows: 2, cols: 2, triplets: [(0, 0, 5), (0, 1, 5), (1, 0, 1)])
        let model = try ALS.fitExplicit(
            m,
            options: ALSExplicitOptions(
                factors: 2, iterations: 10, regularization: 0.01, ratingRange: 1...5))
        for u in 0..<2 {
            for i in 0..<2 { #expect((1...5).contains(model.predict(user: u, item: i))) }
        }
    }

    @Test func foldInReproducesTrainedUserAndBias() throws {
        let (train, _) = Self.lowRank(seed: 5)
        let model = try ALS.fitExplicit(train, options: ALSExplicitOptions(factors: 3, iterations: 5, seed: 2))
        let user = 4, r = train.rowRange(user)
        let folded = try model.foldIn(zip(train.columns[r], train.values[r]).map { (item: Int($0), value: $1) })
        for (a, b) in zip(folded.factors, model.userVector(user)) { #expect(abs(a - b) < 1e-4) }
        #expect(abs(folded.bias - model.userBiases[user]) < 1e-4)
    }

    @Test func emptyRowsGetZeroFactorsAndBiases() throws {
        let m = SparseMatrix(rows: 3, cols: 3, triplets: [(0, 0, 4), (2, 2, 2), (0, 2, 3)])
        let model = try ALS.fitExplicit(m, options: ALSExplicitOptions(factors: 2, iterations: 3))
        #expect(model.userVector(1).allSatisfy { $0 == 0 } && model.userBiases[1] == 0)
        #expect(model.itemVector(1).allSatisfy { $0 == 0 } && model.itemBiases[1] == 0)
        #expect(model.userFactors.allSatisfy { $0.isFinite })
    }

    @Test func validationAndExplainErrors() throws {
        let m = SparseMatrix(rows: 1, cols: 1, triplets: [(0, 0, 4)])
        #expect(throws: AlgorithmError.invalidOption("factors must be >= 1 (got 0); typical values are 32–256")) {
            try ALS.fitExplicit(m, options: ALSExplicitOptions(factors: 0))
        }
        #expect(throws: AlgorithmError.self) {
            try ALS.fitExplicit(m, options: ALSExplicitOptions(regularization: -0.5))
        }
        let model = try ALS.fitExplicit(m, options: ALSExplicitOptions(factors: 1, iterations: 1))
        #expect(throws: AlgorithmError.self) { try model.explain([(item: 0, value: 1)], item: 0) }
    }
}
