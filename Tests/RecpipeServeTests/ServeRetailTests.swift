import Foundation
import Hummingbird
import HummingbirdTesting
import RecpipeData
import RecpipeEngine
import RecpipeStages
import Testing

@testable import RecpipeServe

/// Online Retail-shaped data (no event column, orders are invoices, `C…` lines are returns):
/// posted lines update the transaction features as a batch run over the same lines computes
/// them, and item-kNN lists follow the user's new row.
@Suite struct ServeRetailTests {
    static let posted = """
        {"InvoiceNo":"536400","StockCode":"B","Quantity":2,"InvoiceDate":"2011-12-05 10:00:00","UnitPrice":4,"CustomerID":100}
        {"InvoiceNo":"536400","StockCode":"D","Quantity":1,"InvoiceDate":"2011-12-05 10:00:00","UnitPrice":3,"CustomerID":100}
        {"InvoiceNo":"C536401","StockCode":"C","Quantity":-1,"InvoiceDate":"2011-12-06 10:00:00","UnitPrice":1.25,"CustomerID":100}
        {"InvoiceNo":"536402","StockCode":"A","Quantity":3,"InvoiceDate":"2011-12-07 10:00:00","UnitPrice":2.5,"CustomerID":104}
        """

    /// RFM scores are placed against the loaded run's quantiles online; a new run recomputes them.
    static let quantileColumns: Set<String> = ["r_score", "f_score", "m_score", "rfm_segment"]

    @Test func postedInvoiceLinesGiveTheBatchFeatures() async throws {
        let shop = await ServeShop.retail()
        let (app, state) = try shop.app()
        let answers: [String: Data] = try await app.test(.router) { client in
            try await client.execute(uri: "/v1/events", method: .post, body: body(Self.posted)) { r in
                #expect(r.status == .ok, "\(String(buffer: r.body))")
            }
            var out: [String: Data] = [:]
            for user in ["100", "104"] {
                out[user] = try await client.execute(uri: "/v1/users/\(user)/profile", method: .get) { r in
                    Data(r.body.readableBytesView)
                }
            }
            return out
        }
        var online: [String: [String: Any]] = [:]
        for (user, data) in answers {
            let o = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
            online[user] = try #require(o["features"] as? [String: Any])
            if user == "100" { #expect(o["tags"] as? [String] == ["returner", "regular"]) }
        }
        // Hand-checked: user 100 had invoices 536365 (A 2×2.5, B 4), 536366 (C 3×1.25) and the
        // return C536367 (A −1); the server adds 536400 (B 2×4, D 3) and the return C536401.
        let u = try #require(online["100"])
        let expected: [String: Double] = [
            "events": 7, "purchases": 5, "frequency": 3, "orders": 3, "monetary": 23.75, "avg_basket": 7.92, "units": 9,
            "distinct_items": 4, "avg_basket_size": 3, "recency_days": 5, "tenure_days": 39,
            "mean_days_between_orders": 17,
            "orders_per_month": 2.28, "returns": 2, "returned_units": 2, "returned_value": 3.75, "frequency_30d": 1,
            "spend_30d": 11, "frequency_90d": 3, "spend_90d": 23.75,
        ]
        for (name, value) in expected { #expect(Self.number(u[name]) == value, "\(name): \(u[name] ?? "nil")") }
        #expect(Self.number(u["return_rate"]).map { abs($0 - 2.0 / 7) < 1e-12 } == true)
        let n = try #require(online["104"])
        for (name, value) in [
            "events": 1.0, "orders": 1, "monetary": 7.5, "units": 3, "tenure_days": 3, "mean_days_between_orders": 3,
            "orders_per_month": 1, "recency_days": 3, "return_rate": 0,
        ] {
            #expect(Self.number(n[name]) == value, "\(name): \(n[name] ?? "nil")")
        }
        #expect(state.counts_.accepted == 4)

        // The batch over the same lines (the ingest includes the log) gives the same features.
        #expect(await ServeShop.quiet(["run", shop.pipeline]).code == 0)
        let (batch, _, _, _) = try shop.prepare(logged: false)
        for user in ["100", "104"] {
            let row = try #require(batch.profile(user: user), "user \(user) after the run")
            #expect(row.online == 0)
            for (name, value) in row.fields where !Self.quantileColumns.contains(name) {
                let got = online[user]?[name]
                #expect(
                    Self.same(JSONValue(value), got), "user \(user) \(name): batch \(value), online \(got ?? "nil")")
            }
            #expect(row.fields.count == online[user]?.count)
        }
    }

    /// Item-kNN: a batch user's row re-scored gives the stored list; after events the list is
    /// re-scored from the new row (bought items out), and a new user gets one too.
    @Test func itemKNNListsFollowTheUsersRow() async throws {
        let shop = await ServeShop.retail()
        let (app, state) = try shop.app()
        let (knn, rows) = try #require(state.pipeline.itemKNN.first)
        #expect(knn.stage == "itemcf" && rows.stage == "matrix")
        let spec = try shop.spec()
        let store = StageRegistry.runner.store(for: spec, options: RunOptions())
        let stored = try #require(
            try store.load(store.loadState().stages["itemcf"]!.current.value).artifact as? Candidates)
        for user in stored.users.ids {
            let u = stored.users[user]!
            let batch = (stored.offsets[u]..<stored.offsets[u + 1]).map {
                (stored.items[Int(stored.itemIndices[$0])], stored.scores[$0])
            }
            let again = knn.candidates(rows.batchRow(user: user))
            #expect(again.map(\.item) == batch.map(\.0), "user \(user)")
            #expect(again.map(\.score) == batch.map(\.1), "user \(user)")
        }
        try await app.test(.router) { client in
            try await client.execute(uri: "/v1/events", method: .post, body: body(Self.posted)) { r in
                #expect(r.status == .ok, "\(String(buffer: r.body))")
            }
        }
        let lists = state.users.withLock { $0.mapValues { $0.override.lists["itemcf"] ?? [] } }
        // 100 bought B and D again/new; the cancellation of C is not a purchase line of `matrix`.
        let row100 = rows.row(
            user: "100", events: [("B", nil, nil), ("D", nil, nil)]
        ).row
        #expect(row100.map { rows.matrix.items[$0.item] } == ["A", "B", "C", "D"])
        #expect(lists["100"]?.map(\.item) == knn.candidates(row100).map(\.item))
        #expect(lists["100"]?.contains { ["A", "B", "C", "D"].contains($0.item) } == false)
        let new = try #require(lists["104"])
        #expect(!new.isEmpty && !new.contains { $0.item == "A" })
        #expect(new.map(\.item) == knn.candidates([(rows.matrix.items["A"]!, 1)]).map(\.item))
        #expect(state.counts_.knnRescores == 2)
    }

    /// A number of a JSON answer (ints and doubles alike).
    static func number(_ v: Any?) -> Double? {
        if let i = v as? Int { return Double(i) }
        return v as? Double
    }

    /// Whether a stored value and a JSON answer's value are the same.
    static func same(_ v: JSONValue, _ got: Any?) -> Bool {
        switch v {
        case .int(let i): return number(got) == Double(i)
        case .double(let d): return number(got) == d
        case .string(let s): return got as? String == s
        case .null: return got == nil || got is NSNull
        case .bool(let b): return got as? Bool == b
        default: return false
        }
    }
}
