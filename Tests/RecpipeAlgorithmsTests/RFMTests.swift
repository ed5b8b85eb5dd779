import RecpipeAlgorithms
import Testing

@Suite("RFM")
struct RFMTests {
    @Test("distinct values fill equal bins")
    func distinct() {
        let values: [Double] = [7, 1, 9, 3, 5, 2, 10, 4, 8, 6]
        let scores = RFM.quantileScores(values: values, bins: 5, higherIsBetter: true)
        #expect(scores == [4, 1, 5, 2, 3, 1, 5, 2, 4, 3])
        let recency = RFM.quantileScores(values: values, bins: 5, higherIsBetter: false)
        #expect(recency == [2, 5, 1, 4, 3, 5, 1, 4, 2, 3])
    }

    @Test("ties share the score of their lowest rank")
    func ties() {
        let values: [Double] = [1, 1, 1, 1, 1, 1, 2, 3, 4, 5]
        #expect(RFM.quantileScores(values: values, bins: 5, higherIsBetter: true) == [1, 1, 1, 1, 1, 1, 4, 4, 5, 5])
        // Lower is better: only 4 of 10 values are worse than the tied 1s → 1 + ⌊5·4/10⌋ = 3.
        #expect(RFM.quantileScores(values: values, bins: 5, higherIsBetter: false) == [3, 3, 3, 3, 3, 3, 2, 2, 1, 1])
        #expect(RFM.quantileScores(values: [3, 3, 3], bins: 5, higherIsBetter: true) == [1, 1, 1])
    }

    @Test("edge cases: empty, NaN worst, other bin counts")
    func edges() {
        #expect(RFM.quantileScores(values: [], bins: 5, higherIsBetter: true) == [])
        #expect(RFM.quantileScores(values: [.nan, 2, 1, 3], bins: 4, higherIsBetter: true) == [1, 3, 2, 4])
        #expect(RFM.quantileScores(values: [.nan, 2, 1, 3], bins: 4, higherIsBetter: false) == [1, 3, 4, 2])
        #expect(RFM.quantileScores(values: [5, 6], bins: 3, higherIsBetter: true) == [1, 2])
    }

    @Test("segment grid")
    func segments() {
        let cases: [(Int, Int, Int, String)] = [
            (5, 5, 5, "Champions"), (5, 4, 1, "Champions"),
            (4, 4, 3, "Loyal Customers"), (3, 5, 2, "Loyal Customers"),
            (5, 2, 3, "Potential Loyalists"), (4, 3, 1, "Potential Loyalists"),
            (5, 1, 1, "New Customers"), (4, 1, 5, "Promising"),
            (3, 3, 3, "Need Attention"), (3, 1, 2, "About To Sleep"), (3, 2, 5, "About To Sleep"),
            (2, 3, 3, "At Risk"), (1, 4, 4, "At Risk"),
            (1, 5, 5, "Can't Lose Them"), (2, 5, 1, "Can't Lose Them"),
            (2, 2, 2, "Hibernating"), (1, 2, 1, "Hibernating"), (1, 1, 3, "Hibernating"),
            (1, 1, 1, "Lost"), (1, 1, 2, "Lost"),
            (0, 9, 9, "Can't Lose Them"),  // clamped to (1, 5, 5)
        ]
        for (r, f, m, label) in cases {
            #expect(RFM.segmentLabel(r: r, f: f, m: m) == label, "r \(r) f \(f) m \(m)")
        }
        var seen = Set<String>()
        for r in 1...5 { for f in 1...5 { for m in 1...5 { seen.insert(RFM.segmentLabel(r: r, f: f, m: m)) } } }
        #expect(seen == Set(RFM.segmentNames))
        #expect(RFM.segmentNames.count == 11)
    }
}
