import Foundation
import RecpipeTestSupport
import Testing

/// A trustworthy diff (issue 13, problem 5): a `--set` trial is an experiment that writes beside
/// production and never becomes the baseline; `--diff` names its baseline run and the settings
/// that differ, and takes `--against RUN_ID`; `recpipe runs` lists the runs.
@Suite struct TrustworthyDiffTests {
    func runID(_ out: String) throws -> String {
        let line = try #require(out.split(separator: "\n").first { $0.hasPrefix("manifest: ") })
        return ((String(line) as NSString).deletingLastPathComponent as NSString).lastPathComponent
    }

    @Test func aSetTrialNeitherOverwritesProductionNorBecomesTheBaseline() async throws {
        let p = NightlyRunTests().makePipeline()
        let dir = (p as NSString).deletingLastPathComponent
        let first = await recpipe("run", p)
        #expect(first.code == 0, "\(first.err)")
        let firstID = try runID(first.out)
        TestSupport.write(
            "promote{ name = \"toys\", boost = 0.1, when = function(u, item) return item.category == \"toys\" end }\n",
            to: "promotions.lua", in: dir)
        let second = await recpipe("run", p, "--diff")
        let secondID = try runID(second.out)
        #expect(second.out.contains("diff of 'recs' against its previous result:"), "\(second.out)")
        #expect(second.out.contains("  baseline: run \(firstID) ("), "\(second.out)")
        #expect(
            second.out.contains(", production); settings that differ: file 'promotions.lua' changed"), "\(second.out)")
        let production = try String(contentsOfFile: dir + "/out/recs.csv", encoding: .utf8)

        // The trial: beside production, diffed against it.
        let trial = await recpipe("run", p, "--set", "recs.top=1", "--diff")
        #expect(trial.code == 0, "\(trial.err)")
        #expect(
            trial.out.contains("diff of 'recs' (experiment 'recs.top=1') against the production result:"),
            "\(trial.out)")
        #expect(trial.out.contains("  baseline: run \(secondID) ("), "\(trial.out)")
        #expect(trial.out.contains("settings that differ: recs.top 2 → 1"), "\(trial.out)")
        #expect(trial.err.contains("experiment 'recs.top=1': outputs are under experiments/recs.top=1/"))
        // Before: the trial overwrote out/recs.csv and what `recommend` answers.
        #expect(try String(contentsOfFile: dir + "/out/recs.csv", encoding: .utf8) == production)
        #expect(FileManager.default.fileExists(atPath: dir + "/experiments/recs.top=1/out/recs.csv"))
        let rec = await recpipe("recommend", p, "--user", "U1")
        #expect(rec.out.split(separator: "\n").count == 3, "\(rec.out)")

        // The next production run is compared with production, not with the trial.
        TestSupport.write(
            "promote{ name = \"toys\", boost = 0.2, when = function(u, item) return item.category == \"toys\" end }\n",
            to: "promotions.lua", in: dir)
        let third = await recpipe("run", p, "--diff")
        #expect(third.out.contains("  baseline: run \(secondID) ("), "\(third.out)")
        #expect(!third.out.contains("users whose top-N changed: 3 of 3"), "\(third.out)")

        let against = await recpipe("run", p, "--diff", "--against", secondID)
        #expect(against.out.contains("diff of 'recs' against run \(secondID):"), "\(against.out)")
        #expect(against.out.contains("  baseline: run \(secondID) ("), "\(against.out)")
        let pruned = await recpipe("run", p, "--diff", "--against", firstID)
        #expect(
            pruned.out.contains("diff of 'recs': the result of run \(firstID) is no longer in the cache"),
            "\(pruned.out)")
        let unknown = await recpipe("run", p, "--diff", "--against", "nope")
        #expect(unknown.out.contains("--diff --against nope: no run with that id"), "\(unknown.out)")

        let runs = await recpipe("runs", p)
        #expect(runs.code == 0)
        #expect(runs.out.hasPrefix("run "))
        #expect(runs.out.contains("experiment recs.top=1"), "\(runs.out)")
        #expect(runs.out.contains(firstID) && runs.out.contains(secondID))
    }
}
