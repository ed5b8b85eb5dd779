import Foundation
import RecpipeEngine
import RecpipeTestSupport
import Testing

/// Invoice-line exports as they come (#12.1, #12.2, #12.6): no event column, ids written
/// `17850.0`, and the messages a new user meets on the way.
@Suite struct ShopDataTests {
    static let invoices = """
        InvoiceNo,StockCode,Quantity,InvoiceDate,UnitPrice,CustomerID,Country
        536365,85123A,6,2010-12-01 08:26:00,2.55,17850.0,United Kingdom
        536365,71053,6,2010-12-01 08:26:00,3.39,17850.0,United Kingdom
        C536379,71053,-1,2010-12-02 09:41:00,3.39,17850.0,United Kingdom
        536380,22086,2,2010-12-03 10:00:00,2.55,13047.0,France

        """

    static func pipeline(_ dir: String, schemaID: String = "int", extra: String = "") -> String {
        TestSupport.write(invoices, to: "lines.csv", in: dir)
        return TestSupport.write(
            """
            pipeline: shop
            as_of: "2010-12-10"
            stages:
              lines:
                uses: ingest
                with:
                  path: lines.csv
                  schema:
                    InvoiceNo: { type: string, rename: invoice }
                    StockCode: { type: string, rename: item_id }
                    Quantity: { type: int, rename: quantity }
                    InvoiceDate: { type: timestamp, format: "%Y-%m-%d %H:%M:%S", rename: timestamp }
                    UnitPrice: { type: float, rename: price }
                    CustomerID: { type: \(schemaID), rename: user_id }
                    Country: { type: string, rename: country }\(extra)
              features:
                uses: encode
                inputs: { events: lines }
                with: { target: user_features, order_column: invoice, returns_when: "invoice startswith C" }
              out: { uses: export, inputs: { data: [features] }, with: { to: out, formats: [csv] } }
            """, to: "p.yaml", in: dir)
    }

    @Test func invoiceLinesWithoutAnEventColumnAreProfiled() async throws {
        let dir = TestSupport.temporaryDirectory("shop")
        let r = await recpipe("run", Self.pipeline(dir))
        #expect(r.code == 0, "\(r.err)\(r.out)")
        #expect(r.out.contains("return_rows 1"), "\(r.out)")
        let csv = try String(contentsOfFile: dir + "/out/features.csv", encoding: .utf8)
        let rows = csv.split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
        let header = rows[0]
        func cell(_ user: String, _ name: String) -> String? {
            rows.first { $0.first == user }.map { $0[header.firstIndex(of: name)!] }
        }
        #expect(cell("17850", "monetary") == "35.64")  // 6×2.55 + 6×3.39; the cancellation is a return
        #expect(cell("17850", "returns") == "1")
        #expect(cell("17850", "returned_value") == "3.39")
        #expect(cell("13047", "orders") == "1")
    }

    @Test func tooManyRejectsFailTheStageNamingColumnAndValue() async {
        let dir = TestSupport.temporaryDirectory("shop")
        // `CustomerID: bool` rejects every row: above the default max_bad_rows of 1% (and 10 rows).
        let p = Self.pipeline(dir, schemaID: "bool")
        TestSupport.write(Self.invoices + String(repeating: "536381,22086,2,2010-12-03 10:00:00,2.55,17850.0,France\n", count: 16), to: "lines.csv", in: dir)
        let r = await recpipe("run", p)
        #expect(r.code == 1, "\(r.out)")
        #expect(r.err.contains("20 of 20 rows were rejected (100.0%), more than max_bad_rows (1.0% of rows, and more than 10)"), "\(r.err)")
        #expect(r.err.contains("column 'user_id' caused all 20 rejects, most often '17850.0' (cannot parse '17850.0' as bool); first: line 2"), "\(r.err)")
    }

    @Test func maxBadRowsCanBeRaised() async {
        let dir = TestSupport.temporaryDirectory("shop")
        let r = await recpipe("run", Self.pipeline(dir, schemaID: "string", extra: "\n      max_bad_rows: \"100%\""))
        #expect(r.code == 0, "\(r.err)")
    }

    @Test func quotedKAndForeignKindNamesGetUsefulHints() async {
        let dir = TestSupport.temporaryDirectory("shop")
        let p = TestSupport.write(
            """
            pipeline: hints
            stages:
              features: { uses: ingest, with: { path: f.csv } }
              segments: { uses: kmeans, input: features }
              more: { uses: cluster, input: features, with: { k: "5" } }
            """, to: "p.yaml", in: dir)
        let r = await recpipe("validate", p)
        #expect(r.code == 2)
        #expect(r.err.contains("unknown stage kind 'kmeans'"), "\(r.err)")
        #expect(r.err.contains("did you mean 'cluster'? (k-means segments of users"), "\(r.err)")
        #expect(r.err.contains("parameter 'k' of stage 'more' expects an integer or one of auto, found a string ('5')"), "\(r.err)")
        #expect(r.err.contains("remove the quotes to make it a number: 5"), "\(r.err)")
        #expect(!r.err.contains("did you mean 'clean'"))
    }
}
