import Foundation
import RecpipeCore
import RecpipeTestSupport
import Testing

@testable import RecpipeStages

/// `export` writes a run's files as one set behind a link, escapes spreadsheet formulas in CSV,
/// and cleans what killed runs left; a run whose results cannot be saved fails.
@Suite struct ExportSetTests {
    func pipeline(_ dir: String, escape: Bool? = nil) -> String {
        TestSupport.write(
            "user_id,item_id,event\nu1,i1,view\nu1,=HYPERLINK(\"http://x\"),purchase\n-5,@SUM(A1),cart\n",
            to: "events.csv", in: dir)
        let escapeParam = escape.map { ", csv_escape_formulas: \($0)" } ?? ""
        return TestSupport.write(
            """
            pipeline: sets
            vars: { w: 1 }
            stages:
              events: { uses: ingest, with: { path: events.csv, schema: { user_id: string, item_id: string, event: string } } }
              matrix: { uses: encode, input: events, with: { weights: { view: "${vars.w}", cart: 3, purchase: 5 } } }
              out: { uses: export, inputs: { data: [events, matrix] }, with: { to: out, formats: [csv, jsonl]\(escapeParam) } }
            """, to: "p.yaml", in: dir)
    }

    func read(_ path: String) -> String { (try? String(contentsOfFile: path, encoding: .utf8)) ?? "<missing>" }

    func files(_ dir: String) -> [String: String] {
        Dictionary(
            uniqueKeysWithValues: ["events.csv", "events.jsonl", "matrix.csv", "matrix.jsonl"].map {
                ($0, read(dir + "/out/" + $0))
            })
    }

    @Test func aRunsFilesSwitchTogetherBehindALink() async throws {
        let dir = TestSupport.temporaryDirectory("export-set")
        let p = pipeline(dir)
        let first = await recpipe("run", p)
        #expect(first.code == 0, "\(first.err)")
        let target = try FileManager.default.destinationOfSymbolicLink(atPath: dir + "/out")
        #expect(target.hasPrefix("out.runs/"))
        #expect(read(dir + "/out/matrix.csv").hasPrefix("user_id,item_id,weight\nu1,i1,1.0\n"))
        #expect(await recpipe("run", p).out.contains("sets: 0 ran, 3 cached"))

        let second = await recpipe("run", p, "--set", "vars.w=2", "--production")
        #expect(second.code == 0, "\(second.err)")
        let newTarget = try FileManager.default.destinationOfSymbolicLink(atPath: dir + "/out")
        #expect(newTarget != target)
        #expect(read(dir + "/out/matrix.csv").contains("u1,i1,2.0"))
        // The previous set stays readable for readers that resolved the link before.
        #expect(read(dir + "/" + target + "/matrix.csv").contains("u1,i1,1.0"))
    }

    @Test func anExportDyingMidSetLeavesTheWholeOldSetAndTheNextRunCleansUp() async throws {
        let dir = TestSupport.temporaryDirectory("export-crash")
        let p = pipeline(dir)
        #expect(await recpipe("run", p).code == 0)
        let before = files(dir)
        let out = dir + "/out"
        // The export dies after writing two of its four files.
        ExportStage.failAfterFiles.withLock { $0[out] = 2 }
        let failed = await recpipe("run", p, "--set", "vars.w=2", "--production")
        ExportStage.failAfterFiles.withLock { $0[out] = nil }
        #expect(failed.code == 1)
        #expect(failed.err.contains("error: stage 'out' (export) failed:"), "\(failed.err)")
        #expect(files(dir) == before)
        // What a killed process leaves: its staging directory and a temporary file, under a dead pid.
        let dead = try TestSupport.deadPID()
        let staging = "\(out).runs/.tmp-20260101T000000Z-dead-\(dead)-1"
        try FileManager.default.createDirectory(atPath: staging, withIntermediateDirectories: true)
        #expect(FileManager.default.createFile(atPath: staging + "/events.csv", contents: Data("half".utf8)))
        #expect(FileManager.default.createFile(atPath: "\(out).runs/.tmp-x.csv-\(dead)-2", contents: Data("half".utf8)))
        #expect(files(dir) == before)

        let next = await recpipe("run", p, "--set", "vars.w=2", "--production")
        #expect(next.code == 0, "\(next.err)")
        #expect(read(out + "/matrix.csv").contains("u1,i1,2.0"))
        #expect(next.out.contains("dead_temporaries_removed 2"), "\(next.out)")
        let left = try FileManager.default.contentsOfDirectory(atPath: out + ".runs")
        #expect(!left.contains { $0.hasPrefix(".tmp-") }, "\(left)")
    }

    @Test func csvCellsThatWouldRunAsFormulasAreEscapedByDefault() async throws {
        let dir = TestSupport.temporaryDirectory("export-formulas")
        let r = await recpipe("run", pipeline(dir))
        #expect(r.code == 0, "\(r.err)")
        let csv = read(dir + "/out/events.csv")
        #expect(
            csv
                == "user_id,item_id,event\nu1,i1,view\nu1,\"'=HYPERLINK(\"\"http://x\"\")\",purchase\n-5,'@SUM(A1),cart\n"
        )
        #expect(read(dir + "/out/events.jsonl").contains(#""item_id":"=HYPERLINK(\"http://x\")""#))
        #expect(r.out.contains("formula_cells_escaped 4"), "\(r.out)")  // 2 in events.csv, 2 in matrix.csv

        let rawDir = TestSupport.temporaryDirectory("export-formulas-off")
        let raw = await recpipe("run", pipeline(rawDir, escape: false))
        #expect(raw.code == 0)
        #expect(read(rawDir + "/out/events.csv").contains("\n-5,@SUM(A1),cart\n"))
        #expect(raw.out.contains("formula_cells_escaped 0"))
    }

    @Test func twoExportsIntoOneDirectoryAreAValidationError() async {
        let dir = TestSupport.temporaryDirectory("export-conflict")
        TestSupport.write("user_id,item_id,event\nu1,i1,view\n", to: "events.csv", in: dir)
        let p = TestSupport.write(
            """
            pipeline: conflict
            stages:
              events: { uses: ingest, with: { path: events.csv } }
              a: { uses: export, inputs: { data: [events] }, with: { to: out } }
              b: { uses: export, inputs: { data: [events] }, with: { to: out/ } }
              c: { uses: export, inputs: { data: [events] }, with: { to: out/sub } }
            """, to: "p.yaml", in: dir)
        let r = await recpipe("validate", p)
        #expect(r.code == 2)
        #expect(r.err.contains("\(p):5:62: error: stages 'a' and 'b' both write 'out/'"), "\(r.err)")
        #expect(
            r.err.contains(
                "\(p):6:62: error: stages 'a' and 'c' both write into 'out/sub' (one directory inside the other)"))
    }

    @Test func aKilledRunsHalfWrittenCacheFilesAreRemovedByTheNextRun() async throws {
        let dir = TestSupport.temporaryDirectory("cache-leftovers")
        let p = pipeline(dir)
        #expect(await recpipe("run", p).code == 0)
        let dead = try TestSupport.deadPID()
        let leftover = dir + "/.recpipe/artifacts/.tmp-abc.rcpa-\(dead)-3"
        #expect(FileManager.default.createFile(atPath: leftover, contents: Data(count: 1000)))
        #expect(await recpipe("run", p).code == 0)
        #expect(!FileManager.default.fileExists(atPath: leftover))
    }

    // MARK: - Saving results

    @Test func aManifestThatCannotBeWrittenFailsTheRunAndIsNotPrinted() async throws {
        let dir = TestSupport.temporaryDirectory("manifest-fail")
        let p = pipeline(dir)
        try FileManager.default.createDirectory(atPath: dir + "/.recpipe", withIntermediateDirectories: true)
        #expect(FileManager.default.createFile(atPath: dir + "/.recpipe/runs", contents: nil))
        let r = await recpipe("run", p)
        #expect(r.code == 1)
        #expect(!r.out.contains("manifest:"), "\(r.out)")
        #expect(
            r.err.contains(
                "error: cannot write the run manifest: not a directory (creating directory \(dir)/.recpipe/runs)"),
            "\(r.err)")
    }

    @Test func aResultThatCannotBeCachedFailsItsStage() async throws {
        let dir = TestSupport.temporaryDirectory("cache-fail")
        let p = pipeline(dir)
        try FileManager.default.createDirectory(atPath: dir + "/.recpipe", withIntermediateDirectories: true)
        #expect(FileManager.default.createFile(atPath: dir + "/.recpipe/artifacts", contents: nil))
        let r = await recpipe("run", p)
        #expect(r.code == 1)
        #expect(
            r.err.contains(
                "error: stage 'events' (ingest) failed: cannot save the result to the cache: not a directory (creating directory \(dir)/.recpipe/artifacts)"
            ),
            "\(r.err)")
    }
}
