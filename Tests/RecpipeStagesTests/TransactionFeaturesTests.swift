import Foundation
import RecpipeCore
import RecpipeData
import RecpipeEngine
import RecpipeSpec
import Testing

@testable import RecpipeStages

/// Profiling invoice lines without an event column (#12.1): every row not a return is a purchase,
/// returns are their own features, and the shop features are hand-checked (as_of 2026-01-31).
@Suite struct TransactionFeaturesTests {
    static func ts(_ m: Int, _ d: Int) -> Value {
        .timestamp(Timestamp.seconds(year: 2026, month: m, day: d, hour: 12)!)
    }

    /// c1: invoice A (01-10) 2×i1@10 + 1×i2@5; cancellation CA (01-12) −1×i1@10; invoice B (01-20) 3×i1@10.
    /// c2: invoice D (01-30) 1×i3@4.
    static let lines = try! Table(
        schema: [
            Field("invoice", .string), Field("item_id", .string), Field("quantity", .int),
            Field("timestamp", .timestamp),
            Field("price", .float), Field("user_id", .int),
        ],
        rows: [
            [.string("A"), .string("i1"), .int(2), ts(1, 10), .double(10), .int(17850)],
            [.string("A"), .string("i2"), .int(1), ts(1, 10), .double(5), .int(17850)],
            [.string("CA"), .string("i1"), .int(-1), ts(1, 12), .double(10), .int(17850)],
            [.string("B"), .string("i1"), .int(3), ts(1, 20), .double(10), .int(17850)],
            [.string("D"), .string("i3"), .int(1), ts(1, 30), .double(4), .int(12346)],
        ])

    static func run(_ params: [String: ParamValue]) throws -> (FeatureSet, StageOutput) {
        var p: [String: ParamValue] = ["target": .string("user_features"), "windows": .list([.int(30)])]
        for (k, v) in params { p[k] = v }
        let ctx = StageHarness.context("encode", params: p, inputs: ["events": [("events", lines)]], asOf: "2026-01-31")
        let out = try UserFeaturesStage.run(ctx, events: lines)
        return (out.artifact as! FeatureSet, out)
    }

    static func col(_ f: FeatureSet, _ name: String) -> [Value] {
        guard let c = f.table.column(named: name) else { return [] }
        return (0..<c.count).map { c.value($0) }
    }

    @Test func withoutAnEventColumnEveryRowIsAPurchaseAndReturnsAreApart() throws {
        // Before: "the events have no column 'event'".
        let (f, out) = try Self.run([:])
        #expect(Self.col(f, "user_id") == [.string("12346"), .string("17850")])
        #expect(Self.col(f, "monetary") == [.double(4), .double(55)])  // the −10 return is not spend
        #expect(Self.col(f, "purchases") == [.int(1), .int(3)])
        #expect(f.table.column(named: "views") == nil)
        #expect(Self.col(f, "frequency") == [.int(1), .int(3)])
        #expect(Self.col(f, "units") == [.double(1), .double(6)])
        #expect(Self.col(f, "distinct_items") == [.int(1), .int(2)])
        #expect(Self.col(f, "orders") == [.int(1), .int(2)])  // distinct purchase times
        #expect(Self.col(f, "avg_basket_size") == [.double(1), .double(3)])
        #expect(Self.col(f, "tenure_days") == [.int(1), .int(21)])
        #expect(Self.col(f, "mean_days_between_orders") == [.double(1), .double(10)])
        #expect(Self.col(f, "orders_per_month") == [.double(1), .double(2)])
        #expect(Self.col(f, "returns") == [.int(0), .int(1)])
        #expect(Self.col(f, "returned_units") == [.double(0), .double(1)])
        #expect(Self.col(f, "returned_value") == [.double(0), .double(10)])
        #expect(Self.col(f, "return_rate") == [.double(0), .double(0.25)])
        #expect(Self.col(f, "recency_days") == [.int(1), .int(11)])
        #expect(out.notes.contains { $0.contains("no 'event' column: every row is a purchase") })
        #expect(out.counters.contains { $0.name == "return_rows" && $0.value == 1 })
        #expect(out.counters.contains { $0.name == "purchase_rows" && $0.value == 4 })
    }

    @Test func purchaseWhenAndReturnsWhenNarrowTheRows() throws {
        let (f, _) = try Self.run([
            "purchase_when": .string("quantity > 1"), "returns_when": .string("invoice startswith C"),
            "order_column": .string("invoice"),
        ])
        #expect(Self.col(f, "monetary") == [.double(0), .double(50)])
        #expect(Self.col(f, "orders") == [.int(0), .int(2)])
        #expect(Self.col(f, "returns") == [.int(0), .int(1)])
        // c2 never purchased: tenure counts from its first event.
        #expect(Self.col(f, "tenure_days") == [.int(1), .int(21)])
    }

    @Test func eventColumnNullIsAccepted() throws {
        let (f, _) = try Self.run(["event_column": .null])
        #expect(Self.col(f, "monetary") == [.double(4), .double(55)])
    }

    @Test func amountColumnReplacesQuantityTimesPrice() throws {
        let (f, _) = try Self.run(["amount_column": .string("price")])
        #expect(Self.col(f, "monetary") == [.double(4), .double(25)])
    }

    @Test func aFilterOnAnUnknownColumnNamesTheParameter() throws {
        #expect {
            _ = try Self.run(["purchase_when": .string("quantiy > 0")])
        } throws: { e in
            "\(e)".contains("purchase_when") && "\(e)".contains("did you mean 'quantity'?")
        }
    }
}
