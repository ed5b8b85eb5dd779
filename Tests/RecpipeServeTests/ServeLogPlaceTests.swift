import Foundation
import Hummingbird
import HummingbirdTesting
import RecpipeData
import RecpipeEngine
import RecpipeServe
import RecpipeStages
import RecpipeTestSupport
import Testing

/// Each pipeline has an event log of its own (`serve-log/<file stem>/events.jsonl`), so two
/// pipelines in one folder never mix their events; a server whose pipeline does not read its log
/// says so; the shared log of an earlier version is never ignored in silence.
@Suite struct ServeLogPlaceTests {
    /// A second pipeline `q.yaml` in the shop's folder: the same stages, named `serve-shop-q`,
    /// its ingest including `include` (default: its own log's folder).
    static func second(_ shop: ServeShop, include: String = "serve-log/q") throws -> ServeShop {
        let text = try String(contentsOfFile: shop.pipeline, encoding: .utf8)
            .replacingOccurrences(of: "pipeline: serve-shop\n", with: "pipeline: serve-shop-q\n")
            .replacingOccurrences(of: "include: serve-log/p\n", with: "include: \(include)\n")
        return ServeShop(dir: shop.dir, pipeline: TestSupport.write(text, to: "q.yaml", in: shop.dir))
    }

    static func post(_ shop: ServeShop, _ events: String) async throws {
        let (app, _) = try shop.app()
        try await app.test(.router) { client in
            try await client.execute(uri: "/v1/events", method: .post, body: body(events)) { r in
                #expect(r.status == .ok, "\(String(buffer: r.body))")
            }
        }
    }

    /// The user ids of the `profiles` stage of the shop's last run.
    static func batchUsers(_ shop: ServeShop) throws -> Set<String> {
        let store = StageRegistry.runner.store(for: try shop.spec(), options: RunOptions())
        let profiles = try #require(
            (try store.load(store.loadState().stages["profiles"]!.current.value).artifact) as? Table)
        let col = try #require(profiles.columnIndex("user_id"))
        return Set((0..<profiles.rowCount).compactMap { profiles.string(row: $0, col: col) })
    }

    @Test func defaultLogIsOnePerPipelineFile() async throws {
        let shop = await ServeShop(label: "serve-place")
        let p = try shop.spec()
        #expect(EventLogPlace.defaultPath(p) == URL(fileURLWithPath: shop.dir + "/serve-log/p/events.jsonl").path)
        #expect(EventLogPlace.defaultPath(p) == URL(fileURLWithPath: shop.logPath).standardizedFileURL.path)
        let q = try Self.second(shop).spec()
        #expect(EventLogPlace.defaultPath(q) == URL(fileURLWithPath: shop.dir + "/serve-log/q/events.jsonl").path)
        #expect(EventLogPlace.stem(q) == "q")
    }

    /// Two pipelines of one folder served one after the other: each log holds its own server's
    /// event, and each batch run reads its own log only.
    @Test func twoPipelinesInOneFolderDoNotMixTheirEvents() async throws {
        let p = await ServeShop(label: "serve-two")
        let q = try Self.second(p)
        #expect(await ServeShop.quiet(["run", q.pipeline]).code == 0)
        let event = #"[{"user_id":"USER","item_id":"ITEM","event":"purchase","timestamp":"2026-10-30 12:00:00"}]"#
        try await Self.post(
            p, event.replacingOccurrences(of: "USER", with: "pz").replacingOccurrences(of: "ITEM", with: "a1"))
        try await Self.post(
            q, event.replacingOccurrences(of: "USER", with: "qz").replacingOccurrences(of: "ITEM", with: "b1"))
        let pLog = try String(contentsOfFile: p.logPath, encoding: .utf8)
        let qLog = try String(contentsOfFile: q.logPath, encoding: .utf8)
        #expect(pLog.split(separator: "\n").count == 1 && pLog.contains(#""user_id":"pz""#))
        #expect(qLog.split(separator: "\n").count == 1 && qLog.contains(#""user_id":"qz""#))

        #expect(await ServeShop.quiet(["run", p.pipeline]).code == 0)
        #expect(await ServeShop.quiet(["run", q.pipeline]).code == 0)
        let pUsers = try Self.batchUsers(p)
        let qUsers = try Self.batchUsers(q)
        #expect(pUsers.contains("pz") && !pUsers.contains("qz"), "\(pUsers.sorted())")
        #expect(qUsers.contains("qz") && !qUsers.contains("pz"), "\(qUsers.sorted())")

        // A restart of each finds its one line already in its run.
        for shop in [p, q] {
            let (state, _, _, replay) = try shop.prepare()
            #expect(replay.lines == 1 && replay.inRun == 1 && replay.replayed == 0)
            #expect(replay.readingStage == "events")
            #expect(replay.warning == nil)
            #expect(state.counts_.replayed == 0)
        }
    }

    /// An ingest that includes the old shared folder (or nothing) does not read this server's log:
    /// the start-up summary and `/v1/status` say so and name the `include` to write.
    @Test func serverWarnsWhenNoIngestReadsItsLog() async throws {
        let shop = await ServeShop(label: "serve-unread")
        let stale = try Self.second(shop, include: "serve-log")
        let spec = try stale.spec()
        let readers = EventLogPlace.readers(of: stale.logPath, spec: spec)
        #expect(readers.reading == nil)
        #expect(readers.others == [.init(stage: "events", path: URL(fileURLWithPath: shop.dir + "/serve-log").path)])
        let warning = try #require(EventLogPlace.warning(path: stale.logPath, spec: spec, readers: readers))
        #expect(
            warning
                == "no ingest stage of serve-shop-q reads this event log (ingest 'events' includes serve-log: not this log's file or folder), "
                + "so the next `recpipe run` will not contain the events this server accepts, and every start replays the whole log; "
                + "add `include: serve-log/q` to the events ingest stage (as pipelines/demo.yaml does)")

        #expect(await ServeShop.quiet(["run", stale.pipeline]).code == 0)
        let (state, log, options, replay) = try stale.prepare()
        #expect(replay.readingStage == nil)
        #expect(replay.warning == warning)
        let app = Application(router: ServeRoutes.router(state, options: options, log: log))
        try await app.test(.router) { client in
            try await client.execute(uri: "/v1/status", method: .get) { r in
                let eventLog = try #require(try object(r)["event_log"] as? [String: Any])
                #expect(eventLog["read_by"] is NSNull)
                #expect(eventLog["warning"] as? String == warning)
            }
        }

        // The shop that includes its own log: no warning, and the reading stage is named.
        let (okState, okLog, okOptions, okReplay) = try shop.prepare()
        #expect(okReplay.readingStage == "events" && okReplay.warning == nil)
        let okApp = Application(router: ServeRoutes.router(okState, options: okOptions, log: okLog))
        try await okApp.test(.router) { client in
            try await client.execute(uri: "/v1/status", method: .get) { r in
                let eventLog = try #require(try object(r)["event_log"] as? [String: Any])
                #expect(eventLog["read_by"] as? String == "events")
                #expect(eventLog["warning"] is NSNull)
            }
        }

        // Without any include, the warning says only what to add.
        let none = try #require(
            EventLogPlace.warning(
                path: shop.logPath, spec: try Self.second(shop, include: "x").spec(),
                readers: .init(reading: nil, others: [])))
        #expect(none.hasPrefix("no ingest stage of serve-shop-q reads this event log, so the next"))
    }

    /// The log an earlier version shared among a folder's pipelines (`serve-log/events.jsonl`)
    /// holding events: `recpipe serve` refuses to start on the default log and says where to
    /// move it; an empty one is no obstacle.
    @Test func sharedLogOfAnEarlierVersionStopsTheStart() async throws {
        let shop = await ServeShop(label: "serve-shared")
        TestSupport.write("", to: "serve-log/events.jsonl", in: shop.dir)
        try EventLogPlace.checkNoSharedLog(try shop.spec())
        TestSupport.write(
            #"{"user_id":"u1","item_id":"b4","event":"view","timestamp":"2026-10-20 12:00:00","_received_ms":7}"#
                + "\n",
            to: "serve-log/events.jsonl", in: shop.dir)
        #expect(throws: ServeError.self) { try EventLogPlace.checkNoSharedLog(try shop.spec()) }

        let r = await ServeShop.quiet(["serve", shop.pipeline, "--port", "0"])
        #expect(r.code == 2)
        let shared = URL(fileURLWithPath: shop.dir + "/serve-log/events.jsonl").path
        let mine = URL(fileURLWithPath: shop.dir + "/serve-log/p/events.jsonl").path
        #expect(r.err.contains("error: \(shared) holds events logged by an earlier `recpipe serve`"), "\(r.err)")
        #expect(r.err.contains("mv \(shared) \(mine)"), "\(r.err)")
        #expect(!FileManager.default.fileExists(atPath: mine))

        // This pipeline's log has lines already: a `mv` would drop them, so the advice keeps both.
        TestSupport.write(
            #"{"user_id":"u2","item_id":"b1","event":"view","timestamp":"2026-10-21 12:00:00","_received_ms":9}"#
                + "\n",
            to: "serve-log/p/events.jsonl", in: shop.dir)
        let both = await ServeShop.quiet(["serve", shop.pipeline, "--port", "0"])
        #expect(both.code == 2)
        #expect(
            both.err.contains("cat \(shared) \(mine) > \(mine).new && mv \(mine).new \(mine) && rm \(shared)"),
            "\(both.err)")
        #expect(!both.err.contains("mv \(shared) \(mine)"), "\(both.err)")
    }

    /// A last line torn by a crash of the machine (no newline) stays one unreadable line: the next
    /// acknowledged event starts a line of its own, the replay and the batch read it.
    @Test func eventAfterATornLastLineIsALineOfItsOwn() async throws {
        let shop = await ServeShop(label: "serve-torn")
        TestSupport.write(
            #"{"user_id":"u1","item_id":"b4","event":"view","timestamp":"2026-10-20 12:00:00","quantity":1,"price":16,"_received_ms":7}"#
                + "\n" + #"{"user_id":"u2","item_id":"#, to: "serve-log/p/events.jsonl", in: shop.dir)
        let (state, log, options, replay) = try shop.prepare()
        #expect(replay.lines == 2 && replay.replayed == 1 && replay.unreadable.count == 1)
        let app = Application(router: ServeRoutes.router(state, options: options, log: log))
        try await app.test(.router) { client in
            try await client.execute(
                uri: "/v1/events", method: .post,
                body: body(
                    #"[{"user_id":"tz","item_id":"a2","event":"purchase","timestamp":"2026-10-30 12:00:00","quantity":1,"price":9}]"#
                )
            ) { r in #expect(r.status == .ok, "\(String(buffer: r.body))") }
        }
        let lines = try String(contentsOfFile: shop.logPath, encoding: .utf8).split(
            separator: "\n", omittingEmptySubsequences: false)
        #expect(lines.count == 4 && lines[3].isEmpty)
        #expect(lines[1] == #"{"user_id":"u2","item_id":"#)
        let last = try #require(try JSONSerialization.jsonObject(with: Data(lines[2].utf8)) as? [String: Any])
        #expect(last["user_id"] as? String == "tz")

        let run = await ServeShop.quiet(["run", shop.pipeline])
        #expect(run.code == 0, "\(run.err)")
        #expect(try Self.batchUsers(shop).contains("tz"))
        let (_, _, _, again) = try shop.prepare()
        #expect(again.lines == 3 && again.inRun == 2 && again.replayed == 0 && again.unreadable.count == 1)
    }
}
