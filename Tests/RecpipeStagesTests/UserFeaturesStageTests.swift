import Foundation
import RecpipeCore
import RecpipeData
import RecpipeEngine
import RecpipeSpec
import Testing

@testable import RecpipeStages

/// Hand-computed user features on a tiny shop (as_of 2026-01-31).
@Suite struct UserFeaturesStageTests {
    static func ts(_ y: Int, _ m: Int, _ d: Int) -> Value {
        .timestamp(Timestamp.seconds(year: y, month: m, day: d, hour: 12)!)
    }

    /// u1: view i1 (01-01), order o1 = 2×i1@10 + 1×i2@5 (01-10), cart i2 (01-20), order o2 = i3@30 (01-25).
    /// u2: view i2 (2025-10-01), order o3 = i2@5 (2025-10-05). u3: view i3 (01-30), never purchased.
    static let events = try! Table(
        schema: [
            Field("user_id", .string), Field("item_id", .string), Field("event", .string),
            Field("timestamp", .timestamp),
            Field("quantity", .int), Field("price", .float), Field("order_id", .string),
        ],
        rows: [
            [.string("u1"), .string("i1"), .string("view"), ts(2026, 1, 1), .int(1), .double(10), .null],
            [.string("u1"), .string("i1"), .string("purchase"), ts(2026, 1, 10), .int(2), .double(10), .string("o1")],
            [.string("u1"), .string("i2"), .string("purchase"), ts(2026, 1, 10), .int(1), .null, .string("o1")],
            [.string("u1"), .string("i2"), .string("cart"), ts(2026, 1, 20), .int(1), .double(5), .null],
            [.string("u1"), .string("i3"), .string("purchase"), ts(2026, 1, 25), .int(1), .double(30), .string("o2")],
            [.string("u2"), .string("i2"), .string("view"), ts(2025, 10, 1), .int(1), .double(5), .null],
            [.string("u2"), .string("i2"), .string("purchase"), ts(2025, 10, 5), .int(1), .double(5), .string("o3")],
            [.string("u3"), .string("i3"), .string("view"), ts(2026, 1, 30), .int(1), .double(30), .null],
        ])

    static let items = Table.assemble([
        .strings("item_id", ["i1", "i2", "i3"]), .strings("category", ["Coats & Jackets", "books", "Coats & Jackets"]),
        .doubles("price", [10, 5, 30]),
    ])

    static let users = try! Table(
        schema: [Field("user_id", .string), Field("gender", .string), Field("age", .int)],
        rows: [
            [.string("u1"), .string("F"), .int(30)], [.string("u2"), .string("M"), .null],
            [.string("u3"), .null, .int(40)],
        ])

    static func run(_ params: [String: ParamValue], events: Table = events, asOf: String? = "2026-01-31") throws -> (
        FeatureSet, StageOutput
    ) {
        var p: [String: ParamValue] = ["target": .string("user_features")]
        for (k, v) in params { p[k] = v }
        let ctx = StageHarness.context(
            "encode", params: p,
            inputs: ["events": [("events", events)], "items": [("items", items)], "users": [("users", users)]],
            asOf: asOf)
        let out = try UserFeaturesStage.run(ctx, events: events)
        return (out.artifact as! FeatureSet, out)
    }

    static func col(_ f: FeatureSet, _ name: String) -> [Value] {
        let c = f.table.column(named: name)!
        return (0..<c.count).map { c.value($0) }
    }

    @Test func recencyFrequencyMonetaryWithOrders() throws {
        let (f, _) = try Self.run(["order_column": .string("order_id"), "windows": .list([.int(7), .int(30)])])
        #expect(Self.col(f, "user_id") == [.string("u1"), .string("u2"), .string("u3")])
        // u3 never purchased: recency counts from its last event.
        #expect(Self.col(f, "recency_days") == [.int(6), .int(118), .int(1)])
        #expect(Self.col(f, "frequency") == [.int(2), .int(1), .int(0)])
        // u1's i2 purchase has no price in the events: the items table's 5 is used.
        #expect(Self.col(f, "monetary") == [.double(55), .double(5), .double(0)])
        #expect(Self.col(f, "avg_basket") == [.double(27.5), .double(5), .double(0)])
        #expect(Self.col(f, "events") == [.int(5), .int(2), .int(1)])
        #expect(Self.col(f, "views") == [.int(1), .int(1), .int(1)])
        #expect(Self.col(f, "carts") == [.int(1), .int(0), .int(0)])
        #expect(Self.col(f, "purchases") == [.int(3), .int(1), .int(0)])
        #expect(Self.col(f, "active_span_days") == [.int(24), .int(4), .int(0)])
        #expect(Self.col(f, "frequency_7d") == [.int(1), .int(0), .int(0)])
        #expect(Self.col(f, "spend_7d") == [.double(30), .double(0), .double(0)])
        #expect(Self.col(f, "frequency_30d") == [.int(2), .int(0), .int(0)])
        #expect(Self.col(f, "spend_30d") == [.double(55), .double(0), .double(0)])
        // RFM: recency [6, 118, 1] lower is better; frequency [2, 1, 0]; monetary [55, 5, 0].
        #expect(Self.col(f, "r_score") == [.int(2), .int(1), .int(4)])
        #expect(Self.col(f, "f_score") == [.int(4), .int(2), .int(1)])
        #expect(Self.col(f, "m_score") == [.int(4), .int(2), .int(1)])
        #expect(Self.col(f, "rfm_segment") == [.string("At Risk"), .string("Hibernating"), .string("Promising")])
    }

    @Test func frequencyCountsPurchaseEventsWithoutOrderColumn() throws {
        let (f, _) = try Self.run(["windows": .list([.int(30)])])
        #expect(Self.col(f, "frequency") == [.int(3), .int(1), .int(0)])
        #expect(Self.col(f, "frequency_30d") == [.int(3), .int(0), .int(0)])
        #expect(Self.col(f, "avg_basket") == [.double(18.33), .double(5), .double(0)])
    }

    @Test func asOfDefaultsToTheLatestEvent() throws {
        let (f, out) = try Self.run([:], asOf: nil)
        #expect(Self.col(f, "recency_days") == [.int(5), .int(117), .int(0)])
        #expect(out.notes.contains { $0.contains("as_of: 2026-01-30") })
    }

    @Test func eventsAfterAsOfAreLeftOutAndCounted() throws {
        let (f, out) = try Self.run([:], asOf: "2026-01-15")
        // u3's only event (01-30) is after as_of: u3 disappears; u1 keeps events up to 01-10.
        #expect(Self.col(f, "user_id") == [.string("u1"), .string("u2")])
        #expect(Self.col(f, "events") == [.int(3), .int(2)])
        #expect(out.counters.contains(.init("events_after_as_of", 3)))
    }

    @Test func categorySharesAndTopCategory() throws {
        let (f, _) = try Self.run(["category_shares": .string("category")])
        // Shares count distinct items: u1 saw i1, i3 (coats) and i2 (books); coats (3 user-items)
        // rank before books (2); names sanitized.
        let names = f.table.columnNames.filter { $0.hasPrefix("share_") }
        #expect(names == ["share_coats_jackets", "share_books"])
        #expect(Self.col(f, "share_books") == [.double(1.0 / 3), .double(1), .double(0)])
        #expect(Self.col(f, "share_coats_jackets") == [.double(2.0 / 3), .double(0), .double(1)])
        #expect(
            Self.col(f, "top_category") == [.string("Coats & Jackets"), .string("books"), .string("Coats & Jackets")])
        // price_index: geometric mean of price / category mean (coats 20, books 5).
        let pi = Self.col(f, "price_index")
        guard case .double(let u1) = pi[0] else { Issue.record("price_index is not a float"); return }
        #expect(abs(u1 - pow(0.375, 0.2)) < 1e-12)
        #expect(pi[1] == .double(1))
    }

    @Test func topCategoriesLimitsTheShareColumns() throws {
        let (f, _) = try Self.run(["category_shares": .string("category"), "top_categories": .int(1)])
        #expect(f.table.columnNames.filter { $0.hasPrefix("share_") } == ["share_coats_jackets"])
    }

    @Test func usersTableEncodings() throws {
        let (f, _) = try Self.run([
            "one_hot": .list([.string("gender")]), "label_encode": .list([.string("gender")]),
            "numeric_user_columns": .list([.string("age")]),
        ])
        #expect(Self.col(f, "gender_f") == [.int(1), .int(0), .int(0)])
        #expect(Self.col(f, "gender_m") == [.int(0), .int(1), .int(0)])
        #expect(Self.col(f, "gender_label") == [.int(0), .int(1), .int(-1)])
        #expect(Self.col(f, "age") == [.double(30), .null, .double(40)])
    }

    @Test func rfmTiesShareAScore() throws {
        // Four users with the same single purchase, one with two: ties all score 1, the best 5.
        var rows: [[Value]] = []
        for u in ["a", "b", "c", "d"] {
            rows.append([.string(u), .string("i1"), .string("purchase"), Self.ts(2026, 1, 20), .int(1), .double(10)])
        }
        rows.append([.string("e"), .string("i1"), .string("purchase"), Self.ts(2026, 1, 20), .int(1), .double(10)])
        rows.append([.string("e"), .string("i1"), .string("purchase"), Self.ts(2026, 1, 30), .int(1), .double(10)])
        let events = try Table(
            schema: [
                Field("user_id", .string), Field("item_id", .string), Field("event", .string),
                Field("timestamp", .timestamp),
                Field("quantity", .int), Field("price", .float),
            ], rows: rows)
        let (f, _) = try Self.run([:], events: events)
        #expect(Self.col(f, "f_score") == [.int(1), .int(1), .int(1), .int(1), .int(5)])
        #expect(Self.col(f, "m_score") == [.int(1), .int(1), .int(1), .int(1), .int(5)])
        #expect(Self.col(f, "r_score") == [.int(1), .int(1), .int(1), .int(1), .int(5)])
    }

    @Test func scalerRoundTripsThroughTheArtifact() throws {
        let (f, _) = try Self.run(["scale": .string("standard")])
        var w = ByteWriter()
        f.encode(into: &w)
        var r = ByteReader(w.bytes)
        let decoded = try FeatureSet(decoding: &r)
        #expect(decoded == f)
        let s = try #require(decoded.scaling.first { $0.column == "monetary" })
        #expect(s.method == "standard")
        #expect(abs(s.center - 20) < 1e-12)
        let monetary = [55.0, 5, 0]
        let scaled = Self.col(decoded, "monetary_scaled").map { v -> Double in
            if case .double(let d) = v { d } else { .nan }
        }
        for (x, y) in zip(monetary, scaled) {
            #expect(abs((x - s.center) / s.scale - y) < 1e-12)
            #expect(abs(y * s.scale + s.center - x) < 1e-9)
        }
        // RFM scores and label encodings are not scaled.
        #expect(!decoded.scaling.contains { $0.column == "r_score" })
    }

    @Test func errorsNameTheParameter() async throws {
        let missing = await RecommendFixtures.errorText { _ = try Self.run(["timestamp_column": .string("ts")]) }
        #expect(missing.contains("the events have no column 'ts'"))
        let shares = await RecommendFixtures.errorText { _ = try Self.run(["category_shares": .string("colour")]) }
        #expect(shares.contains("the items table has no column 'colour'"))
        let empty = await RecommendFixtures.errorText {
            _ = try Self.run([:], events: Self.events.take(rows: []))
        }
        #expect(empty.contains("the events input is empty"))
    }
}
