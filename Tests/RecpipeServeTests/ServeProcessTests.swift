import Foundation
import RecpipeData
import RecpipeEngine
import RecpipeStages
import RecpipeTestSupport
import Testing

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// The server as a process: events acknowledged before a `kill -9` are in the next batch run,
/// and SIGTERM stops it cleanly.
@Suite(.serialized) struct ServeProcessTests {
    /// The `recpipe` binary built beside the test bundle.
    static var binary: String? {
        let dir = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        for candidate in [dir, dir.deletingLastPathComponent()] {
            let path = candidate.appendingPathComponent("recpipe").path
            if FileManager.default.isExecutableFile(atPath: path) { return path }
        }
        return nil
    }

    /// A started `recpipe serve` and its address.
    struct Server {
        let process: Process
        let base: String
    }

    static func start(_ shop: ServeShop) throws -> Server {
        let binary = try #require(
            binary, "the recpipe binary is not built beside the tests (swift build --build-tests)")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = ["serve", shop.pipeline, "--port", "0"]
        let err = Pipe()
        process.standardError = err
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        var seen = ""
        let deadline = Date().addingTimeInterval(60)
        while Date() < deadline {
            let chunk = err.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            seen += String(decoding: chunk, as: UTF8.self)
            if let r = seen.range(of: "serving on http://") {
                let address = seen[r.upperBound...].prefix { !$0.isWhitespace }
                return Server(process: process, base: "http://\(address)")
            }
        }
        process.terminate()
        Issue.record("the server did not start: \(seen)")
        throw CancellationError()
    }

    static func post(_ url: String, _ text: String) async throws -> Int {
        var request = URLRequest(url: URL(string: url)!)
        request.httpMethod = "POST"
        request.httpBody = Data(text.utf8)
        let (_, response) = try await URLSession.shared.data(for: request)
        return (response as? HTTPURLResponse)?.statusCode ?? 0
    }

    @Test func eventsAcknowledgedBeforeKill9AreInTheNextBatchRun() async throws {
        let shop = await ServeShop(label: "serve-kill")
        let server = try Self.start(shop)
        var acknowledged: [String] = []
        for k in 0..<5 {
            let user = "k\(k)"
            let event =
                #"[{"user_id":"\#(user)","item_id":"a\#(k % 4 + 1)","event":"purchase","timestamp":"2026-10-30 12:00:00","quantity":1,"price":\#(k + 1)}]"#
            if try await Self.post(server.base + "/v1/events", event) == 200 { acknowledged.append(user) }
        }
        #expect(acknowledged.count == 5)
        kill(server.process.processIdentifier, SIGKILL)
        server.process.waitUntilExit()
        #expect(server.process.terminationReason == .uncaughtSignal)

        let run = await ServeShop.quiet(["run", shop.pipeline])
        #expect(run.code == 0, "\(run.err)")
        let spec = try shop.spec()
        let store = StageRegistry.runner.store(for: spec, options: RunOptions())
        let profiles = try #require(
            (try store.load(store.loadState().stages["profiles"]!.current.value).artifact) as? Table)
        let idCol = profiles.columnIndex("user_id")!
        let ids = Set((0..<profiles.rowCount).compactMap { profiles.string(row: $0, col: idCol) })
        for user in acknowledged { #expect(ids.contains(user), "\(user) is not in the batch run after kill -9") }
        let m = profiles.columnIndex("monetary")!
        let k4 = try #require((0..<profiles.rowCount).first { profiles.string(row: $0, col: idCol) == "k4" })
        #expect(profiles.double(row: k4, col: m) == 5)

        // A restart does not apply them twice: the run already read them.
        let (_, _, _, replay) = try shop.prepare()
        #expect(replay.lines == 5)
        #expect(replay.inRun == 5)
        #expect(replay.replayed == 0)
    }

    @Test func sigtermStopsCleanly() async throws {
        let shop = await ServeShop(label: "serve-term")
        let server = try Self.start(shop)
        let event = #"[{"user_id":"t1","item_id":"b2","event":"view","timestamp":"2026-10-30 12:00:00"}]"#
        #expect(try await Self.post(server.base + "/v1/events", event) == 200)
        server.process.terminate()
        server.process.waitUntilExit()
        #expect(server.process.terminationStatus == 0)
        let log = try String(contentsOfFile: shop.logPath, encoding: .utf8)
        #expect(log.split(separator: "\n").count == 1)
    }
}
