import Foundation
import RecpipeTestSupport

/// Invoice lines in the Online Retail shape (no event column: every line a purchase, `C…`
/// invoices are cancellations; orders are invoices), with item-kNN and ALS under the rank stage
/// and the server's log included by the ingest — for the transaction features online.
extension ServeShop {
    static let retailLines = """
        InvoiceNo,StockCode,Quantity,InvoiceDate,UnitPrice,CustomerID
        536365,A,2,2011-11-01 08:00:00,2.5,100
        536365,B,1,2011-11-01 08:00:00,4,100
        536366,C,3,2011-11-05 09:00:00,1.25,100
        C536367,A,-1,2011-11-06 10:00:00,2.5,100
        536368,B,2,2011-11-10 10:00:00,4,101
        536368,D,1,2011-11-10 10:00:00,3,101
        536369,A,1,2011-11-20 10:00:00,2.5,102
        536369,C,2,2011-11-20 10:00:00,1.25,102
        536370,D,4,2011-11-25 10:00:00,3,103
        536370,B,1,2011-11-25 10:00:00,4,103
        536371,C,1,2011-11-28 10:00:00,1.25,101
        536372,A,2,2011-12-01 10:00:00,2.5,103
        536373,E,1,2011-12-02 10:00:00,6,102
        536373,D,1,2011-12-02 10:00:00,3,102
        """

    /// The retail shop, run once.
    static func retail() async -> ServeShop {
        let dir = TestSupport.temporaryDirectory("serve-retail")
        TestSupport.write(retailLines, to: "lines.csv", in: dir)
        TestSupport.write(
            """
            tag("returner", function(u) return u.returns >= 2 end)
            tag("regular", function(u) return u.orders >= 3 end)
            """, to: "rules/tags.lua", in: dir)
        let pipeline = TestSupport.write(
            """
            pipeline: serve-retail
            seed: 7
            as_of: "2011-12-10"
            stages:
              lines:
                uses: ingest
                with:
                  path: lines.csv
                  include: serve-log/p
                  schema:
                    InvoiceNo: { type: string, rename: invoice }
                    StockCode: { type: string, rename: item_id }
                    Quantity: { type: int, rename: quantity }
                    InvoiceDate: { type: timestamp, format: "%Y-%m-%d %H:%M:%S", rename: timestamp }
                    UnitPrice: { type: float, rename: price }
                    CustomerID: { type: int, rename: user_id }
              customer_lines: { uses: clean, input: lines, with: { drop_nulls: [user_id, item_id], filters: ["price > 0"] } }
              purchases: { uses: clean, input: customer_lines, with: { filters: ["invoice not startswith C", "quantity > 0"] } }
              items: { uses: clean, input: purchases, with: { dedupe_on: [item_id], dedupe_keep: last, dedupe_order_by: timestamp } }
              features:
                uses: encode
                inputs: { events: customer_lines }
                with: { target: user_features, order_column: invoice, returns_when: "invoice startswith C", windows: [30, 90] }
              profiles: { uses: tag, inputs: { features: features }, with: { script: rules/tags.lua } }
              matrix: { uses: encode, inputs: { events: purchases }, with: { target: interactions, binarize: true } }
              itemcf: { uses: cf, input: matrix, with: { mode: item, similarity: cosine, neighbors: 4, candidates: 4 } }
              als: { uses: als, input: matrix, with: { factors: 2, iterations: 10, solver: cholesky, candidates: 4 } }
              recs:
                uses: rank
                inputs: { candidates: [als, itemcf], items: items, profiles: profiles, seen: matrix }
                with: { blend: { als: 0.5, itemcf: 0.5 }, top: 3 }

            """, to: "p.yaml", in: dir)
        let shop = ServeShop(dir: dir, pipeline: pipeline)
        _ = await Self.quiet(["run", pipeline])
        return shop
    }
}
