import Foundation
import RecpipeTestSupport
import Testing

/// `encode`'s `binarize: auto` default (#12.7, chosen by scripts/bench_binarize.sh): rows that
/// carry no value are stored as 1 per pair, values with strength are summed, and an explicit
/// `binarize: false` on line counts gets a hint in the run summary.
@Suite struct BinarizeDefaultTests {
    /// u1 bought A on three lines and B on one; u2 viewed A once.
    static func run(_ with: String) async throws -> (out: String, values: [String: String]) {
        let dir = TestSupport.temporaryDirectory("binarize")
        TestSupport.write(
            """
            user_id,item_id,event,quantity
            u1,A,purchase,2
            u1,A,purchase,5
            u1,A,purchase,1
            u1,B,purchase,4
            u2,A,view,1

            """, to: "lines.csv", in: dir)
        let p = TestSupport.write(
            """
            pipeline: binarize
            stages:
              lines: { uses: ingest, with: { path: lines.csv } }
              matrix: { uses: encode, inputs: { events: lines }, with: { target: interactions\(with) } }
              out: { uses: export, inputs: { data: [matrix] }, with: { to: out, formats: [csv] } }
            """, to: "p.yaml", in: dir)
        let r = await recpipe("run", p)
        #expect(r.code == 0, "\(r.err)")
        let csv = try String(contentsOfFile: dir + "/out/matrix.csv", encoding: .utf8)
        let rows = csv.split(separator: "\n").map { $0.split(separator: ",").map(String.init) }
        var values: [String: String] = [:]
        for row in rows.dropFirst() { values[row[0] + "/" + row[1]] = row[2] }
        return (r.out, values)
    }

    @Test func lineCountsAreBinarizedByDefault() async throws {
        let r = try await Self.run("")
        #expect(r.values == ["u1/A": "1.0", "u1/B": "1.0", "u2/A": "1.0"], "\(r.values)")
        #expect(
            r.out.contains("binarize: auto stored 1 per pair: these rows carry no value_column or distinct weights"),
            "\(r.out)")
        // One weight for every counted type is still a line count.
        let same = try await Self.run(", weights: { purchase: 2, view: 2 }")
        #expect(same.values == ["u1/A": "1.0", "u1/B": "1.0", "u2/A": "1.0"], "\(same.values)")
    }

    @Test func valuesWithStrengthAreSummed() async throws {
        let quantity = try await Self.run(", value_column: quantity")
        #expect(quantity.values == ["u1/A": "8.0", "u1/B": "4.0", "u2/A": "1.0"], "\(quantity.values)")
        let weighted = try await Self.run(", weights: { purchase: 5, view: 1 }")
        #expect(weighted.values == ["u1/A": "15.0", "u1/B": "5.0", "u2/A": "1.0"], "\(weighted.values)")
        #expect(!weighted.out.contains("binarize: auto") && !weighted.out.contains("line counts"))
    }

    @Test func anExplicitFalseOnLineCountsGetsAHint() async throws {
        let r = try await Self.run(", binarize: false")
        #expect(r.values == ["u1/A": "3.0", "u1/B": "1.0", "u2/A": "1.0"], "\(r.values)")
        #expect(
            r.out.contains(
                "these values look like line counts: 1 of 3 pairs (33.3%) sum several rows, up to 3 rows; summed line counts measured worse"
            ),
            "\(r.out)")
        let forced = try await Self.run(", binarize: true, value_column: quantity")
        #expect(forced.values == ["u1/A": "1.0", "u1/B": "1.0", "u2/A": "1.0"])
    }
}
