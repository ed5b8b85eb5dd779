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
        let rows = csv.split(separator: "\n").map {
            $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        }
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
        TestSupport.write(
            Self.invoices + String(repeating: "536381,22086,2,2010-12-03 10:00:00,2.55,17850.0,France\n", count: 16),
            to: "lines.csv", in: dir)
        let r = await recpipe("run", p)
        #expect(r.code == 1, "\(r.out)")
        #expect(
            r.err.contains(
                "20 of 20 rows were rejected (100.0%), more than max_bad_rows (1.0% of rows, and more than 10)"),
            "\(r.err)")
        #expect(
            r.err.contains(
                "column 'user_id' caused all 20 rejects, most often '17850.0' (cannot parse '17850.0' as bool); first: line 2"
            ), "\(r.err)")
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
        #expect(
            r.err.contains("parameter 'k' of stage 'more' expects an integer or one of auto, found a string ('5')"),
            "\(r.err)")
        #expect(r.err.contains("remove the quotes to make it a number: 5"), "\(r.err)")
        #expect(!r.err.contains("did you mean 'clean'"))
    }

    // MARK: - Columns known before running (#12.3)

    @Test func validateFindsColumnMistakesBeforeRunning() async {
        let dir = TestSupport.temporaryDirectory("shop")
        let p = Self.pipeline(dir)
        var yaml = (try? String(contentsOfFile: p, encoding: .utf8)) ?? ""
        yaml = yaml.replacingOccurrences(
            of: "  features:\n",
            with: """
                  kept:
                    uses: clean
                    input: lines
                    with: { drop_nulls: [user_idd], filters: ["quantiy > 0", "invoice startswith C"], dedupe_on: [invoice] }
                  features:

                """)
        yaml = yaml.replacingOccurrences(
            of: "returns_when: \"invoice startswith C\"", with: "returns_when: \"invoce startswith C\"")
        yaml +=
            "\n  segments: { uses: cluster, input: features, with: { columns: [monetry, orders], transform: { return_rat: log1p } } }\n"
        TestSupport.write(yaml, to: "p.yaml", in: dir)
        let r = await recpipe("validate", p)
        #expect(r.code == 2, "\(r.err)")
        #expect(
            r.err.contains("stage 'kept': drop_nulls names column 'user_idd', which its input does not have"),
            "\(r.err)")
        #expect(
            r.err.contains(
                "did you mean 'user_id'? columns: invoice, item_id, quantity, timestamp, price, user_id, country"),
            "\(r.err)")
        #expect(r.err.contains("stage 'kept': filter 'quantiy > 0' names column 'quantiy'"), "\(r.err)")
        #expect(
            r.err.contains("stage 'features': returns_when 'invoce startswith C' names column 'invoce'"), "\(r.err)")
        #expect(r.err.contains("stage 'segments': columns names column 'monetry'"), "\(r.err)")
        #expect(r.err.contains("did you mean 'monetary'?"), "\(r.err)")
        #expect(r.err.contains("stage 'segments': transform names column 'return_rat'"), "\(r.err)")
        #expect(r.err.contains("5 errors"), "\(r.err)")
    }

    @Test func columnsCommandAndStagesDocumentEveryFeature() async {
        let dir = TestSupport.temporaryDirectory("shop")
        let p = Self.pipeline(dir)
        let r = await recpipe("columns", p, "features")
        #expect(r.code == 0, "\(r.err)")
        #expect(r.out.contains("features (encode):"))
        #expect(r.out.contains("return_rate "), "\(r.out)")
        #expect(r.out.contains("frequency_30d "))
        #expect(!r.out.contains("views "))  // no event column in these lines
        let lines = await recpipe("columns", p, "lines")
        #expect(lines.out.contains("user_id    int        'CustomerID' in the file"), "\(lines.out)")
        let bad = await recpipe("columns", p, "featurs")
        #expect(bad.code == 2 && bad.err.contains("did you mean 'features'?"))
        let stages = await recpipe("stages", "encode")
        for name in [
            "units", "distinct_items", "orders", "avg_basket_size", "tenure_days", "mean_days_between_orders",
            "orders_per_month", "returns", "return_rate", "share_<value>",
        ] {
            #expect(stages.out.contains("\n  \(name) "), "\(name)")
        }
    }

    // MARK: - A model no better than popularity (#12.7)

    @Test func evaluateSaysWhenAModelIsAtOrBelowPopularity() async {
        let dir = TestSupport.temporaryDirectory("shop")
        var events = "user_id,item_id\n"
        for u in 0..<30 { for i in 0..<8 where (u + i) % 3 != 0 { events += "u\(u),i\(i)\n" } }
        TestSupport.write(events, to: "events.csv", in: dir)
        let p = TestSupport.write(
            """
            pipeline: pop
            stages:
              events: { uses: ingest, with: { path: events.csv } }
              matrix: { uses: encode, inputs: { events: events }, with: { binarize: true } }
              holdout: { uses: split, input: matrix, with: { method: holdout, test_fraction: 0.3 } }
              pop_eval: { uses: popular, input: holdout }
              quality: { uses: evaluate, inputs: { split: holdout, models: [pop_eval] }, with: { k: 3 } }
            """, to: "p.yaml", in: dir)
        let r = await recpipe("run", p)
        #expect(r.code == 0, "\(r.err)")
        #expect(r.out.contains("popularity baseline: precision@3"), "\(r.out)")
        #expect(
            r.err.contains("pop_eval is at or below popularity")
                || r.out.contains("pop_eval is at or below popularity"), "\(r.out)\(r.err)")
    }
}
