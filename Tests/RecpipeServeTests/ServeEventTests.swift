import Foundation
import Hummingbird
import HummingbirdTesting
import RecpipeData
import RecpipeStages
import RecpipeTestSupport
import Testing

@testable import RecpipeServe

/// `POST /v1/events`: durable log first, then profile, tags, fold-in and list, seen by the next
/// read; every rejection is a 4xx naming the event.
@Suite struct ServeEventTests {
    static let json: HTTPFields = [.contentType: "application/json"]

    /// A new user: the profile is built from the event, tags follow, the list comes from the
    /// folded-in ALS vector (not the fallback) and excludes the bought item.
    @Test func newUserGetsProfileTagsAndFoldedList() async throws {
        let shop = await ServeShop()
        let (app, state) = try shop.app()
        try await app.test(.router) { client in
            let events =
                #"[{"user_id":"n1","item_id":"b1","event":"purchase","timestamp":"2026-10-30 12:00:00","quantity":2,"price":10}]"#
            try await client.execute(uri: "/v1/events", method: .post, headers: Self.json, body: body(events)) { r in
                #expect(r.status == .ok, "\(String(buffer: r.body))")
                let o = try object(r)
                #expect(o["accepted"] as? Int == 1)
                #expect(o["logged"] as? Bool == true)
                let u = try #require((o["users"] as? [[String: Any]])?.first)
                #expect(u["new"] as? Bool == true)
                #expect(u["tags"] as? [String] == ["new_user"])
            }
            try await client.execute(uri: "/v1/users/n1/profile", method: .get) { r in
                let o = try object(r)
                let f = try #require(o["features"] as? [String: Any])
                #expect(f["monetary"] as? Double == 20)
                #expect(f["frequency"] as? Int == 1)
                #expect(f["purchases"] as? Int == 1)
                #expect(f["events"] as? Int == 1)
                #expect(f["recency_days"] as? Int == 2)
                #expect(f["share_toys"] as? Double == 1)
                #expect(f["top_category"] as? String == "toys")
                #expect(o["source"] as? String == "online")
                #expect(o["online_events"] as? Int == 1)
            }
            try await client.execute(uri: "/v1/users/n1/recommendations?explain=true", method: .get) { r in
                #expect(r.status == .ok)
                let o = try object(r)
                let list = items(o)
                #expect(list.count == 3)
                #expect(!list.contains("b1"))
                #expect(o["fallback"] as? Bool == false)
                #expect(o["source"] as? String == "online")
                let provenance = ((o["items"] as? [[String: Any]]) ?? []).compactMap { $0["provenance"] as? String }
                #expect(provenance.allSatisfy { $0.hasPrefix("als ") }, "\(provenance)")
            }
        }
        #expect(state.counts_.accepted == 1)
        #expect(state.counts_.foldIns == 1)
        let log = try String(contentsOfFile: shop.logPath, encoding: .utf8)
        #expect(
            log.hasPrefix(
                #"{"event":"purchase","item_id":"b1","price":10,"quantity":2,"timestamp":"2026-10-30 12:00:00","user_id":"n1","_received_ms":"#
            ))
    }

    /// A batch user's purchase: the item leaves their list at once (read-your-writes), and
    /// their profile adds to the batch values.
    @Test func batchUserSeesTheirEventOnTheNextRead() async throws {
        let shop = await ServeShop()
        let (app, _) = try shop.app()
        try await app.test(.router) { client in
            let before = try await client.execute(uri: "/v1/users/u2/recommendations", method: .get) { r in
                items(try object(r))
            }
            let bought = try #require(before.first)
            let line =
                #"{"user_id":"u2","item_id":"\#(bought)","event":"purchase","timestamp":"2026-10-31 09:00:00","quantity":1,"price":1.5}"#
            try await client.execute(uri: "/v1/events", method: .post, body: body(line + "\n")) { r in
                #expect(r.status == .ok, "\(String(buffer: r.body))")
            }
            try await client.execute(uri: "/v1/users/u2/recommendations", method: .get) { r in
                let o = try object(r)
                let after = items(o)
                #expect(!after.contains(bought))
                #expect(after.count == 3)
            }
            try await client.execute(uri: "/v1/users/u2/profile", method: .get) { r in
                let f = try #require(try object(r)["features"] as? [String: Any])
                #expect(f["monetary"] as? Double == 13.5)  // 12 in the batch + 1.5
                #expect(f["frequency"] as? Int == 2)
                #expect(f["recency_days"] as? Int == 1)
                #expect(f["events"] as? Int == 4)
            }
        }
    }

    /// All-or-nothing: any bad event rejects the request with every problem listed, and nothing
    /// reaches the log or the state.
    @Test func badRequestsAreRejectedWholeWithEveryProblem() async throws {
        let shop = await ServeShop()
        let (app, state) = try shop.app()
        try await app.test(.router) { client in
            let cases: [(String, HTTPResponse.Status, String)] = [
                ("{not json", .badRequest, "line 1: not valid JSON"),
                ("[1]", .badRequest, "event 1: not a JSON object"),
                ("[]", .badRequest, "the body has no events"),
                (#"[{"user_id":"u1","item_id":"a1","quantity":"lots"}]"#, .badRequest, "event 1:"),
                (
                    #"[{"user_id":"u1","item_id":"zz"},{"user_id":"u1","item_id":"a1"},{"user_id":"u1","item_id":"yy"}]"#,
                    .badRequest,
                    "event 1: item 'zz' is not in the catalogue of 'recs' (8 items); event 3: item 'yy'"
                ),
                (#"[{"item_id":"a1"}]"#, .badRequest, "event 1: 'user_id' is missing"),
                (
                    "[" + String(repeating: #"{"user_id":"u1","item_id":"a1"},"#, count: 200) + "{}]", .contentTooLarge,
                    "over the limit of 4096 bytes"
                ),
            ]
            for (text, status, message) in cases {
                try await client.execute(uri: "/v1/events", method: .post, body: body(text)) { r in
                    #expect(r.status == status, "\(text)")
                    let o = try object(r)
                    let error = (o["error"] as? String) ?? ""
                    #expect(error.contains(message), "\(text): \(error)")
                }
            }
        }
        #expect(state.counts_.accepted == 0)
        #expect(state.onlineUsers == 0)
        #expect((try? String(contentsOfFile: shop.logPath, encoding: .utf8)) ?? "" == "")
    }

    /// With a token, writes need `Authorization: Bearer <token>`; reads do not.
    @Test func writesNeedTheBearerTokenWhenOneIsSet() async throws {
        let shop = await ServeShop()
        let (app, _) = try shop.app(token: "s3cret")
        let event = #"[{"user_id":"u1","item_id":"b4","event":"view","timestamp":"2026-10-30 12:00:00"}]"#
        try await app.test(.router) { client in
            try await client.execute(uri: "/v1/events", method: .post, body: body(event)) { r in
                #expect(r.status == .unauthorized)
            }
            try await client.execute(uri: "/v1/rules/reload", method: .post) { r in #expect(r.status == .unauthorized) }
            try await client.execute(
                uri: "/v1/events", method: .post, headers: [.authorization: "Bearer wrong"], body: body(event)
            ) { r in #expect(r.status == .unauthorized) }
            try await client.execute(
                uri: "/v1/events", method: .post, headers: [.authorization: "Bearer s3cret"], body: body(event)
            ) { r in #expect(r.status == .ok) }
            try await client.execute(uri: "/v1/users/u1/profile", method: .get) { r in #expect(r.status == .ok) }
        }
    }

    @Test func aNonLoopbackHostWithoutATokenIsRefused() throws {
        var options = ServeOptions()
        options.host = "0.0.0.0"
        #expect(throws: ServeError.self) { try options.resolveToken(environment: [:], tokenFile: nil) }
        try options.resolveToken(environment: ["RECPIPE_SERVE_TOKEN": "t"], tokenFile: nil)
        #expect(options.token == "t")
        var local = ServeOptions()
        try local.resolveToken(environment: [:], tokenFile: nil)
        #expect(local.token == nil)
    }

    /// A restart replays the log: the online user comes back with the same profile and list.
    @Test func restartReplaysTheLog() async throws {
        let shop = await ServeShop()
        let first = try await {
            let (app, _) = try shop.app()
            return try await app.test(.router) { client in
                let events = """
                    {"user_id":"n2","item_id":"a1","event":"view","timestamp":"2026-10-20 12:00:00"}
                    {"user_id":"n2","item_id":"a2","event":"purchase","timestamp":"2026-10-21 12:00:00","quantity":1,"price":60}
                    """
                try await client.execute(uri: "/v1/events", method: .post, body: body(events)) { r in
                    #expect(r.status == .ok)
                }
                let profile = try await client.execute(uri: "/v1/users/n2/profile", method: .get) { r in
                    Data(r.body.readableBytesView)
                }
                let list = try await client.execute(uri: "/v1/users/n2/recommendations", method: .get) { r in
                    items(try object(r))
                }
                return (profile: profile, list: list)
            }
        }()
        let (state, _, _, replay) = try shop.prepare()
        #expect(replay.lines == 2)
        #expect(replay.replayed == 2)
        #expect(replay.inRun == 0)
        #expect(replay.readingStage == "events")
        let profile = try #require(state.profile(user: "n2"))
        let replayed = Dictionary(profile.fields.map { ($0.0, $0.1) }) { a, _ in a }
        let firstProfile = try #require(try JSONSerialization.jsonObject(with: first.profile) as? [String: Any])
        let features = try #require(firstProfile["features"] as? [String: Any])
        #expect(replayed["monetary"]?.doubleValue == 60)
        #expect(features["monetary"] as? Double == 60)
        #expect(
            replayed["events"]?.doubleValue == features["events"] as? Double ?? Double(features["events"] as? Int ?? -1)
        )
        #expect(profile.online == 2)
        #expect(try state.recommendations(user: "n2")?.items.map(\.item) == first.list)
    }

    /// A logged event on an item the loaded catalogue lacks is not replayed, and is counted: in
    /// the replay result (the start-up summary), `/v1/status` and `/metrics`.
    @Test func replayCountsEventsOnUnknownItems() async throws {
        let shop = await ServeShop()
        TestSupport.write(
            """
            {"event":"view","item_id":"zz","timestamp":"2026-10-20 10:00:00","user_id":"u1","_received_ms":5}
            {"event":"view","item_id":"zz","timestamp":"2026-10-20 11:00:00","user_id":"u2","_received_ms":6}
            {"event":"view","item_id":"b4","timestamp":"2026-10-20 12:00:00","user_id":"u1","_received_ms":7}

            """, to: "serve-log/p/events.jsonl", in: shop.dir)
        let (state, log, options, replay) = try shop.prepare()
        #expect(replay.lines == 3)
        #expect(replay.replayed == 1)
        #expect(replay.unknownItems == 2)
        #expect(replay.unknownExamples.map(\.item) == ["zz"] && replay.unknownExamples.map(\.events) == [2])
        #expect(state.counts_.replayed == 1)
        let app = Application(router: ServeRoutes.router(state, options: options, log: log))
        try await app.test(.router) { client in
            try await client.execute(uri: "/v1/status", method: .get) { r in
                let counts = try #require(try object(r)["counts"] as? [String: Any])
                #expect(counts["replay_skipped_unknown_items"] as? Int == 2)
                #expect(counts["events_replayed"] as? Int == 1)
            }
            try await client.execute(uri: "/metrics", method: .get) { r in
                #expect(
                    String(buffer: r.body).contains(#"recpipe_replay_skipped_events_total{reason="unknown_item"} 2"#))
            }
        }
    }
}
