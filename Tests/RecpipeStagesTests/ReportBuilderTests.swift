import RecpipeAlgorithms
import RecpipeData
import Testing

@testable import RecpipeStages

@Suite struct ReportBuilderTests {
    @Test func rejectReasonsFoldTheRowsOwnValues() {
        #expect(
            ReportBuilder.foldQuoted("column 'Quantity': cannot parse 'abc' as int")
                == "column 'Quantity': cannot parse '…' as int")
        #expect(ReportBuilder.foldQuoted("expected 8 fields, got 9") == "expected 8 fields, got 9")
        #expect(ReportBuilder.foldQuoted("bad value 'x' and value 'y'") == "bad value '…' and value '…'")
    }

    /// 10 items; item i was seen by 10 - i users (I0 the most popular).
    func interactions() -> Interactions {
        var lists: [[Int32]] = Array(repeating: [], count: 10)
        for i in 0..<10 { for u in 0..<(10 - i) { lists[u].append(Int32(i)) } }
        var offsets = [0], cols: [Int32] = []
        for l in lists { cols += l; offsets.append(cols.count) }
        return Interactions(
            users: IDMap((0..<10).map { "U\($0)" }), items: IDMap((0..<10).map { "I\($0)" }),
            matrix: SparseMatrix(rows: 10, cols: 10, rowPointers: offsets, columns: cols, values: cols.map { _ in 1 }))
    }

    @Test func decilesCoverageAndThePopularBaseline() {
        let bias = PopularityBias(interactions())
        #expect(bias.decile == Array(0..<10))
        let shares = bias.decileShares([["I0", "I1"], ["I0", "unknown"]])
        #expect(shares[0] == 0.5 && shares[1] == 0.25 && shares[9] == 0.25)
        #expect(shares.reduce(0, +) == 1)
        #expect(bias.coverage([["I0", "I1"], ["I0"]]).items == 2)
        #expect(bias.coverage([["I0", "I1"], ["I0"]]).share == 0.2)
        // U9 saw only I0: the two most popular it has not seen are I1 and I2. U0 saw everything.
        let base = bias.baseline(top: 2)
        #expect(base[9] == ["I1", "I2"])
        #expect(base[0] == [])
        #expect(bias.decileShares([]) == Array(repeating: 0, count: 10))
    }
}
