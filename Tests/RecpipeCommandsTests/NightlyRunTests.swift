import Foundation
import RecpipeEngine
import RecpipeSpec
import RecpipeTestSupport
import Testing

/// Runs from cron and CI (issue 13, problems 2 and 8): `--strict`, `--json`, `--quiet`, the
/// manifest's record of the run and one as-of date for every stage.
@Suite struct NightlyRunTests {
    /// The rank pipeline of ``RankCommandTests`` with an export, and optionally its own
    /// promotions and `as_of` line.
    func makePipeline(promotions: String? = nil, asOf: String? = "as_of: \"2026-11-01\"") -> String {
        let p = RankCommandTests().makePipeline()
        let dir = (p as NSString).deletingLastPathComponent
        if let promotions { TestSupport.write(promotions, to: "promotions.lua", in: dir) }
        var yaml = try! String(contentsOfFile: p, encoding: .utf8)
        yaml = yaml.replacingOccurrences(of: "as_of: \"2026-11-01\"", with: asOf ?? "")
        yaml += "\n  out: { uses: export, inputs: { data: [recs] }, with: { to: out } }\n"
        return TestSupport.write(yaml, to: "p.yaml", in: dir)
    }

    func manifest(_ out: String) throws -> [String: Any] {
        let line = try #require(out.split(separator: "\n").first { $0.hasPrefix("manifest: ") })
        let data = try #require(FileManager.default.contents(atPath: String(line.dropFirst("manifest: ".count))))
        return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    @Test func strictFailsARunWhoseRuleMatchedNothingAndSkipsTheExport() async throws {
        let p = makePipeline(
            promotions:
                "promote{ name = \"xmas\", boost = 2, when = function(u, item) return item.category == \"Toys\" end }\n"
        )
        let lenient = await recpipe("run", p)
        #expect(lenient.code == 0, "\(lenient.err)")
        #expect(
            lenient.err.contains("warning: recs: promote 'xmas' (promotions.lua:1) matched no candidate"),
            "\(lenient.err)")
        #expect(
            lenient.out.contains("rule promote 'xmas' (promotions.lua:1) ×2: matched 0 candidates for 0 users"),
            "\(lenient.out)")

        let strict = await recpipe("run", p, "--strict", "--force")
        #expect(strict.code == 1)
        #expect(
            strict.err.contains("stage 'recs' (rank) failed: --strict: 1 warning(s), the first: promote 'xmas'"),
            "\(strict.err)")
        #expect(strict.out.contains("upstream 'recs' failed"), "\(strict.out)")
    }

    @Test func manifestRecordsTheRunInISOTimesWithFilesAndSettings() async throws {
        let p = makePipeline()
        let r = await recpipe("run", p, "--set", "recs.top=1")
        #expect(r.code == 0, "\(r.err)")
        let m = try manifest(r.out)
        let started = try #require(m["started_at"] as? String)
        #expect(started.count == 20 && started.hasSuffix("Z") && started.dropFirst(10).hasPrefix("T"), "\(started)")
        #expect(m["as_of"] as? String == "2026-11-01")
        #expect(m["as_of_source"] as? String == "pipeline")
        #expect(m["seed"] as? Int == 42)
        #expect((m["recpipe_version"] as? String)?.isEmpty == false)
        #expect(m["overrides"] as? [String] == ["recs.top=1"])
        let resolved = try #require(m["pipeline_resolved"] as? [String: Any])
        let stages = try #require(resolved["stages"] as? [[String: Any]])
        let recs = try #require(stages.first { $0["name"] as? String == "recs" })
        #expect((recs["params"] as? [String: Any])?["top"] as? Int == 1)
        let files = try #require(m["files_written"] as? [[String: Any]])
        // A run with --set is an experiment: its export lands beside production's.
        #expect(m["experiment"] as? String == "recs.top=1")
        let csv = try #require(
            files.first { $0["path"] as? String == "experiments/recs.top=1/out/recs.csv" }, "\(files)")
        let dir = (p as NSString).deletingLastPathComponent
        let size =
            try FileManager.default.attributesOfItem(atPath: dir + "/experiments/recs.top=1/out/recs.csv")[.size]
            as? Int
        #expect(csv["bytes"] as? Int == size)
        #expect((csv["xxh64"] as? String)?.count == 16)
    }

    @Test func jsonPrintsOneDocumentAndQuietOnlyWarnings() async throws {
        let p = makePipeline()
        let json = await recpipe("run", p, "--json")
        #expect(json.code == 0, "\(json.err)")
        let doc = try #require(try JSONSerialization.jsonObject(with: Data(json.out.utf8)) as? [String: Any])
        #expect((doc["stages"] as? [[String: Any]])?.count == 6)
        #expect(doc["exit_code"] as? Int == 0)

        let quiet = await recpipe("run", p, "--quiet")
        #expect(quiet.code == 0)
        #expect(quiet.out.isEmpty, "\(quiet.out)")
        #expect(quiet.err.isEmpty, "\(quiet.err)")
    }

    @Test func oneAsOfForEveryStageTodayWhenUnsetOrAskedFor() async throws {
        let today = PipelineSpec.today()
        for (line, source) in [(nil as String?, "today (as_of not set)"), ("as_of: today", "today (as_of: today)")] {
            let p = makePipeline(
                promotions:
                    "promote{ name = \"now\", boost = 2, from = \"\(today)\", to = \"\(today)\", when = function(u, item) return true end }\n",
                asOf: line ?? "")
            let r = await recpipe("run", p)
            #expect(r.code == 0, "\(r.err)")
            let m = try manifest(r.out)
            #expect(m["as_of"] as? String == today)
            #expect(m["as_of_source"] as? String == source)
            #expect(!r.err.contains("is inactive"), "\(r.err)")
            #expect(r.out.contains("as of \(today)"), "\(r.out)")
        }
    }

    // MARK: - Problem 9: --only leaving exports stale

    @Test func onlyThatLeavesAnExportBehindSaysItIsStale() async throws {
        let p = makePipeline()
        #expect(await recpipe("run", p).code == 0)
        // Unchanged: nothing downstream is stale.
        let same = await recpipe("run", p, "--only", "recs")
        #expect(!same.err.contains("not run (left out"), "\(same.err)")

        let dir = (p as NSString).deletingLastPathComponent
        TestSupport.write(
            "promote{ name = \"toys\", boost = 0.1, when = function(u, item) return item.category == \"toys\" end }\n",
            to: "promotions.lua", in: dir)
        let r = await recpipe("run", p, "--only", "recs")
        #expect(r.code == 0, "\(r.err)")
        #expect(
            r.err.contains(
                "warning: out: not run (left out by --only/--to): its files (out) still hold results from before 'recs' ran in this run; bring it up to date with `--from recs`"
            ),
            "\(r.err)")
    }

    @Test func toOnAFreshCacheCallsNothingStaleThatHasNoResult() async throws {
        let p = makePipeline()
        // A first run (or a new --cache-dir) has no result for the stages left out: nothing is stale.
        let fresh = await recpipe("run", p, "--to", "matrix")
        #expect(fresh.code == 0, "\(fresh.err)")
        #expect(!fresh.err.contains("not run (left out"), "\(fresh.err)")
        let other = (p as NSString).deletingLastPathComponent + "/other-cache"
        let elsewhere = await recpipe("run", p, "--to", "matrix", "--cache-dir", other)
        #expect(!elsewhere.err.contains("not run (left out"), "\(elsewhere.err)")

        // Once they have results, new upstream results make them stale, and that is said.
        #expect(await recpipe("run", p).code == 0)
        let dir = (p as NSString).deletingLastPathComponent
        let events = try String(contentsOfFile: dir + "/events.csv", encoding: .utf8)
        let lines = events.split(separator: "\n")
        TestSupport.write(lines.dropLast().joined(separator: "\n") + "\n", to: "events.csv", in: dir)
        let r = await recpipe("run", p, "--to", "matrix")
        #expect(r.code == 0, "\(r.err)")
        #expect(
            r.err.contains(
                "warning: pop: not run (left out by --only/--to): its cached result is older than 'events', 'matrix', which ran in this run; bring it up to date with `--from events`"
            ),
            "\(r.err)")
        #expect(r.err.contains("warning: out: not run (left out by --only/--to): its files (out)"), "\(r.err)")

        // Forced to the result it had (same fingerprint), matrix makes nothing stale.
        #expect(await recpipe("run", p).code == 0)
        let forced = await recpipe("run", p, "--force", "--only", "matrix")
        #expect(forced.code == 0, "\(forced.err)")
        #expect(forced.out.contains("1 ran"), "\(forced.out)")
        #expect(!forced.err.contains("not run (left out"), "\(forced.err)")
    }
}
