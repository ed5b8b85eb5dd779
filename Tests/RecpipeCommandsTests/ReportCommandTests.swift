import Foundation
import RecpipeTestSupport
import Testing

/// `recpipe report`: the page of a real demo run (every section filled), the page of a pipeline
/// without profiles or models (said, never an empty chart), and every error a user can hit.
@Suite(.serialized) struct ReportCommandTests {
    /// The repository's demo pipeline and rules, copied beside a small generated shop.
    func demoProject() async throws -> String {
        let dir = TestSupport.temporaryDirectory("report-demo")
        let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().path
        let fm = FileManager.default
        try fm.createDirectory(atPath: dir + "/pipelines", withIntermediateDirectories: true)
        try fm.copyItem(atPath: repo + "/pipelines/demo.yaml", toPath: dir + "/pipelines/demo.yaml")
        try fm.copyItem(atPath: repo + "/pipelines/rules", toPath: dir + "/pipelines/rules")
        try fm.copyItem(atPath: repo + "/pipelines/plugins", toPath: dir + "/pipelines/plugins")
        let data = await recpipe(
            "demo-data", "--out", dir + "/data/demo", "--users", "300", "--items", "80", "--events", "6000")
        #expect(data.code == 0, "\(data.err)")
        return dir + "/pipelines/demo.yaml"
    }

    @Test func demoReportFillsEverySection() async throws {
        let p = try await demoProject()
        let first = await recpipe("run", p)
        #expect(first.code == 0, "\(first.err)")
        // A rule change and a second run: the Rules section shows the before/after.
        let rules = (p as NSString).deletingLastPathComponent + "/rules/promotions.lua"
        let text = try String(contentsOfFile: rules, encoding: .utf8).replacingOccurrences(
            of: "boost = 1.3", with: "boost = 3.0")
        try text.write(toFile: rules, atomically: true, encoding: .utf8)
        let second = await recpipe("run", p)
        #expect(second.code == 0, "\(second.err)")

        let out = (p as NSString).deletingLastPathComponent + "/report.html"
        let r = await recpipe("report", p, "--out", out)
        #expect(r.code == 0, "\(r.err)")
        #expect(r.out.hasPrefix("report: \(out) ("))
        for line in ["  run: 3 charts, 1 table", "  customers: 9 charts, 1 table", "  models: 3 charts, 1 table"] {
            #expect(r.out.contains(line), "\(r.out)")
        }
        #expect(r.out.contains("  rules: 2 charts, 2 tables"), "\(r.out)")
        let html = try String(contentsOfFile: out, encoding: .utf8)
        for part in [
            "<section id=\"run\">", "<section id=\"customers\">", "<section id=\"models\">", "<section id=\"rules\">",
            "<strong>Pipeline</strong>", "<strong>Ingest accounting</strong>", "<strong>Segments — segments</strong>",
            "<strong>Segment profiles — segments</strong>", "<strong>R × F grid — profiles</strong>",
            "<strong>Named RFM segments — profiles</strong>", "<strong>Tags — profiles</strong>",
            "<strong>Tag overlaps — profiles</strong>",
            "<strong>Distribution of monetary (spend) — profiles</strong>", "<strong>Model quality — quality</strong>",
            "<strong>Popularity bias</strong>", "<strong>Catalogue coverage</strong>",
            "<strong>Rule effects — recs</strong>",
            "<strong>Category shares before and after — recs</strong>",
            "<h3>Items entering lists most often — recs</h3>",
            "<td>winter-coats</td><td>promote: boosted in lists</td>",
            "<td>winter-coats</td><td>matched: candidates its condition held for (users, for a pin)</td>",
        ] {
            #expect(html.contains(part), "missing \(part)")
        }
        // Entering items carry their names and categories from the items table (`title`, `category`).
        #expect(html.contains(/<td>SKU-\d+<\/td><td>[^<]*Coat[^<]*<\/td><td>coats<\/td><td class="num">\+\d+<\/td>/))
        // Why each stage ran, in the stage table.
        #expect(html.contains("<td>recs</td><td>rank</td><td>ran</td>"))
        #expect(html.contains("file &#39;rules/promotions.lua&#39; changed; users 294"))
        #expect(!html.contains("chart empty"))
        #expect(!html.contains("<script"))
        #expect(html.utf8.count < 2_000_000)

        // The default place is the run's own directory; --run names an older run.
        let latest = await recpipe("report", p)
        #expect(latest.code == 0)
        #expect(latest.out.contains("/.recpipe/runs/") && latest.out.contains("/report.html ("))
        let runs = try FileManager.default.contentsOfDirectory(
            atPath: (p as NSString).deletingLastPathComponent + "/.recpipe/runs"
        )
        .filter { $0 != "latest" }.sorted()
        let older = await recpipe("report", p, "--run", runs[0], "--out", out)
        #expect(older.code == 0, "\(older.err)")
        // The first run's rank result is no longer the latest: its diff is not known, and it says so.
        let olderHTML = try String(contentsOfFile: out, encoding: .utf8)
        #expect(
            olderHTML.contains("this run&#39;s result is no longer the latest")
                || olderHTML.contains("this run's result is no longer the latest"))
    }

    @Test func aPipelineWithoutProfilesOrModelsSaysSo() async throws {
        let dir = TestSupport.temporaryDirectory("report-small")
        TestSupport.write(
            "user_id,item_id,event\nU1,A,view\nU1,B,view\nU2,A,view\nU2,C,view\nU3,A,view\nU3,x,y,z\n",
            to: "events.csv", in: dir)
        let p = TestSupport.write(
            """
            pipeline: report-small
            stages:
              events: { uses: ingest, with: { path: events.csv } }
              matrix: { uses: encode, inputs: { events: events }, with: { weights: { view: 1 } } }
              pop: { uses: popular, input: matrix, with: { candidates: 2 } }
            """, to: "p.yaml", in: dir)
        let none = await recpipe("report", p)
        #expect(none.code == 1)
        #expect(none.err.contains("pipeline 'report-small' has no run yet; run it first:\n  recpipe run \(p)"))

        let run = await recpipe("run", p)
        #expect(run.code == 0, "\(run.err)")
        let out = dir + "/r.html"
        let r = await recpipe("report", p, "--out", out)
        #expect(r.code == 0, "\(r.err)")
        #expect(
            r.out.contains("  customers: 0 charts, 0 tables — this pipeline has no customer profiles: add"), "\(r.out)")
        #expect(r.out.contains("  rules: 0 charts, 0 tables — no rank stage in this pipeline"), "\(r.out)")
        #expect(r.out.contains("  models: 2 charts, 0 tables"), "\(r.out)")
        let html = try String(contentsOfFile: out, encoding: .utf8)
        #expect(!html.contains("chart empty"))
        // The bad row's reason, counted.
        #expect(html.contains("<h3>Top reject reasons — events</h3>"))
        #expect(html.contains("1 rejected rows, 1 distinct reasons"))

        // A run with --set is an experiment: its report says so, with the override.
        let trial = await recpipe("run", p, "--set", "pop.candidates=1")
        #expect(trial.code == 0, "\(trial.err)")
        // Two runs in one second are ordered by their random id suffix: name the run.
        let id = try #require(trial.out.firstMatch(of: /runs\/([^\/]+)\/manifest\.json/)).1
        #expect(await recpipe("report", p, "--run", String(id), "--out", out).code == 0)
        let trialHTML = try String(contentsOfFile: out, encoding: .utf8)
        #expect(trialHTML.contains("<title>report-small — run report (experiment "))
        #expect(trialHTML.contains("<dd>pop.candidates=1</dd>"))
    }

    @Test func aFailedRunIsReportedWithWhatFailed() async throws {
        let dir = TestSupport.temporaryDirectory("report-failed")
        TestSupport.write("user_id,item_id,event\nU1,A,view\nU2,A,view\nU2,B,view\n", to: "events.csv", in: dir)
        TestSupport.write(
            "filter(\"boom\", function(u, item) error(\"boom at \" .. item.item_id) end)\n", to: "f.lua", in: dir)
        let p = TestSupport.write(
            """
            pipeline: report-failed
            stages:
              events: { uses: ingest, with: { path: events.csv } }
              matrix: { uses: encode, inputs: { events: events }, with: { weights: { view: 1 } } }
              pop: { uses: popular, input: matrix }
              recs: { uses: rank, inputs: { candidates: [pop] }, with: { filters: f.lua, on_error: fail } }
            """, to: "p.yaml", in: dir)
        #expect(await recpipe("run", p).code == 1)
        let out = dir + "/r.html"
        let r = await recpipe("report", p, "--out", out)
        #expect(r.code == 0, "\(r.err)")
        #expect(r.out.contains("  rules: 0 charts, 0 tables — no rules to show: 'recs' failed in this run"), "\(r.out)")
        #expect(r.out.contains("    warning: recs failed: "))
        let html = try String(contentsOfFile: out, encoding: .utf8)
        #expect(html.contains("class=\"mark node status-failed\""))
        #expect(html.contains("run report-failed") || html.contains("· a stage failed"))
    }

    @Test func wrongRunsAreUsageErrors() async throws {
        let dir = TestSupport.temporaryDirectory("report-errors")
        TestSupport.write("user_id,item_id,event\nU1,A,view\nU2,A,view\n", to: "events.csv", in: dir)
        let a = TestSupport.write(
            "pipeline: a\nstages:\n  events: { uses: ingest, with: { path: events.csv } }\n", to: "a.yaml", in: dir)
        let b = TestSupport.write(
            "pipeline: b\nstages:\n  events: { uses: ingest, with: { path: events.csv } }\n", to: "b.yaml", in: dir)
        #expect(await recpipe("run", a).code == 0)
        let runs = try FileManager.default.contentsOfDirectory(atPath: dir + "/.recpipe/runs").filter { $0 != "latest" }
        let unknown = await recpipe("report", a, "--run", "20990101T000000Z-0000")
        #expect(unknown.code == 2)
        #expect(unknown.err.contains("error: no run '20990101T000000Z-0000' in "))
        #expect(unknown.err.contains("latest runs: \(runs[0])"))
        // b shares the cache directory but has not run: a's run is not b's.
        let other = await recpipe("report", b, "--run", runs[0])
        #expect(other.code == 2)
        #expect(other.err.contains("is a run of pipeline 'a', not 'b'"))
        let noRun = await recpipe("report", b)
        #expect(noRun.code == 1)
        let unwritable = await recpipe("report", a, "--out", dir + "/events.csv/r.html")
        #expect(unwritable.code == 1)
        #expect(unwritable.err.contains("cannot write"))
    }
}

/// The `report` stage: a nightly run writes its page itself.
@Suite struct ReportStageTests {
    func project() -> String {
        let dir = TestSupport.temporaryDirectory("report-stage")
        TestSupport.write(
            "user_id,item_id,event\nU1,A,view\nU1,B,view\nU2,A,view\nU2,C,view\nU3,A,view\nU3,D,view\n",
            to: "events.csv", in: dir)
        TestSupport.write(
            "item_id,title,category,stock\nA,Apple,fruit,1\nB,Bread,bakery,1\nC,Cake,bakery,1\nD,Date,fruit,1\n",
            to: "items.csv", in: dir)
        TestSupport.write(
            "promote{ name = \"fruit\", boost = 1.5, when = function(u, item) return item.category == \"fruit\" end }\n",
            to: "promotions.lua", in: dir)
        return TestSupport.write(
            """
            pipeline: report-stage
            as_of: "2026-11-01"
            stages:
              events: { uses: ingest, with: { path: events.csv } }
              items: { uses: ingest, with: { path: items.csv } }
              matrix: { uses: encode, inputs: { events: events }, with: { weights: { view: 1 } } }
              pop: { uses: popular, input: matrix, with: { candidates: 4 } }
              recs:
                uses: rank
                inputs: { candidates: [pop], items: items, seen: matrix }
                with: { top: 2, promotions: promotions.lua }
              page: { uses: report, inputs: { of: [recs] }, with: { to: out/report.html } }
              late: { uses: popular, input: matrix }
            """, to: "p.yaml", in: dir)
    }

    @Test func aRunWritesItsReportAndTheNextRunItsDiff() async throws {
        let p = project()
        let dir = (p as NSString).deletingLastPathComponent
        let first = await recpipe("run", p, "--jobs", "1")
        #expect(first.code == 0, "\(first.err)")
        let html = try String(contentsOfFile: dir + "/out/report.html", encoding: .utf8)
        #expect(html.contains("<strong>Rule effects — recs</strong>"))
        #expect(html.contains("<td>fruit</td><td>promote: boosted in lists</td>"))
        #expect(html.contains("no previous result to compare with"))
        #expect(first.out.contains("wrote out/report.html"))

        // A rule change: the stage runs again during the run and compares with the result the
        // state still names as current (the one before this run's).
        try "promote{ name = \"fruit\", boost = 0.2, when = function(u, item) return item.category == \"fruit\" end }\n"
            .write(toFile: dir + "/promotions.lua", atomically: true, encoding: .utf8)
        let second = await recpipe("run", p, "--jobs", "1")
        #expect(second.code == 0, "\(second.err)")
        let after = try String(contentsOfFile: dir + "/out/report.html", encoding: .utf8)
        #expect(
            after.contains(
                "recs against its previous result: 2 of 3 users&#39; lists changed (66.7%), 2 of them only reordered"))
        #expect(after.contains("<strong>Category shares before and after — recs</strong>"))
        #expect(after.contains("written by stage &#39;page&#39; during the run") || after.contains("had not finished"))
        // Unchanged inputs: the page stays, cached; a deleted page is written again.
        let third = await recpipe("run", p)
        #expect(third.code == 0)
        #expect(third.out.contains("0 ran"))
        try FileManager.default.removeItem(atPath: dir + "/out/report.html")
        let fourth = await recpipe("run", p)
        #expect(fourth.code == 0, "\(fourth.err)")
        #expect(FileManager.default.fileExists(atPath: dir + "/out/report.html"))
    }
}
