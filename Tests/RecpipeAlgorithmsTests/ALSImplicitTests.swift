import Testing

@testable import RecpipeAlgorithms

/// Implicit-feedback ALS: confidence weights, loss monotonicity, determinism, empty rows,
/// fold-in, explain and option validation.
@Suite struct ALSImplicitTests {
    static let matrix = ALSTestData.random(users: 40, items: 30, density: 0.15, seed: 7)

    // MARK: - Confidence

    @Test func confidenceModesWeights() {
        #expect(ALSConfidence.linear.confidence(3, alpha: 2) == 6)
        #expect(ALSConfidence.onePlus.confidence(3, alpha: 2) == 7)
        let log = ALSConfidence.log(epsilon: 1).confidence(3, alpha: 2)
        #expect(abs(log - (1 + 2 * Float.log(4))) < 1e-6)
        #expect(ALSConfidence.linear.confidence(-3, alpha: 2) == 6)  // dislike: confidence of |r|
    }

    @Test func confidenceMatrixEncodesPreferenceInSign() {
        let m = SparseMatrix(rows: 1, cols: 3, triplets: [(0, 0, 2), (0, 1, -1), (0, 2, 0.5)])
        let c = ALS.confidenceMatrix(m, options: ALSImplicitOptions(alpha: 3, confidence: .onePlus))
        #expect(c.values == [7, -4, 2.5])
        let l = ALS.confidenceMatrix(m, options: ALSImplicitOptions(alpha: 3))
        #expect(l.values == [6, -3, 1.5])
    }

    // MARK: - Loss

    @Test(arguments: [ALSConfidence.linear, .onePlus, .log(epsilon: 0.5)])
    func lossNeverIncreasesWithCholesky(confidence: ALSConfidence) throws {
        for scaling in [ALSRegularizationScaling.none, .perCount] {
            let model = try ALS.fitImplicit(
                Self.matrix,
                options: ALSImplicitOptions(
                    factors: 5, iterations: 8, regularization: 0.1, alpha: 2, confidence: confidence,
                    regularizationScaling: scaling, solver: .cholesky, seed: 1, computeLoss: true))
            #expect(model.losses.count == 8)
            for k in 1..<model.losses.count {
                #expect(model.losses[k] <= model.losses[k - 1] * (1 + 1e-6))
            }
        }
    }

    @Test func lossNeverIncreasesWithWarmStartedCG() throws {
        // Each warm-started CG step cannot raise a row's quadratic objective, so the loss is
        // monotone up to Float rounding.
        let model = try ALS.fitImplicit(
            Self.matrix,
            options: ALSImplicitOptions(
                factors: 6, iterations: 10, regularization: 0.05, seed: 2, computeLoss: true))
        for k in 1..<model.losses.count {
            #expect(model.losses[k] <= model.losses[k - 1] * (1 + 1e-5))
        }
        #expect(ALS.implicitLoss(Self.matrix, model: model)! == model.losses.last!)
    }

    @Test func progressAndEarlyStopping() throws {
        var reports: [ALSIterationReport] = []
        let model = try ALS.fitImplicit(
            Self.matrix,
            options: ALSImplicitOptions(
                factors: 4, iterations: 50, regularization: 0.1, solver: .cholesky, tolerance: 1e-3)
        ) {
            reports.append($0)
        }
        #expect(reports.count < 50)
        #expect(reports.map(\.iteration) == Array(1...reports.count))
        #expect(reports.allSatisfy { $0.loss != nil })
        #expect(model.losses.count == reports.count)
    }

    // MARK: - Determinism and edge cases

    @Test func sameSeedGivesIdenticalFactorsForAnyThreadCount() throws {
        let big = ALSTestData.random(users: 300, items: 200, density: 0.05, seed: 11)
        let base = ALSImplicitOptions(factors: 8, iterations: 3, seed: 5, threads: 1)
        var threaded = base
        threaded.threads = 3
        let a = try ALS.fitImplicit(big, options: base)
        let b = try ALS.fitImplicit(big, options: base)
        let c = try ALS.fitImplicit(big, options: threaded)
        #expect(a == b)
        #expect(a.userFactors == c.userFactors && a.itemFactors == c.itemFactors)
        var other = base
        other.seed = 6
        #expect(try ALS.fitImplicit(big, options: other).userFactors != a.userFactors)
    }

    @Test(arguments: [ALSSolver.cholesky, .conjugateGradient(steps: 3)])
    func usersAndItemsWithoutInteractionsGetZeroVectors(solver: ALSSolver) throws {
        // User 1 and item 2 have no interactions.
        let m = SparseMatrix(rows: 3, cols: 4, triplets: [(0, 0, 1), (0, 1, 2), (2, 1, 1), (2, 3, 4)])
        let model = try ALS.fitImplicit(m, options: ALSImplicitOptions(factors: 3, iterations: 4, solver: solver))
        #expect(model.userVector(1).allSatisfy { $0 == 0 })
        #expect(model.itemVector(2).allSatisfy { $0 == 0 })
        #expect(model.userFactors.allSatisfy(\.isFinite) && model.itemFactors.allSatisfy(\.isFinite))
        let recs = try model.recommend(user: 1, n: 4)
        #expect(recs.map(\.item) == [0, 1, 2, 3])  // all scores 0: ties by item index
        #expect(try model.similarItems(item: 2, n: 2).allSatisfy { $0.score == 0 })
    }

    @Test func matrixWithoutEntriesGivesZeroModel() throws {
        let m = SparseMatrix(rows: 2, cols: 3, triplets: [])
        let model = try ALS.fitImplicit(m, options: ALSImplicitOptions(factors: 2, iterations: 2, computeLoss: true))
        #expect(model.userFactors == [0, 0, 0, 0] && model.itemFactors.allSatisfy { $0 == 0 })
        #expect(model.losses.allSatisfy { $0 == 0 })
        let explanation = try model.explain([], item: 1)
        #expect(explanation == ALSExplanation(score: 0, contributions: []))
    }

    // MARK: - Fold-in and explain

    @Test(arguments: [(ALSSolver.cholesky, Float(1e-4)), (.conjugateGradient(steps: 3), 1e-2)])
    func foldInReproducesTrainedUserVector(solver: ALSSolver, tolerance: Float) throws {
        let model = try ALS.fitImplicit(
            Self.matrix,
            options: ALSImplicitOptions(
                factors: 5, iterations: 30, regularization: 0.1, solver: solver, seed: 3))
        for user in [0, 7, 19] {
            let r = Self.matrix.rowRange(user)
            let row = zip(Self.matrix.columns[r], Self.matrix.values[r]).map { (item: Int($0), value: $1) }
            let folded = try model.foldIn(row)
            let trained = Array(model.userVector(user))
            let scale = trained.map(abs).max()! + 1e-3
            for (a, b) in zip(folded.factors, trained) { #expect(abs(a - b) / scale < tolerance) }
        }
        #expect(try model.foldIn([]).factors.allSatisfy { $0 == 0 })
        #expect(throws: AlgorithmError.self) { try model.foldIn([(item: 99, value: 1)]) }
    }

    @Test func foldInWithPrecomputedGramIsBitIdentical() throws {
        let model = try ALS.fitImplicit(
            Self.matrix,
            options: ALSImplicitOptions(
                factors: 6, iterations: 5, regularization: 0.1, alpha: 2, seed: 5))
        let gram = model.itemGram()
        #expect(gram.values.count == 36)
        for user in 0..<Self.matrix.rows {
            let r = Self.matrix.rowRange(user)
            let row = zip(Self.matrix.columns[r], Self.matrix.values[r]).map { (item: Int($0), value: $1) }
            #expect(try model.foldIn(row, gram: gram) == model.foldIn(row))
        }
        // A gram of another model is refused, not used.
        let other = try ALS.fitImplicit(Self.matrix, options: ALSImplicitOptions(factors: 3, iterations: 1, seed: 5))
        #expect(throws: AlgorithmError.self) { try model.foldIn([(item: 0, value: 1)], gram: other.itemGram()) }
    }

    @Test func explainContributionsSumToScore() throws {
        let model = try ALS.fitImplicit(
            Self.matrix,
            options: ALSImplicitOptions(
                factors: 5, iterations: 10, regularization: 0.1, alpha: 2, seed: 4))
        let user = 3, item = 5
        let all = try model.explain(user: user, in: Self.matrix, item: item, n: 100)
        let sum = all.contributions.reduce(Float(0)) { $0 + $1.score }
        #expect(abs(sum - all.score) < 1e-4 * max(1, abs(all.score)))
        let r = Self.matrix.rowRange(user)
        let folded = try model.foldIn(
            zip(Self.matrix.columns[r], Self.matrix.values[r]).map { (item: Int($0), value: $1) })
        let direct = zip(folded.factors, model.itemVector(item)).reduce(Float(0)) { $0 + $1.0 * $1.1 }
        #expect(abs(direct - all.score) < 1e-4 * max(1, abs(direct)))
        let top2 = try model.explain(user: user, in: Self.matrix, item: item, n: 2)
        #expect(top2.contributions == Array(all.contributions.prefix(2)))
        #expect(all.contributions.count == Self.matrix.rowCount(user))
        #expect(zip(all.contributions, all.contributions.dropFirst()).allSatisfy { $0.score >= $1.score })
    }

    // MARK: - Validation

    @Test func invalidOptionsThrowClearMessages() {
        func message(_ o: ALSImplicitOptions) -> String? {
            do { _ = try ALS.fitImplicit(Self.matrix, options: o); return nil } catch { return "\(error)" }
        }
        #expect(message(ALSImplicitOptions(factors: 0))?.contains("factors must be >= 1") == true)
        #expect(message(ALSImplicitOptions(regularization: -1))?.contains("regularization must be") == true)
        #expect(message(ALSImplicitOptions(alpha: 0))?.contains("alpha must be > 0") == true)
        #expect(message(ALSImplicitOptions(iterations: 0))?.contains("iterations must be >= 1") == true)
        #expect(
            message(ALSImplicitOptions(solver: .conjugateGradient(steps: 0)))?.contains("steps must be >= 1") == true)
        #expect(message(ALSImplicitOptions(confidence: .log(epsilon: 0)))?.contains("epsilon") == true)
        #expect(message(ALSImplicitOptions(threads: -1))?.contains("threads") == true)
        let bad = SparseMatrix(rows: 1, cols: 1, triplets: [(0, 0, .nan)])
        #expect(throws: AlgorithmError.self) { try ALS.fitImplicit(bad) }
        #expect(throws: AlgorithmError.self) { try ALS.fitImplicit(SparseMatrix(rows: 0, cols: 0, triplets: [])) }
    }
}
