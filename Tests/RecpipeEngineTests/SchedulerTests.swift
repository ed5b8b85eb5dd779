import Foundation
import RecpipeCore
import RecpipeSpec
import Testing

@testable import RecpipeEngine

@Suite struct SchedulerTests {
    @Test func runsInDependencyOrderAndPassesArtifacts() async throws {
        let f = Fixture()
        let key = UUID().uuidString
        let stages = [
            f.stage("sum", "add", inputs: ["a", "b"], ["key": .string(key)]),
            f.stage("a", "source", ["value": .int(2), "key": .string(key)]),
            f.stage("b", "source", ["value": .int(3), "key": .string(key)]),
        ]
        let report = try await f.run(stages) { $0.jobs = 1 }
        #expect(report.exitCode == 0)
        #expect(report.stages.map(\.stage) == ["a", "b", "sum"])
        #expect(report.stages.allSatisfy { $0.status == .ran })
        #expect(Probe.runs(key) == ["a", "b", "sum"])
        #expect(report.report("sum")?.rowsIn == 2)
        #expect(report.report("sum")?.rowsOut == 3)
        let state = testRunner.store(for: f.pipeline(stages), options: RunOptions()).loadState()
        let fp = try #require(state.stages["sum"]?.current.value)
        let loaded = try testRunner.store(for: f.pipeline(stages), options: RunOptions()).load(fp)
        #expect((loaded.artifact as? Numbers)?.values == [2, 3, 5])
    }

    @Test func secondRunIsFullyCached() async throws {
        let f = Fixture()
        let stages = [f.stage("a", "source"), f.stage("b", "add", inputs: ["a"])]
        _ = try await f.run(stages)
        let second = try await f.run(stages)
        #expect(second.stages.map(\.status) == [.cached, .cached])
        #expect(second.stages.allSatisfy { $0.cacheHit })
        #expect(second.report("b")?.rowsOut == 2)
    }

    @Test func changingAParameterRerunsThatStageAndItsDependentsOnly() async throws {
        let f = Fixture()
        let v1 = [
            f.stage("a", "source"), f.stage("b", "source", ["value": .int(5)]),
            f.stage("c", "add", inputs: ["b"]), f.stage("d", "add", inputs: ["a"]),
        ]
        _ = try await f.run(v1)
        var v2 = v1
        v2[1].params["value"] = .int(6)
        let r = try await f.run(v2)
        #expect(r.status("a") == .cached)
        #expect(r.status("b") == .ran)
        #expect(r.status("c") == .ran)
        #expect(r.status("d") == .cached)
        #expect(r.report("b")?.reason == "parameter 'value' changed")
        #expect(r.report("c")?.reason == "input 'b' changed")
    }

    @Test func editingAReadFileRerunsTheStage() async throws {
        let f = Fixture()
        let path = f.dir + "/data.txt"
        try "x\ny\n".write(toFile: path, atomically: true, encoding: .utf8)
        let stages = [f.stage("a", "source", ["file": .string("data.txt")])]
        _ = try await f.run(stages)
        #expect(try await f.run(stages).status("a") == .cached)
        try "x\ny\nz\n".write(toFile: path, atomically: true, encoding: .utf8)
        let r = try await f.run(stages)
        #expect(r.status("a") == .ran)
        #expect(r.report("a")?.reason == "file 'data.txt' changed")
    }

    @Test func movingTheProjectKeepsEveryStageCached() async throws {
        let f = Fixture()
        try "x\ny\n".write(toFile: f.dir + "/data.txt", atomically: true, encoding: .utf8)
        let stages = [f.stage("a", "source", ["file": .string("data.txt")]), f.stage("b", "add", inputs: ["a"])]
        #expect(try await f.run(stages).stages.map(\.status) == [.ran, .ran])
        let moved = f.dir + "-moved"
        try FileManager.default.moveItem(atPath: f.dir, toPath: moved)
        let pipeline = PipelineSpec(name: "t", file: moved + "/p.yaml", baseDirectory: moved, stages: stages)
        let r = try await testRunner.run(pipeline, options: RunOptions())
        #expect(r.stages.map(\.status) == [.cached, .cached])
        // Editing the moved file still re-runs, and names the file relative to the pipeline.
        try "x\n".write(toFile: moved + "/data.txt", atomically: true, encoding: .utf8)
        let edited = try await testRunner.run(pipeline, options: RunOptions())
        #expect(edited.report("a")?.reason == "file 'data.txt' changed")
    }

    @Test func pointingAPathParameterElsewhereSaysWhichFilesChanged() async throws {
        let f = Fixture()
        try "1\n".write(toFile: f.dir + "/one.txt", atomically: true, encoding: .utf8)
        try "2\n".write(toFile: f.dir + "/two.txt", atomically: true, encoding: .utf8)
        _ = try await f.run([f.stage("a", "source", ["file": .string("one.txt")])])
        let r = try await f.run([f.stage("a", "source", ["file": .string("two.txt")])])
        #expect(
            r.report("a")?.reason
                == "parameter 'file' changed; no longer reads file 'one.txt'; now reads file 'two.txt'")
    }

    @Test func pipelinePathsAreRelativeToThePipelineUnlessWrittenAbsolute() {
        #expect(StageContext.relativePath("/p/q/rules/x.lua", to: "/p/q") == "rules/x.lua")
        #expect(StageContext.relativePath("/p/data/x.csv", to: "/p/q") == "../data/x.csv")
        #expect(StageContext.relativePath("/other/x.csv", to: "/p/q") == "../../other/x.csv")
        #expect(StageContext.relativePath("/p/q", to: "/p/q/") == ".")
        #expect(StageContext.pipelinePath("/p/out/x.csv", written: "../out", base: "/p/q") == "../out/x.csv")
        #expect(StageContext.pipelinePath("/p/out/x.csv", written: "/p/out", base: "/p/q") == "/p/out/x.csv")
    }

    @Test func failedStageSkipsDependentsWhileOtherBranchesFinish() async throws {
        let f = Fixture()
        let stages = [
            f.stage("bad", "boom"), f.stage("after_bad", "add", inputs: ["bad"]),
            f.stage("deeper", "add", inputs: ["after_bad"]),
            f.stage("good", "source"), f.stage("good2", "add", inputs: ["good"]),
        ]
        let r = try await f.run(stages)
        #expect(r.exitCode == 1)
        #expect(r.status("bad") == .failed)
        #expect(r.report("bad")?.error?.contains("planned failure") == true)
        #expect(r.status("after_bad") == .skipped)
        #expect(r.report("after_bad")?.reason == "upstream 'bad' failed")
        #expect(r.report("deeper")?.reason == "upstream 'after_bad' was skipped")
        #expect(r.status("good") == .ran)
        #expect(r.status("good2") == .ran)
        // The good branch is cached on resume; the failed one is tried again.
        let again = try await f.run(stages)
        #expect(again.status("good2") == .cached)
        #expect(again.status("bad") == .failed)
    }

    @Test(arguments: [1, 2, 3])
    func respectsTheJobsLimit(jobs: Int) async throws {
        let f = Fixture()
        let key = UUID().uuidString
        let stages = (0..<6).map {
            f.stage("s\($0)", "source", ["sleep_ms": .int(60), "key": .string(key), "value": .int($0)])
        }
        let r = try await f.run(stages) { $0.jobs = jobs }
        #expect(r.exitCode == 0)
        #expect(Probe.peak(key) == jobs)
    }

    @Test func orderOnlyDependenciesWait() async throws {
        let f = Fixture()
        let key = UUID().uuidString
        let stages = [
            f.stage("late", "source", after: ["early"], ["key": .string(key)]),
            f.stage("early", "source", ["sleep_ms": .int(50), "key": .string(key)]),
        ]
        _ = try await f.run(stages) { $0.jobs = 4 }
        #expect(Probe.runs(key) == ["early", "late"])
    }
}
