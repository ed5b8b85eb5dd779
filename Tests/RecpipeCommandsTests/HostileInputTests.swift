import Foundation
import RecpipeTestSupport
import Testing

/// What a run says about values that used to pass silently (issue #20, items 9 and 10): the
/// counts are in the summary, the warnings name the fix.
@Suite struct HostileInputTests {
    static func pipeline(_ dir: String, events: String, items: String, itemsExtra: String = "") -> String {
        TestSupport.write(events, to: "events.csv", in: dir)
        TestSupport.write(items, to: "items.csv", in: dir)
        return TestSupport.write(
            """
            pipeline: hostile
            as_of: "2026-11-01"
            stages:
              events:
                uses: ingest
                with:
                  path: events.csv
                  max_bad_rows: "100%"
                  schema: { timestamp: { type: timestamp, format: "%Y-%m-%d" } }
              items: { uses: ingest, with: { path: items.csv, max_bad_rows: "100%"\(itemsExtra) } }
              features:
                uses: encode
                inputs: { events: events, items: items }
                with: { target: user_features, category_shares: category }
            """, to: "p.yaml", in: dir)
    }

    /// The last run's folder (`runs/latest` holds its id).
    static func runDirectory(_ dir: String) throws -> String {
        let id = try String(contentsOfFile: dir + "/.recpipe/runs/latest", encoding: .utf8).trimmingCharacters(
            in: .whitespacesAndNewlines)
        return dir + "/.recpipe/runs/" + id
    }

    static let events = """
        user_id,item_id,event,timestamp,price,quantity
        U1,A,purchase,2026-10-01,2.5,1
        U1,B,purchase,2026-10-02,-4,1
        U2,A,purchase,2026-10-03,3,5000000000
        U2,C,view,2026-10-04,1e400,1

        """
    static let items = "item_id,category\nA,toys\nB,home\nA,books\nC,home\n"

    @Test func summaryCountsDuplicatesNegativePricesHugeQuantitiesAndNonFinite() async throws {
        let dir = TestSupport.temporaryDirectory("hostile")
        let r = await recpipe("run", Self.pipeline(dir, events: Self.events, items: Self.items))
        #expect(r.code == 0, "\(r.err)\(r.out)")
        let all = r.out + r.err
        // 1e400 is a bad row of the events.
        #expect(all.contains("rows_ok 3, rows_rejected 1"), "\(all)")
        #expect(all.contains("cannot parse '1e400' as a finite float"), "\(all)")
        // Encode counts what it took as written (counters in the manifest), and says how to reject it.
        let manifest = try String(contentsOfFile: Self.runDirectory(dir) + "/manifest.json", encoding: .utf8)
        for counter in ["duplicate_item_rows", "negative_prices", "huge_quantities"] {
            #expect(manifest.contains("\"name\" : \"\(counter)\",\n          \"value\" : 1\n"), "\(counter)")
        }
        #expect(
            all.contains("1 rows of the items table repeat an item id; the first row of each is used (as rank does)"),
            "\(all)")
        #expect(
            all.contains(
                "1 events have a negative price, counted in monetary as written; `price: { type: float, min: 0 }`"),
            "\(all)")
        #expect(all.contains("1 events have a quantity of a billion or more"), "\(all)")
    }

    @Test func uniqueOnTheItemsIngestRejectsTheRepeatWithItsLine() async throws {
        let dir = TestSupport.temporaryDirectory("hostile-unique")
        let r = await recpipe(
            "run", Self.pipeline(dir, events: Self.events, items: Self.items, itemsExtra: ", unique: item_id"))
        #expect(r.code == 0, "\(r.err)\(r.out)")
        let all = r.out + r.err
        #expect(all.contains("rows_ok 3, rows_rejected 1, duplicates 1"), "\(all)")
        #expect(all.contains("1 row repeats the item_id of an earlier row; kept the first of each"), "\(all)")
        #expect(!all.contains("rows of the items table repeat an item id"), "\(all)")
        let rejects = try String(contentsOfFile: Self.runDirectory(dir) + "/items.rejects.csv", encoding: .utf8)
        #expect(
            rejects == "line,reason,raw\n4,\"duplicate item_id 'A' (the first one, line 2, is kept)\",\"A,books\"\n")
    }

    @Test func onDuplicateFailStopsTheRun() async throws {
        let dir = TestSupport.temporaryDirectory("hostile-fail")
        let r = await recpipe(
            "run",
            Self.pipeline(
                dir, events: Self.events, items: Self.items, itemsExtra: ", unique: item_id, on_duplicate: fail"))
        #expect(r.code == 1)
        #expect((r.out + r.err).contains("item_id 'A' appears twice, at lines 2 and 4"), "\(r.out + r.err)")
    }

    @Test func infiniteFeatureNamesTheUser() async throws {
        let dir = TestSupport.temporaryDirectory("hostile-inf")
        let events =
            "user_id,item_id,event,timestamp,price,quantity\nU1,A,purchase,2026-10-01,2.5,1\nU7,A,purchase,2026-10-01,1e308,10\n"
        let r = await recpipe("run", Self.pipeline(dir, events: events, items: Self.items))
        #expect(r.code == 1)
        let all = r.out + r.err
        #expect(all.contains("is infinite for user 'U7'"), "\(all)")
        #expect(all.contains("`price: { type: float, min: 0, max: 100000 }`"), "\(all)")
    }

    @Test func invalidUTF8IsCountedInTheSummary() async throws {
        let dir = TestSupport.temporaryDirectory("hostile-utf8")
        let p = Self.pipeline(dir, events: Self.events, items: Self.items)
        let bytes = Array("item_id,category\nA,toys\nB,h".utf8) + [0xF6] + Array("me\nC,home\n".utf8)
        try Data(bytes).write(to: URL(fileURLWithPath: dir + "/items.csv"))
        let r = await recpipe("run", p)
        #expect(r.code == 0, "\(r.err)\(r.out)")
        let all = r.out + r.err
        #expect(all.contains("invalid_utf8_replaced 1"), "\(all)")
        #expect(
            all.contains(
                "1 text field held bytes that are not UTF-8, kept with U+FFFD in their place (first: line 3, column 'category')"
            ), "\(all)")
    }
}
