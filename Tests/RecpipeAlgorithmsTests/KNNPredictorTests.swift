import Testing

@testable import RecpipeAlgorithms

/// users × items:      i0 i1 i2 i3
///                 u0   5  3  4  ·     mean 4
///                 u1   4  2  ·  5     mean 11/3
///                 u2   1  5  ·  2     mean 8/3
///                 u3   ·  ·  3  ·     mean 3
/// msd: sim(u0,u1) = 1/(1+1) = 1/2, sim(u0,u2) = 1/((16+4)/2 + 1) = 1/11, sim(u3,u0) = 1/2.
@Suite struct KNNPredictorTests {
    let r = KNNTestFixtures.matrix(
        4, 5,
        [
            (0, 0, 5), (0, 1, 3), (0, 2, 4),
            (1, 0, 4), (1, 1, 2), (1, 3, 5),
            (2, 0, 1), (2, 1, 5), (2, 3, 2),
            (3, 2, 3),
        ])

    func predictor(k: Int = 40, minK: Int = 1, userBased: Bool = true, scale: ClosedRange<Float> = 0...10) throws
        -> KNNPredictor
    {
        try KNNPredictor(ratings: r, configuration: .init(userBased: userBased, k: k, minK: minK, ratingScale: scale))
    }

    @Test func meanCentredUserBasedPrediction() throws {
        let p = try predictor().predict(user: 0, item: 3)
        // 4 + (½·(5 − 11/3) + 1/11·(2 − 8/3)) / (½ + 1/11) = 4 + 440/429
        #expect(abs(Double(p.value) - (4 + 440.0 / 429)) < 1e-5)
        #expect(p.neighborsUsed == 2)
        #expect(!p.fellBack)
    }

    @Test func onlyTheKMostSimilarRatersAreUsed() throws {
        let p = try predictor(k: 1).predict(user: 0, item: 3)
        #expect(abs(Double(p.value) - (4 + 4.0 / 3)) < 1e-5)  // u1 alone
        #expect(p.neighborsUsed == 1)
    }

    @Test func clipsToTheRatingScale() throws {
        #expect(try predictor(scale: 1...5).predict(user: 0, item: 3).value == 5)
    }

    @Test func tooFewNeighboursFallsBackToTheUserMean() throws {
        let p = try predictor(minK: 3).predict(user: 0, item: 3)
        #expect(p == KNNPrediction(value: 4, neighborsUsed: 2, fallback: .tooFewNeighbors))
        // u3's only neighbour u0 did not rate i3.
        let q = try predictor().predict(user: 3, item: 3)
        #expect(q == KNNPrediction(value: 3, neighborsUsed: 0, fallback: .tooFewNeighbors))
    }

    @Test func unknownUserOrItemGivesTheGlobalMean() throws {
        let model = try predictor()
        #expect(model.predict(user: 9, item: 0) == KNNPrediction(value: 3.4, neighborsUsed: 0, fallback: .unknownUser))
        #expect(model.predict(user: 0, item: 4) == KNNPrediction(value: 3.4, neighborsUsed: 0, fallback: .unknownItem))
        #expect(model.predict(user: -1, item: -1).fallback == .unknownUser)
    }

    @Test func itemBasedPrediction() throws {
        // x = i0 (mean 10/3); u3 rated only i2 (mean 7/2); sim(i0, i2) = 1/2 through u0.
        let p = try predictor(userBased: false).predict(user: 3, item: 0)
        #expect(abs(Double(p.value) - (10.0 / 3 - 0.5)) < 1e-5)
        #expect(p.neighborsUsed == 1)
    }

    @Test func batchPredictionEqualsSinglePredictions() throws {
        let ratings = KNNTestFixtures.randomRatings(rows: 120, cols: 60, density: 0.15, seed: 11)
        for kind in [KNNPredictor.Kind.withMeans, .baseline] {
            for userBased in [true, false] {
                let model = try KNNPredictor(
                    ratings: ratings, configuration: .init(kind: kind, userBased: userBased, k: 5))
                var users: [Int] = [], items: [Int] = []
                var rng = SeededGenerator(seed: 5)
                for _ in 0..<600 {
                    users.append(Int(rng.next() % 125))
                    items.append(Int(rng.next() % 62))
                }
                let batch = try model.predict(users: users, items: items)
                for q in 0..<users.count { #expect(batch[q] == model.predict(user: users[q], item: items[q])) }
            }
        }
        let model = try KNNPredictor(ratings: ratings)
        #expect(throws: AlgorithmError.self) { try model.predict(users: [0], items: []) }
    }

    @Test func baselinePredictionFormula() throws {
        let model = try KNNPredictor(
            ratings: r,
            configuration: .init(
                kind: .baseline, similarity: SimilarityOptions(measure: .msd), ratingScale: 0...10))
        let b = try #require(model.baselines)
        // u3 → i0: neighbour u0 (sim ½) rated 5: b(u3,i0) + (5 − b(u0,i0)).
        let expected = b.estimate(user: 3, item: 0) + (5 - b.estimate(user: 0, item: 0))
        let p = model.predict(user: 3, item: 0)
        #expect(abs(Double(p.value) - expected) < 1e-5)
        // Unknown item: the baseline with that bias counted as 0.
        let u = model.predict(user: 0, item: 4)
        #expect(u.fallback == .unknownItem)
        #expect(abs(Double(u.value) - (b.globalMean + b.userBias[0])) < 1e-5)
    }

    @Test func rejectsInvalidConfiguration() {
        #expect(throws: AlgorithmError.self) { try KNNPredictor(ratings: r, configuration: .init(k: 0)) }
        #expect(throws: AlgorithmError.self) { try KNNPredictor(ratings: r, configuration: .init(minK: -1)) }
        #expect(throws: AlgorithmError.self) {
            try KNNPredictor(ratings: r, configuration: .init(maxMemoryBytes: 10))
        }
    }
}

@Suite struct BaselineModelTests {
    let r = KNNTestFixtures.matrix(
        4, 5,
        [
            (0, 0, 5), (0, 1, 3), (0, 2, 4), (1, 0, 4), (1, 1, 2), (1, 3, 5), (2, 0, 1), (2, 1, 5), (2, 3, 2),
            (3, 2, 3),
        ])

    @Test func oneEpochMatchesTheClosedForm() throws {
        let m = try BaselineModel(ratings: r, options: .init(epochs: 1))
        #expect(abs(m.globalMean - 3.4) < 1e-12)
        // Items first with b_u = 0: b_i0 = (5 + 4 + 1 − 3·3.4) / (10 + 3).
        #expect(abs(m.itemBias[0] - (10 - 3 * 3.4) / 13) < 1e-12)
        #expect(m.itemBias[4] == 0)  // no ratings
        // Then users: b_u3 = (3 − 3.4 − b_i2) / (15 + 1).
        #expect(abs(m.userBias[3] - (3 - 3.4 - m.itemBias[2]) / 16) < 1e-12)
    }

    @Test func reducesTrainingErrorBelowTheGlobalMean() throws {
        let ratings = KNNTestFixtures.randomRatings(rows: 60, cols: 40, density: 0.3, seed: 2)
        // Give users and items real offsets so there is something to learn.
        var shifted = ratings
        for u in 0..<ratings.rows {
            for p in ratings.rowRange(u) {
                let i = Int(ratings.columns[p])
                shifted.values[p] = min(5, max(1, ratings.values[p] * 0.3 + Float(u % 3) + Float(i % 2)))
            }
        }
        let m = try BaselineModel(
            ratings: shifted, options: .init(epochs: 10, userRegularization: 1, itemRegularization: 1))
        var seBase = 0.0, seMean = 0.0
        for u in 0..<shifted.rows {
            for p in shifted.rowRange(u) {
                let v = Double(shifted.values[p])
                seBase +=
                    (v - m.estimate(user: u, item: Int(shifted.columns[p])))
                    * (v - m.estimate(user: u, item: Int(shifted.columns[p])))
                seMean += (v - m.globalMean) * (v - m.globalMean)
            }
        }
        #expect(seBase < 0.5 * seMean)
        #expect(throws: AlgorithmError.self) { try BaselineModel(ratings: shifted, options: .init(epochs: -1)) }
    }
}
