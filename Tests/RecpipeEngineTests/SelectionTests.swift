import Foundation
import RecpipeCore
import RecpipeEngine
import RecpipeSpec
import Testing

@Suite struct SelectionTests {
    func chain(_ f: Fixture) -> [StageSpec] {
        [
            f.stage("a", "source"), f.stage("b", "add", inputs: ["a"]), f.stage("c", "add", inputs: ["b"]),
            f.stage("x", "source"),
        ]
    }

    @Test func onlyRunsTheNamedStageFromCachedInputs() async throws {
        let f = Fixture()
        _ = try await f.run(chain(f))
        var changed = chain(f)
        changed[2].params["plus"] = .int(10)
        let r = try await f.run(changed) { $0.only = ["c"] }
        #expect(r.status("c") == .ran)
        #expect(r.status("b") == .cached)
        #expect(r.status("x") == .notSelected)
    }

    @Test func onlyFailsClearlyWhenAnUpstreamResultIsMissing() async throws {
        let f = Fixture()
        let r = try await f.run(chain(f)) { $0.only = ["c"] }
        #expect(r.exitCode == 1)
        #expect(r.status("a") == .failed)
        #expect(r.report("a")?.error?.contains("add `--only a` or run without --only") == true)
        #expect(r.status("c") == .skipped)
    }

    @Test func fromRerunsTheStageAndEverythingDownstream() async throws {
        let f = Fixture()
        _ = try await f.run(chain(f))
        let r = try await f.run(chain(f)) { $0.from = ["b"] }
        #expect(r.status("a") == .cached)
        #expect(r.status("b") == .ran)
        #expect(r.status("c") == .ran)
        #expect(r.status("x") == .notSelected)
    }

    @Test func toRunsOnlyTheStageAndItsUpstream() async throws {
        let f = Fixture()
        let r = try await f.run(chain(f)) { $0.to = ["b"] }
        #expect(r.status("a") == .ran)
        #expect(r.status("b") == .ran)
        #expect(r.status("c") == .notSelected)
        #expect(r.status("x") == .notSelected)
    }

    @Test func unknownStageNamesAreDiagnosedWithAHint() async throws {
        let f = Fixture()
        do {
            _ = try await f.run(chain(f)) {
                $0.only = ["cc"]; $0.from = ["zzz"]
            }
            Issue.record("expected a diagnostics error")
        } catch let error as DiagnosticsError {
            #expect(error.diagnostics.count == 2)
            #expect(error.diagnostics[0].message == "--only names stage 'cc', which is not in pipeline 't'")
            #expect(error.diagnostics[0].hint == "did you mean 'c'?")
            #expect(error.diagnostics[1].hint == "stages: a, b, c, x")
        } catch {
            Issue.record("unexpected error \(error)")
        }
    }

    @Test func dryRunWritesNothingAndSaysWhy() async throws {
        let f = Fixture()
        let r = try await f.run(chain(f)) { $0.dryRun = true }
        #expect(r.stages.allSatisfy { $0.status == .wouldRun })
        #expect(r.report("a")?.reason == "no cached result")
        #expect(!FileManager.default.fileExists(atPath: f.dir + "/.recpipe"))
        _ = try await f.run(chain(f))
        var changed = chain(f)
        changed[1].params["plus"] = .int(1)
        let dry = try await f.run(changed) { $0.dryRun = true }
        #expect(dry.status("a") == .cached)
        #expect(dry.status("b") == .wouldRun)
        #expect(dry.report("b")?.reason == "parameter 'plus' changed")
        #expect(dry.status("c") == .wouldRun)
    }

    @Test func graphOrderIsStableAndTopological() {
        let f = Fixture()
        let spec = f.pipeline([
            f.stage("c", "add", inputs: ["b"]), f.stage("a", "source"),
            f.stage("b", "add", inputs: ["a"]), f.stage("z", "source"),
        ])
        let g = PipelineGraph(spec)
        #expect(g.order == ["a", "b", "c", "z"])
        #expect(g.downstream(of: ["a"]) == ["a", "b", "c"])
        #expect(g.upstream(of: ["c"]) == ["a", "b", "c"])
    }
}
