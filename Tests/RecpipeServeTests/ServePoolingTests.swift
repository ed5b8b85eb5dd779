import Foundation
import Hummingbird
import HummingbirdTesting
import RecpipeData
import RecpipeStages
import RecpipeTestSupport
import Testing

@testable import RecpipeServe

/// Lua runtimes and rank workers reused across events (answers as new ones would, isolation kept,
/// reload starts new pools), and the popular fallback for users nobody knows.
@Suite struct ServePoolingTests {
    static func event(_ user: String, _ item: String) -> String {
        #"[{"user_id":"\#(user)","item_id":"\#(item)","event":"purchase","timestamp":"2026-10-30 12:00:00","#
            + #""quantity":1,"price":10}]"#
    }

    /// Events for several users in a row reuse one tag runtime and one rank worker (each pool holds
    /// one afterwards), and each user's tags and list equal those of a new tagger and ranker.
    @Test func pooledRuntimesAnswerAsNewOnes() async throws {
        let shop = await ServeShop()
        let (state, _, _, _) = try shop.prepare(logged: false)
        let users = ["u0", "u3", "u5", "newbie", "u0"]
        for (k, user) in users.enumerated() {
            let applied = state.apply(try state.pipeline.events.parse(Data(Self.event(user, "b\(k % 4 + 1)").utf8)))
            #expect(applied.warnings.isEmpty)
        }
        let (ranker, tagger) = state.rules.withLock { ($0.ranker, $0.tagger) }
        let pooledTagger = try #require(tagger)
        #expect(pooledTagger.idleRuntimes == 1)
        #expect(ranker.idleWorkers.override == 1)
        let fresh = try ranker.replacingScripts(ranker.scripts)
        let freshTagger = try pooledTagger.replacingText(pooledTagger.text)
        #expect(fresh.idleWorkers.override == 0 && freshTagger.idleRuntimes == 0)
        for user in Set(users) {
            let online = try #require(state.users.withLock { $0[user] })
            let list = try #require(online.list?.list)
            #expect(!list.items.isEmpty)
            #expect(try fresh.rank(online.override) == list, "user \(user)")
            let row = try Table(schema: state.pipeline.profiles.schema, rows: [online.row])
            #expect(try freshTagger.tags(row, idColumn: state.pipeline.profileIDColumn).first == online.override.tags)
        }
        // The user who bought b2 for 10 more (u3: 30 + 10) is no spender; u0 (60 + 10 + 10) neither.
        #expect(state.users.withLock { $0["u3"]?.override.tags } == [])
    }

    /// A tag rule and a promotion that try to keep the user in a global: the write fails (globals
    /// are locked), so neither the same user nor the next one, ranked on the reused runtime, sees
    /// it. A reload then starts new, empty pools with the new rules.
    @Test func aGlobalWrittenForOneUserIsNotSeenByTheNext() async throws {
        let shop = await ServeShop()
        let (app, state) = try shop.app(logged: false)
        let leak = """
            pcall(function() last_user = u.user_id end)
            local ok, v = pcall(function() return last_user end)
            """
        TestSupport.write(
            """
            tag("spender", function(u) return u.monetary >= 100 end)
            tag("leak", function(u)
            \(leak)
              if ok and v then return "saw_" .. v end
            end)
            """, to: "rules/tags.lua", in: shop.dir)
        TestSupport.write(
            """
            promote{ name = "leak", boost = 2, when = function(u, item)
            \(leak)
              return ok and v ~= nil
            end }
            """, to: "rules/promotions.lua", in: shop.dir)
        // An event before the reload leaves runtimes of the old rules in the old pools.
        _ = state.apply(try state.pipeline.events.parse(Data(Self.event("u4", "a2").utf8)))
        #expect(state.rules.withLock { $0.tagger?.idleRuntimes } == 1)
        #expect(state.reloadRules().allSatisfy { $0.state == "ok" })
        #expect(state.rules.withLock { $0.tagger?.idleRuntimes } == 0)
        #expect(state.rules.withLock { $0.ranker.idleWorkers } == (0, 0))
        try await app.test(.router) { client in
            for user in ["u0", "u1", "u2"] {
                try await client.execute(uri: "/v1/events", method: .post, body: body(Self.event(user, "b4"))) { r in
                    #expect(r.status == .ok)
                    let o = try object(r)
                    let change = try #require((o["users"] as? [[String: Any]])?.first)
                    let tags = try #require(change["tags"] as? [String])
                    #expect(!tags.contains { $0.hasPrefix("saw_") }, "user \(user): \(tags)")
                    #expect((o["warnings"] as? [String]) == [])
                }
                try await client.execute(uri: "/v1/users/\(user)/recommendations?explain=true", method: .get) { r in
                    let provenance = ((try object(r)["items"] as? [[String: Any]]) ?? []).compactMap {
                        $0["provenance"] as? String
                    }
                    #expect(provenance.count == 3)
                    #expect(!provenance.contains { $0.contains("promote leak") }, "user \(user): \(provenance)")
                }
            }
        }
        #expect(state.rules.withLock { $0.tagger?.idleRuntimes } == 1)
        #expect(state.rules.withLock { $0.ranker.idleWorkers.override } == 1)
        #expect(state.counts_.ruleErrors == 0)
    }

    /// A user neither the run nor the server knows gets the popular list, marked as the fallback
    /// for an unknown user and counted; without a popular input the answer stays a 404.
    @Test func anUnknownUserGetsThePopularFallback() async throws {
        let shop = await ServeShop(label: "serve-popular", popular: true)
        let (app, _) = try shop.app(logged: false)
        try await app.test(.router) { client in
            try await client.execute(uri: "/v1/users/nobody/recommendations?explain=true", method: .get) { r in
                #expect(r.status == .ok)
                let o = try object(r)
                #expect(o["fallback"] as? Bool == true)
                #expect(o["unknown_user"] as? Bool == true)
                #expect(o["source"] as? String == "batch")
                let listed = (o["items"] as? [[String: Any]]) ?? []
                // Each of a1, b1, b2 has 3 users (a1 first by item index); the toys promotion
                // (×1.1) lifts b1 and b2 above a1.
                #expect(items(o) == ["b1", "b2", "a1"], "\(listed)")
                let provenance = listed.compactMap { $0["provenance"] as? String }
                #expect(provenance.count == 3)
                #expect(
                    provenance.allSatisfy { $0.hasPrefix("popular ") && $0.contains("; fallback") }, "\(provenance)")
            }
            try await client.execute(uri: "/v1/users/u0/recommendations", method: .get) { r in
                let o = try object(r)
                #expect(o["unknown_user"] as? Bool == false)
                #expect(o["fallback"] as? Bool == false)
            }
            try await client.execute(uri: "/v1/users/nobody/profile", method: .get) { r in
                #expect(r.status == .notFound)
            }
            try await client.execute(uri: "/v1/status", method: .get) { r in
                let counts = try #require(try object(r)["counts"] as? [String: Int])
                #expect(counts["unknown_user_fallbacks"] == 1)
            }
            try await client.execute(uri: "/metrics", method: .get) { r in
                #expect(String(buffer: r.body).contains("recpipe_unknown_user_fallbacks_total 1"))
            }
        }
        let plain = await ServeShop()
        let (plainApp, _) = try plain.app(logged: false)
        try await plainApp.test(.router) { client in
            try await client.execute(uri: "/v1/users/nobody/recommendations", method: .get) { r in
                #expect(r.status == .notFound)
                let message = try object(r)["error"] as? String ?? ""
                #expect(message.contains("no fallback list: the rank stage 'recs' has no popular input"), "\(message)")
            }
        }
    }

    @Test func aKeyOutsideTheSchemaIsAcceptedWithAWarningThatNamesIt() async throws {
        let shop = await ServeShop(label: "serve-unread-key", popular: true)
        let (app, _) = try shop.app(logged: false)
        let event =
            #"[{"user_id":"u0","item_id":"b4","event":"purchase","timestamp":"2026-10-30 12:00:00","#
            + #""quantity":1,"price":10,"coupon":"XMAS","channel":"app"}]"#
        try await app.test(.router) { client in
            try await client.execute(uri: "/v1/events", method: .post, body: body(event)) { r in
                #expect(r.status == .ok)
                let o = try object(r)
                #expect(
                    (o["warnings"] as? [String]) == [
                        "1 event(s) have key(s) 'channel', 'coupon' that are not columns of 'events': logged as received, but neither the server nor the next run reads them"
                    ])
            }
            // Keys of the schema only: no warning.
            try await client.execute(uri: "/v1/events", method: .post, body: body(Self.event("u1", "b4"))) { r in
                let o = try object(r)
                #expect((o["warnings"] as? [String]) == [])
            }
        }
    }
}
