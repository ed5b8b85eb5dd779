import Foundation
import Hummingbird
import HummingbirdTesting
import RecpipeData
import RecpipeEngine
import RecpipeStages
import Testing

@testable import RecpipeServe

/// The read routes over the tiny shop's last run, in-process (HummingbirdTesting's router
/// framework): lists equal to the batch's, profiles, similar items, status, and every error a
/// client can get.
@Suite struct ServeRouteTests {
    /// The batch's stored list of every user equals the served one (same plan, same rules).
    @Test func servedListsEqualTheBatchRankResult() async throws {
        let shop = await ServeShop()
        let spec = try shop.spec()
        let store = StageRegistry.runner.store(for: spec, options: RunOptions())
        let recs = try #require(
            try store.load(store.loadState().stages["recs"]!.current.value).artifact as? Recommendations)
        let (app, _) = try shop.app(logged: false)
        try await app.test(.router) { client in
            for user in recs.users.ids {
                let u = recs.users[user]!
                let batch = recs.range(user: u).map { recs.items[Int(recs.itemIndices[$0])] }
                let batchProvenance = recs.range(user: u).map { recs.provenance[$0] }
                try await client.execute(uri: "/v1/users/\(user)/recommendations?explain=true", method: .get) { r in
                    #expect(r.status == .ok)
                    let o = try object(r)
                    #expect(items(o) == batch, "user \(user)")
                    #expect(
                        ((o["items"] as? [[String: Any]]) ?? []).compactMap { $0["provenance"] as? String }
                            == batchProvenance)
                    #expect(o["source"] as? String == "batch")
                    #expect(o["as_of"] as? String == "2026-11-01")
                }
            }
            // n cuts the list; without explain there is no provenance.
            try await client.execute(uri: "/v1/users/u0/recommendations?n=1", method: .get) { r in
                let o = try object(r)
                #expect(items(o).count == 1)
                #expect(((o["items"] as? [[String: Any]])?.first?["provenance"]) == nil)
            }
        }
    }

    @Test func profileShowsBatchFeaturesAndTags() async throws {
        let shop = await ServeShop()
        let (app, _) = try shop.app(logged: false)
        try await app.test(.router) { client in
            try await client.execute(uri: "/v1/users/u1/profile", method: .get) { r in
                #expect(r.status == .ok)
                let o = try object(r)
                let f = try #require(o["features"] as? [String: Any])
                // u1 bought 2 × a4 at 80: monetary 160, one purchase, last purchase 2026-10-06.
                #expect(f["monetary"] as? Double == 160)
                #expect(f["frequency"] as? Int == 1)
                #expect(f["recency_days"] as? Int == 26)
                #expect(f["share_coats"] as? Double == 1)
                #expect(o["tags"] as? [String] == ["spender"])
                #expect(o["source"] as? String == "batch")
            }
        }
    }

    /// With a `cf` stage of `output: similar_items`, its lists answer (say so), cut to `n`.
    @Test func similarItemsComeFromTheSimilarItemsStage() async throws {
        let shop = await ServeShop(similar: true)
        let (app, state) = try shop.app(logged: false)
        let (stage, lists) = try #require(state.pipeline.similarItems)
        #expect(stage == "similar")
        let a1 = lists.items["a1"]!
        let stored = lists.lists.range(a1).map { lists.items[Int(lists.lists.indices[$0])] }
        #expect(stored.count == 3)
        try await app.test(.router) { client in
            try await client.execute(uri: "/v1/items/a1/similar?n=50", method: .get) { r in
                #expect(r.status == .ok)
                let o = try object(r)
                #expect(o["source"] as? String == "similar_items")
                #expect((o["basis"] as? String)?.contains("'similar' (cf, output: similar_items)") == true)
                // a1 is viewed by u0, u1, u4; a2 shares u0 (purchase, 5) and u1 (view, 1): cosine
                // 6 / (√3 · √26) = 0.679, above a4 and b3 (5 / (√3 · √26)) and a3 (1 / (√3 · √26)).
                #expect(items(o) == stored && items(o).first == "a2")
                let score = ((o["items"] as? [[String: Any]])?.first?["score"] as? Double) ?? 0
                #expect(abs(score - 6 / (3.0.squareRoot() * 26.0.squareRoot())) < 1e-4)
            }
            try await client.execute(uri: "/v1/items/a1/similar?n=1", method: .get) { r in
                let o = try object(r)
                #expect(items(o) == ["a2"])
            }
            try await client.execute(uri: "/v1/items/zz/similar", method: .get) { r in
                #expect(r.status == .notFound)
                let o = try object(r)
                #expect((o["error"] as? String)?.contains("similar-item lists of 'similar'") == true)
            }
        }
    }

    @Test func similarItemsComeFromTheALSFactors() async throws {
        let shop = await ServeShop()
        let (app, state) = try shop.app(logged: false)
        let factors = try #require(state.pipeline.factors)
        let model = try #require(state.pipeline.model)
        let expected = try model.similarItems(item: factors.items["a1"]!, n: 3).map { factors.items[$0.item] }
        try await app.test(.router) { client in
            try await client.execute(uri: "/v1/items/a1/similar?n=3", method: .get) { r in
                #expect(r.status == .ok)
                let o = try object(r)
                #expect(items(o) == expected)
                #expect(!items(o).contains("a1"))
                #expect(o["source"] as? String == "als")
            }
        }
    }

    /// Every error a client can cause gets its status and a message naming the problem.
    @Test func errorsAreLocatedAndNeverEmpty() async throws {
        let shop = await ServeShop()
        let (app, _) = try shop.app(logged: false)
        try await app.test(.router) { client in
            let cases: [(String, HTTPResponse.Status, String)] = [
                (
                    "/v1/users/nobody/recommendations", .notFound,
                    "user 'nobody' is not in the loaded run of 'recs' (6 users)"
                ),
                ("/v1/users/nobody/profile", .notFound, "POST /v1/events to add them"),
                (
                    "/v1/users/u0/recommendations?n=0", .badRequest,
                    "query parameter 'n' must be an integer from 1 to 10000 (got '0')"
                ),
                ("/v1/users/u0/recommendations?n=ten", .badRequest, "(got 'ten')"),
                (
                    "/v1/users/u0/recommendations?explain=maybe", .badRequest,
                    "query parameter 'explain' must be true or false"
                ),
                ("/v1/items/zz/similar", .notFound, "item 'zz' is not in the trained factors (8 items)"),
                ("/v1/nothing", .notFound, "no route GET /v1/nothing"),
            ]
            for (uri, status, message) in cases {
                try await client.execute(uri: uri, method: .get) { r in
                    #expect(r.status == status, "\(uri)")
                    let o = try object(r)
                    #expect((o["error"] as? String)?.contains(message) == true, "\(uri): \(o)")
                    #expect(o["status"] as? Int == Int(status.code))
                }
            }
        }
    }

    @Test func statusHealthAndMetrics() async throws {
        let shop = await ServeShop()
        let (app, _) = try shop.app(logged: false)
        try await app.test(.router) { client in
            try await client.execute(uri: "/healthz", method: .get) { r in
                #expect(String(buffer: r.body) == "{\"status\":\"ok\"}\n")
            }
            try await client.execute(uri: "/v1/status", method: .get) { r in
                let o = try object(r)
                #expect(o["pipeline"] as? String == "serve-shop")
                #expect(o["rank_stage"] as? String == "recs")
                let counts = try #require(o["counts"] as? [String: Int])
                #expect(counts["users"] == 6)
                #expect(counts["items"] == 8)
                let rules = try #require(o["rules"] as? [[String: Any]])
                #expect(rules.map { $0["file"] as? String } == ["rules/promotions.lua", "rules/tags.lua"])
                #expect(rules.allSatisfy { $0["state"] as? String == "ok" })
            }
            try await client.execute(uri: "/v1/users/u0/recommendations", method: .get) { _ in }
            try await client.execute(uri: "/metrics", method: .get) { r in
                let text = String(buffer: r.body)
                #expect(
                    text.contains(
                        #"recpipe_http_request_duration_seconds_count{route="GET /v1/users/{id}/recommendations",status="2xx"} 1"#
                    ), "\(text)")
                #expect(text.contains("recpipe_events_accepted_total 0"))
            }
        }
    }

    /// A known path with a method it does not answer is a 405 naming the allowed methods (an
    /// unknown path stays a 404).
    @Test func aKnownPathWithAnotherMethodIs405() async throws {
        let shop = await ServeShop()
        let (app, _) = try shop.app(logged: false)
        try await app.test(.router) { client in
            try await client.execute(uri: "/v1/status", method: .delete) { r in
                #expect(r.status == .methodNotAllowed)
                #expect(r.headers[.allow] == "GET")
                let message = try object(r)["error"] as? String
                #expect(message == "DELETE is not allowed on /v1/status (allowed: GET); see /openapi.yaml")
            }
            try await client.execute(uri: "/v1/users/u1/profile", method: .post) { r in
                #expect(r.status == .methodNotAllowed)
            }
            try await client.execute(uri: "/v1/events", method: .get) { r in #expect(r.headers[.allow] == "POST") }
            try await client.execute(uri: "/v1/nothing", method: .delete) { r in #expect(r.status == .notFound) }
        }
    }
}
