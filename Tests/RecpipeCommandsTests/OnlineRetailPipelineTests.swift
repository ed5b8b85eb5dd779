import Foundation
import RecpipeEngine
import RecpipeTestSupport
import Testing

/// The reference real-data pipeline on the UCI Online Retail file as published (#12): every row
/// accounted for, every customer profiled, segments that are not one big segment. Runs up to the
/// profiles (the models after them are covered by the kNN/ALS suites and benchmarks).
@Suite struct OnlineRetailPipelineTests {
    static let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().path
    static let data = TestSupport.sharedData("online-retail/online-retail.csv")

    @Test(.enabled(if: data != nil, "the Online Retail file is not at ../shared/data/online-retail/online-retail.csv"))
    func runsOnTheRealFileWithNoEdits() async throws {
        let dir = TestSupport.temporaryDirectory("online-retail")
        try FileManager.default.createDirectory(atPath: dir + "/pipelines", withIntermediateDirectories: true)
        try FileManager.default.copyItem(
            atPath: Self.repo + "/pipelines/online-retail.yaml", toPath: dir + "/pipelines/online-retail.yaml")
        try FileManager.default.copyItem(atPath: Self.repo + "/pipelines/rules", toPath: dir + "/pipelines/rules")
        try FileManager.default.copyItem(atPath: Self.repo + "/pipelines/plugins", toPath: dir + "/pipelines/plugins")
        let p = dir + "/pipelines/online-retail.yaml"
        let valid = await recpipe("validate", p, "--set", "vars.file=\(Self.data!)")
        #expect(valid.code == 0, "\(valid.err)")
        let r = await recpipe("run", p, "--set", "vars.file=\(Self.data!)", "--to", "profiles")
        #expect(r.code == 0, "\(r.err)")
        let out = r.out
        func row(_ stage: String) -> String {
            let line = out.split(separator: "\n").first { $0.hasPrefix(stage + " ") } ?? ""
            return line.split(separator: " ").joined(separator: " ")
        }
        // Row accounting: every line is ok or rejected (none on the published file), and each
        // clean rule's removals are counted: 541,909 = 404,876 customer product lines + removed.
        #expect(row("lines").contains("ran 541,909 541,909"), "\(out)")
        #expect(row("lines").contains("rows_ok 541,909, rows_rejected 0"))
        #expect(row("customer_lines").contains("ran 541,909 404,876"), "\(row("customer_lines"))")
        #expect(row("customer_lines").contains("drop_nulls 135,080"), "\(row("customer_lines"))")
        // Every one of the 4,362 customers with a product line gets features, a segment and tags.
        #expect(row("features").contains("ran 404,876 4,362"), "\(row("features"))")
        #expect(row("features").contains("return_rows 8,"), "\(row("features"))")
        #expect(row("segments").contains("ran 4,362 4,362"))
        #expect(row("profiles").contains("ran 4,362 4,362"))
        // Segments are not degenerate: at least 3, none above 90% of the customers.
        let shares = out.split(separator: "\n").compactMap { line -> Double? in
            let cells = line.split(separator: " ", omittingEmptySubsequences: true)
            guard cells.count > 4, Int(cells[0]) != nil,
                let pct = cells.first(where: { $0.hasSuffix("%") && Double($0.dropLast()) != nil })
            else { return nil }
            return Double(pct.dropLast())
        }
        #expect(shares.count >= 3, "\(out)")
        #expect(shares.allSatisfy { $0 <= 90 }, "\(shares)")
        #expect(out.contains("k: auto chose"))
    }
}
