import Foundation
import RecpipeEngine
import RecpipeTestSupport
import Testing

@Suite struct ValidateCommandTests {
    @Test func validPipelinePrintsOkAndExitsZero() async {
        let dir = TestSupport.temporaryDirectory("cli")
        let p = TestSupport.write(
            """
            pipeline: ok
            stages:
              events: { uses: ingest, with: { path: events.csv } }
              clean: { uses: clean, input: events, with: { drop_nulls: [user_id] } }
            """, to: "p.yaml", in: dir)
        let r = await recpipe("validate", p)
        #expect(r.code == 0)
        #expect(r.out.contains("ok — pipeline 'ok', 2 stages"))
    }

    @Test func fiveMistakesGiveFiveLocatedDiagnosticsAndExitTwo() async {
        let dir = TestSupport.temporaryDirectory("cli")
        let p = TestSupport.write(
            """
            pipeline: broken
            stages:
              events: { uses: ingset, with: { path: events.csv } }
              clean: { uses: clean, input: evnts }
              matrix: { uses: encode, input: clean, with: { target: interactions, wieghts: { view: 1 } } }
              more: { uses: encode, input: clean, with: { binarize: maybe } }
              out: { uses: export, inputs: { data: [matrix] } }
            """, to: "p.yaml", in: dir)
        let r = await recpipe("validate", p)
        #expect(r.code == 2)
        let located = r.err.split(separator: "\n").filter { $0.hasPrefix(p + ":") && $0.contains(": error: ") }
        #expect(located.count == 5, "\(r.err)")
        #expect(r.err.contains("\(p):3:19: error: unknown stage kind 'ingset'"))
        #expect(r.err.contains("did you mean 'ingest'?"))
        #expect(r.err.contains("did you mean 'events'?"))
        #expect(r.err.contains("did you mean 'weights'?"))
        #expect(r.err.contains("missing"))
        #expect(r.err.contains("5 errors; nothing was run"))
    }

    @Test(arguments: [
        ("not: [valid", "yaml"),
        ("", "empty"),
        ("- a\n- b\n", "mapping"),
    ])
    func badFilesAreLocatedErrorsNotCrashes(text: String, expected: String) async {
        let dir = TestSupport.temporaryDirectory("cli")
        let p = TestSupport.write(text, to: "p.yaml", in: dir)
        let r = await recpipe("validate", p)
        #expect(r.code == 2)
        #expect(r.err.contains(p + ":"), "\(r.err)")
        #expect(r.err.lowercased().contains(expected), "\(r.err)")
    }

    @Test func selfInputAndUnknownSetKeyAreReported() async {
        let dir = TestSupport.temporaryDirectory("cli")
        let p = TestSupport.write(
            """
            pipeline: loop
            vars: { n: 1 }
            stages:
              a: { uses: clean, input: a }
            """, to: "p.yaml", in: dir)
        let r = await recpipe("validate", p, "--set", "vars.m=2")
        #expect(r.code == 2)
        #expect(r.err.contains("a"))
        #expect(r.err.contains("<--set>:1:"))
        #expect(r.err.contains("did you mean 'n'?") || r.err.contains("vars.m"))
    }

    @Test func missingFileIsAClearError() async {
        let r = await recpipe("validate", "/nonexistent/pipeline.yaml")
        #expect(r.code == 2)
        #expect(r.err.contains("/nonexistent/pipeline.yaml"))
    }
}

@Suite struct RunCommandTests {
    func pipeline(_ dir: String) -> String {
        TestSupport.write("user_id,item_id,event\nu1,i1,view\nu1,i2,purchase\nu2,i1,cart\n", to: "events.csv", in: dir)
        return TestSupport.write(
            """
            pipeline: small
            vars: { w: 1 }
            stages:
              events: { uses: ingest, with: { path: events.csv } }
              matrix: { uses: encode, input: events, with: { weights: { view: "${vars.w}", cart: 3, purchase: 5 } } }
              out: { uses: export, inputs: { data: [matrix] }, with: { to: out } }
            """, to: "p.yaml", in: dir)
    }

    @Test func runsThenCachesThenRerunsOnlyWhatChanged() async throws {
        let dir = TestSupport.temporaryDirectory("cli")
        let p = pipeline(dir)
        let first = await recpipe("run", p, "--jobs", "2")
        #expect(first.code == 0, "\(first.err)")
        #expect(first.out.contains("small: 3 ran, 0 cached"))
        let csv = try String(contentsOfFile: dir + "/out/matrix.csv", encoding: .utf8)
        #expect(csv == "user_id,item_id,weight\nu1,i1,1.0\nu1,i2,5.0\nu2,i1,3.0\n")

        let second = await recpipe("run", p)
        #expect(second.out.contains("small: 0 ran, 3 cached"), "\(second.out)")

        let third = await recpipe("run", p, "--set", "vars.w=2", "--production")
        #expect(third.out.contains("small: 2 ran, 1 cached"), "\(third.out)")
        #expect(third.out.contains("parameter 'weights' changed"))
        #expect(try String(contentsOfFile: dir + "/out/matrix.csv", encoding: .utf8).contains("u1,i1,2.0"))
    }

    @Test func deletedExportIsRewrittenOnTheNextRun() async throws {
        let dir = TestSupport.temporaryDirectory("cli")
        let p = pipeline(dir)
        _ = await recpipe("run", p)
        try FileManager.default.removeItem(atPath: dir + "/out/matrix.csv")
        let r = await recpipe("run", p)
        #expect(r.out.contains("small: 1 ran, 2 cached"), "\(r.out)")
        #expect(FileManager.default.fileExists(atPath: dir + "/out/matrix.csv"))
    }

    @Test func movedProjectReusesItsCacheAndWritesItsOwnExports() async throws {
        let dir = TestSupport.temporaryDirectory("cli")
        _ = pipeline(dir)
        #expect(await recpipe("run", dir + "/p.yaml").code == 0)
        // A copy of the project (pipeline, data and .recpipe cache, without out/) elsewhere.
        let copy = TestSupport.temporaryDirectory("cli-copy")
        for name in ["p.yaml", "events.csv", ".recpipe"] {
            try FileManager.default.copyItem(atPath: dir + "/" + name, toPath: copy + "/" + name)
        }
        let r = await recpipe("run", copy + "/p.yaml")
        #expect(r.out.contains("small: 1 ran, 2 cached"), "\(r.out)")
        #expect(r.out.contains("output files changed or missing"))
        #expect(FileManager.default.fileExists(atPath: copy + "/out/matrix.csv"))
        #expect(await recpipe("run", copy + "/p.yaml").out.contains("small: 0 ran, 3 cached"))
    }

    @Test func runWhileAnotherHoldsTheCacheExitsBusyButDryRunWorks() async throws {
        let dir = TestSupport.temporaryDirectory("cli")
        let p = pipeline(dir)
        var held: RunLock? = try RunLock.acquire(cacheDirectory: dir + "/.recpipe", pipeline: "small", wait: false)
        let r = await recpipe("run", p)
        // Busy is a temporary failure with its own code (EX_TEMPFAIL), not a failed stage's 1.
        #expect(r.code == 75)
        #expect(r.err.contains("error: another run is using the cache"), "\(r.err)")
        #expect(r.err.contains("pass --wait"))
        #expect(await recpipe("run", p, "--dry-run").code == 0)
        #expect(held != nil)
        held = nil  // the other run finishes
        #expect(await recpipe("run", p).code == 0)
    }

    @Test func failedStageExitsOneNamesItAndSaysHowToResume() async {
        let dir = TestSupport.temporaryDirectory("cli")
        let p = TestSupport.write(
            """
            pipeline: fails
            stages:
              events: { uses: ingest, with: { path: missing.csv } }
              other: { uses: ingest, with: { path: ok.csv } }
              clean: { uses: clean, input: events }
            """, to: "p.yaml", in: dir)
        TestSupport.write("a,b\n1,2\n", to: "ok.csv", in: dir)
        let r = await recpipe("run", p)
        #expect(r.code == 1)
        #expect(r.err.contains("stage 'events' (ingest) failed"))
        #expect(r.err.contains("missing.csv"))
        #expect(r.err.contains("resume with:\n  recpipe run \(p)"))
        #expect(r.out.contains("other   ingest  ran"))
        #expect(r.out.contains("upstream 'events' failed"))
    }

    /// A runtime failure prints like a validation error: location, code, the YAML line and a
    /// caret under the value, the hint; `--json` keeps the code and location.
    @Test func aRuntimeFailureIsALocatedDiagnosticWithItsCode() async throws {
        let dir = TestSupport.temporaryDirectory("cli")
        let line = "  events: { uses: ingest, with: { path: missing.csv } }"
        let p = TestSupport.write("pipeline: fails\nstages:\n\(line)\n", to: "p.yaml", in: dir)
        let column = line.distance(from: line.startIndex, to: line.range(of: "missing.csv")!.lowerBound) + 1
        let r = await recpipe("run", p)
        #expect(r.code == 1)
        #expect(r.err.contains("\(p):3:\(column): error: stage 'events' (ingest) failed: "), "\(r.err)")
        #expect(
            r.err.contains("[missing-file]\n    \(line)\n    " + String(repeating: " ", count: column - 1) + "^"),
            "\(r.err)")
        let json = await recpipe("run", p, "--json")
        #expect(json.code == 1)
        #expect(json.out.contains("\"error_code\" : \"missing-file\""), "\(json.out)")
        #expect(json.out.contains("\"error_location\" : \"\(p):3:\(column)\""), "\(json.out)")
    }

    /// A Lua rule that fails at run time is `lua-runtime`, located at the rules file's line.
    @Test func aLuaRuleFailureIsLuaRuntimeAtItsLine() async throws {
        let dir = TestSupport.temporaryDirectory("cli")
        TestSupport.write("user_id,monetary\nU1,900\nU2,20\n", to: "f.csv", in: dir)
        TestSupport.write(
            "tag(\"vip\", function(u) return u.monetary >= 500 end)\ntag(\"broken\", function(u)\n  return u.monetary > nil\nend)\n",
            to: "tags.lua", in: dir)
        let p = TestSupport.write(
            """
            pipeline: lua-fails
            stages:
              features: { uses: ingest, with: { path: f.csv } }
              profiles: { uses: tag, input: features, with: { script: tags.lua } }
            """, to: "p.yaml", in: dir)
        let json = await recpipe("run", p, "--json")
        #expect(json.code == 1)
        #expect(json.out.contains("\"error_code\" : \"lua-runtime\""), "\(json.out)")
        #expect(json.out.contains("\"error_location\" : \"tags.lua:3:1\""), "\(json.out)")
        let r = await recpipe("run", p)
        #expect(r.err.contains("tags.lua:3:1: error: stage 'profiles' (tag) failed: "), "\(r.err)")
        #expect(r.err.contains("[lua-runtime]"), "\(r.err)")
    }

    @Test func unknownOnlyStageIsUsageErrorTwo() async {
        let dir = TestSupport.temporaryDirectory("cli")
        let r = await recpipe("run", pipeline(dir), "--only", "matrx")
        #expect(r.code == 2)
        #expect(r.err.contains("--only names stage 'matrx'"))
        #expect(r.err.contains("did you mean 'matrix'?"))
    }

    @Test func dryRunShowsThePlanAndRunsNothing() async {
        let dir = TestSupport.temporaryDirectory("cli")
        let r = await recpipe("run", pipeline(dir), "--dry-run")
        #expect(r.code == 0)
        #expect(r.out.contains("would_run"))
        #expect(!FileManager.default.fileExists(atPath: dir + "/out"))
    }

    @Test func badUsageExitsTwo() async {
        #expect(await recpipe("run").code == 2)
        #expect(await recpipe("run", "x.yaml", "--jobs", "0").code == 2)
        let threads = await recpipe("run", "x.yaml", "--threads", "0")
        #expect(threads.code == 2)
        #expect(threads.err.contains("--threads must be at least 1 (got 0)"), "\(threads.err)")
        #expect(await recpipe("frobnicate").code == 2)
        let help = await recpipe("--help")
        #expect(help.code == 0)
        #expect(help.out.contains("Exit codes: 0 success, 1 a stage failed, 2 invalid pipeline or usage."))
    }
}

@Suite struct GraphAndStagesCommandTests {
    @Test func graphPrintsMermaidAndDot() async {
        let dir = TestSupport.temporaryDirectory("cli")
        let p = TestSupport.write(
            """
            pipeline: g
            stages:
              events: { uses: ingest, with: { path: e.csv } }
              clean: { uses: clean, input: events }
              out: { uses: export, inputs: { data: [clean, events] }, with: { to: out }, after: [clean] }
            """, to: "p.yaml", in: dir)
        let m = await recpipe("graph", p)
        #expect(m.code == 0)
        #expect(m.out.contains("flowchart LR"))
        #expect(m.out.contains("s_events -->|table| s_clean"))
        #expect(m.out.contains("s_clean -.->|after| s_out"))
        let d = await recpipe("graph", p, "--format", "dot")
        #expect(d.out.contains("\"events\" -> \"clean\" [label=\"table\"];"))
        #expect(d.out.hasPrefix("digraph \"g\" {"))
    }

    @Test func stagesListsKindsAndDescribesOne() async {
        let all = await recpipe("stages")
        #expect(all.code == 0)
        for kind in ["ingest", "clean", "encode", "export"] { #expect(all.out.contains(kind)) }
        let one = await recpipe("stages", "ingest")
        #expect(one.out.contains("path"))
        #expect(one.out.contains("on_bad_row"))
        #expect(one.out.contains("default quarantine"))
        let bad = await recpipe("stages", "ingset")
        #expect(bad.code == 2)
        #expect(bad.err.contains("did you mean 'ingest'?"))
    }
}
