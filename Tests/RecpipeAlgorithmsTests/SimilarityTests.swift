import Testing

@testable import RecpipeAlgorithms

/// Rows: A = [1, 2, 3, 4, ·], B = [2, 4, 3, ·, 5], C = [3, 3, 3, ·, ·].
/// A and B co-rate columns 0–2: a = (1, 2, 3), b = (2, 4, 3).
@Suite struct SimilarityTests {
    let m = KNNTestFixtures.matrix(
        3, 5,
        [
            (0, 0, 1), (0, 1, 2), (0, 2, 3), (0, 3, 4),
            (1, 0, 2), (1, 1, 4), (1, 2, 3), (1, 4, 5),
            (2, 0, 3), (2, 1, 3), (2, 2, 3),
        ])

    func sim(_ measure: SimilarityMeasure, minSupport: Int = 1, shrinkage: Double? = nil, biases: BiasTerms? = nil)
        throws -> Double
    {
        try KNNIndex.similarity(
            m, 0, 1, options: SimilarityOptions(measure: measure, minSupport: minSupport, shrinkage: shrinkage),
            biases: biases)
    }

    @Test func cosineUsesCoRatedNormsOnly() throws {
        // Σab = 2 + 8 + 9 = 19, Σa² = 14, Σb² = 29.
        #expect(abs(try sim(.cosine) - 19 / (14.0 * 29).squareRoot()) < 1e-12)
    }

    @Test func msdIsInverseOfMeanSquaredDifferencePlusOne() throws {
        // differences 1, 2, 0 → msd = 5/3 → 1 / (5/3 + 1) = 3/8.
        #expect(abs(try sim(.msd) - 0.375) < 1e-12)
    }

    @Test func pearsonCentresOnCoRatedMeans() throws {
        // deviations (−1, 0, 1) and (−1, 1, 0): 1 / √(2·2) = 0.5.
        #expect(try sim(.pearson) == 0.5)
        // A constant vector has no correlation: 0, never NaN.
        #expect(try KNNIndex.similarity(m, 0, 2, options: SimilarityOptions(measure: .pearson)) == 0)
    }

    @Test func jaccardOnBinaryEntries() throws {
        // |A ∩ B| = 3, |A ∪ B| = 4 + 4 − 3 = 5.
        #expect(try sim(.jaccard) == 0.6)
    }

    @Test func adjustedCosineCentresOnColumnMeans() throws {
        // column means 2, 3, 3 → A: (−1, −1, 0), B: (0, 1, 0) → −1 / √2.
        #expect(abs(try sim(.adjustedCosine) + 1 / 2.0.squareRoot()) < 1e-7)
    }

    @Test func pearsonBaselineUsesResidualsAndShrinksByNMinusOne() throws {
        let b = BiasTerms(globalMean: 3, rowBias: [0, 0.5, 0], columnBias: [-1, 0, 0.5, 0, 0])
        // residuals A: (−1, −1, −0.5), B: (−0.5, 0.5, −1) → 0.5 / √(2.25 · 1.5).
        let raw = 0.5 / (2.25 * 1.5).squareRoot()
        #expect(abs(try sim(.pearsonBaseline, shrinkage: 0, biases: b) - raw) < 1e-12)
        #expect(abs(try sim(.pearsonBaseline, biases: b) - raw * 2 / 102) < 1e-12)  // default shrinkage 100
        #expect(throws: AlgorithmError.self) { try sim(.pearsonBaseline) }
    }

    @Test func shrinkageAndMinSupport() throws {
        // sim · n / (n + λ) with n = 3, λ = 2.
        #expect(abs(try sim(.pearson, shrinkage: 2) - 0.5 * 3 / 5) < 1e-12)
        #expect(abs(try sim(.msd, minSupport: 3) - 0.375) < 1e-12)
        #expect(try sim(.msd, minSupport: 4) == 0)
        #expect(try sim(.jaccard, minSupport: 4) == 0)
    }

    @Test(arguments: SimilarityMeasure.allCases)
    func kernelMatchesPairwiseReferenceAndIsSymmetric(_ measure: SimilarityMeasure) throws {
        let r = KNNTestFixtures.randomRatings(rows: 40, cols: 30, density: 0.3, seed: 7)
        let biases = try BaselineModel(ratings: r).biasTerms(userBased: true)
        let options = SimilarityOptions(
            measure: measure, minSupport: 2, shrinkage: measure == .pearsonBaseline ? 10 : 1)
        let lists = try KNNIndex.build(r, neighbors: nil, options: options, biases: biases, keepNonPositive: true)
        var table = [[Float]](repeating: [Float](repeating: .nan, count: 40), count: 40)
        for x in 0..<40 { for (j, s) in lists.row(x) { table[x][Int(j)] = s } }
        for x in 0..<40 {
            for y in 0..<40 where y != x {
                let ref = try KNNIndex.similarity(r, x, y, options: options, biases: biases)
                let got = table[x][y]
                if got.isNaN {
                    #expect(ref == 0)  // never co-rated: not a candidate
                } else {
                    #expect(got == Float(ref))
                    #expect(got == table[y][x])
                }
            }
        }
    }
}
