import Foundation
import RecpipeCore
import RecpipeEngine
import RecpipeSpec
import Testing

@Suite struct CacheTests {
    @Test func runIDsEndInFourHexDigits() async throws {
        #expect(PipelineRunner.runIDSuffix(0x1a5) == "01a5")
        #expect(PipelineRunner.runIDSuffix(0) == "0000")
        #expect(PipelineRunner.runIDSuffix(0xffff) == "ffff")
        let f = Fixture()
        let report = try await f.run([f.stage("a", "source", ["value": .int(1)])])
        #expect(report.runID.wholeMatch(of: /\d{8}T\d{6}Z-[0-9a-f]{4}/) != nil, "\(report.runID)")
    }

    @Test func corruptCacheFileIsDetectedAndTheStageReruns() async throws {
        let f = Fixture()
        let stages = [f.stage("a", "source", ["value": .int(7)]), f.stage("b", "add", inputs: ["a"])]
        _ = try await f.run(stages)
        let store = testRunner.store(for: f.pipeline(stages), options: RunOptions())
        let fp = try #require(store.loadState().stages["a"]?.current.value)
        let path = store.root + "/artifacts/\(fp).rcpa"
        var bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
        bytes[bytes.count - 1] ^= 0xFF
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        let r = try await f.run(stages)
        #expect(r.status("a") == .ran)
        #expect(r.report("a")?.warnings.first?.contains("checksum") == true)
        #expect(r.status("b") == .cached)
    }

    @Test func truncatedCacheFileIsDetected() async throws {
        let f = Fixture()
        let stages = [f.stage("a", "source")]
        _ = try await f.run(stages)
        let store = testRunner.store(for: f.pipeline(stages), options: RunOptions())
        let fp = try #require(store.loadState().stages["a"]?.current.value)
        let path = store.root + "/artifacts/\(fp).rcpa"
        let bytes = try Data(contentsOf: URL(fileURLWithPath: path))
        try bytes.prefix(bytes.count - 3).write(to: URL(fileURLWithPath: path))
        let r = try await f.run(stages)
        #expect(r.status("a") == .ran)
        #expect(r.report("a")?.warnings.first?.contains("truncated") == true)
    }

    @Test func forceRerunsEverything() async throws {
        let f = Fixture()
        let stages = [f.stage("a", "source"), f.stage("b", "add", inputs: ["a"])]
        _ = try await f.run(stages)
        let r = try await f.run(stages) { $0.force = true }
        #expect(r.stages.map(\.status) == [.ran, .ran])
        #expect(r.report("a")?.reason == "forced")
    }

    @Test func manifestIsWrittenForEachRun() async throws {
        let f = Fixture()
        let stages = [f.stage("a", "source")]
        let r = try await f.run(stages)
        let data = try Data(contentsOf: URL(fileURLWithPath: r.runDirectory + "/manifest.json"))
        let json = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect(json["exit_code"] as? Int == 0)
        let stage = try #require((json["stages"] as? [[String: Any]])?.first)
        #expect(stage["stage"] as? String == "a")
        #expect(stage["status"] as? String == "ran")
        #expect((stage["fingerprint"] as? String)?.count == 16)
        let latest = try String(contentsOfFile: f.dir + "/.recpipe/runs/latest", encoding: .utf8)
        #expect(latest.trimmingCharacters(in: .whitespacesAndNewlines) == r.runID)
    }

    @Test func previousResultIsKeptForDiffAndOlderOnesPruned() async throws {
        let f = Fixture()
        var stages = [f.stage("a", "source", ["value": .int(1)])]
        _ = try await f.run(stages)
        stages[0].params["value"] = .int(2)
        _ = try await f.run(stages)
        stages[0].params["value"] = .int(3)
        _ = try await f.run(stages)
        let store = testRunner.store(for: f.pipeline(stages), options: RunOptions())
        let s = try #require(store.loadState().stages["a"])
        #expect((try store.load(s.current.value).artifact as? Numbers)?.values == [3])
        let prev = try #require(s.previous?.value)
        #expect((try store.load(prev).artifact as? Numbers)?.values == [2])
        let files = try FileManager.default.contentsOfDirectory(atPath: store.root + "/artifacts")
        #expect(files.filter { $0.hasSuffix(".rcpa") }.count == 2)
    }
}

@Suite struct SharedCacheTests {
    @Test func twoPipelinesSharingACacheKeepTheirOwnState() async throws {
        let f = Fixture()
        let cache = f.dir + "/shared-cache"
        let a = PipelineSpec(
            name: "first", file: f.dir + "/a.yaml", baseDirectory: f.dir,
            stages: [f.stage("m", "source", ["value": .int(1)])])
        let b = PipelineSpec(
            name: "second", file: f.dir + "/b.yaml", baseDirectory: f.dir,
            stages: [f.stage("m", "source", ["value": .int(2)])])
        var o = RunOptions()
        o.cacheDirectory = cache
        _ = try await testRunner.run(a, options: o)
        _ = try await testRunner.run(b, options: o)
        let again = try await testRunner.run(a, options: o)
        #expect(again.status("m") == .cached)
        #expect(try await testRunner.run(b, options: o).status("m") == .cached)
        let storeA = testRunner.store(for: a, options: o)
        let fpA = try #require(storeA.loadState().stages["m"]?.current.value)
        #expect((try storeA.load(fpA).artifact as? Numbers)?.values == [1])
        #expect(storeA.loadState().stages["m"]?.previous == nil)
    }
}
