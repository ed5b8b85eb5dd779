import Foundation
import RecpipeSpec
import RecpipeStages
import RecpipeTestSupport
import Testing

/// Evaluation models derived from the production stages (issue 13, problem 6): `evaluate` refits
/// the models it names on its split with their own parameters, so one `--set` changes what serves
/// and what is evaluated; a rule edit's metric change shows in `--diff`.
@Suite(.serialized) struct EvaluateRefitTests {
    /// A generated demo shop and a pipeline on it whose evaluate stage reads `models`, with the
    /// stages `extra` adds (hand-written copies, for the old style).
    func project(models: String, extra: String = "", rules: String? = nil) async throws -> String {
        let dir = TestSupport.temporaryDirectory("evaluate-refit")
        let data = await recpipe(
            "demo-data", "--out", dir + "/data", "--users", "200", "--items", "60", "--events", "4000")
        #expect(data.code == 0, "\(data.err)")
        TestSupport.write(
            rules
                ?? "promote{ name = \"coats\", boost = 1.3, when = function(u, item) return item.category == \"coats\" end }\n",
            to: "promotions.lua", in: dir)
        return TestSupport.write(
            """
            pipeline: refit
            seed: 7
            as_of: "2026-11-01"
            stages:
              events: { uses: ingest, with: { path: data/events.csv } }
              items: { uses: ingest, with: { path: data/items.csv } }
              matrix: { uses: encode, inputs: { events: events }, with: { target: interactions, weights: { view: 1, cart: 3, purchase: 5 } } }
              itemcf: { uses: cf, input: matrix, with: { mode: item, neighbors: 20 } }
              als: { uses: als, input: matrix, with: { factors: 8, iterations: 5, regularization: 1.0 } }
              popular: { uses: popular, input: matrix }
              recs:
                uses: rank
                inputs: { candidates: [als, itemcf], items: items, seen: matrix, popular: popular }
                with: { blend: { als: 0.7, itemcf: 0.3 }, top: 5, promotions: promotions.lua }
              holdout: { uses: split, input: matrix, with: { method: holdout, test_fraction: 0.2 } }
            \(extra)
              quality: { uses: evaluate, inputs: { split: holdout, models: \(models) }, with: { k: 5 } }
              out: { uses: export, inputs: { data: [quality] }, with: { to: out, formats: [csv] } }
            """, to: "p.yaml", in: dir)
    }

    /// model → metric → value of the exported metrics (group `all`).
    func metrics(_ p: String, under: String = "out") throws -> [String: [String: String]] {
        let dir = (p as NSString).deletingLastPathComponent
        let csv = try String(contentsOfFile: "\(dir)/\(under)/quality.csv", encoding: .utf8)
        var out: [String: [String: String]] = [:]
        for line in csv.split(separator: "\n").dropFirst() {
            let cells = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            guard cells.count == 4, cells[2] == "all" else { continue }
            out[cells[0], default: [:]][cells[1]] = cells[3]
        }
        return out
    }

    @Test func refittedProductionModelsScoreExactlyAsTheHandWrittenCopiesDid() async throws {
        let old = try await project(
            models: "[itemcf_eval, als_eval]",
            extra: """
                  itemcf_eval: { uses: cf, input: holdout, with: { mode: item, neighbors: 20 } }
                  als_eval: { uses: als, input: holdout, with: { factors: 8, iterations: 5, regularization: 1.0 } }
                """)
        let before = await recpipe("run", old)
        #expect(before.code == 0, "\(before.err)")
        let new = try await project(models: "[itemcf, als]")
        let after = await recpipe("run", new)
        #expect(after.code == 0, "\(after.err)")
        // The refits run as their own stages, named after the evaluate stage.
        for stage in ["quality.itemcf", "quality.als"] {
            #expect(
                after.out.split(separator: "\n").contains { $0.hasPrefix(stage + " ") && $0.contains(" ran ") },
                "\(after.out)")
        }
        let (a, b) = (try metrics(old), try metrics(new))
        #expect(a["als_eval"] != nil && a["itemcf_eval"] != nil)
        #expect(b["als"] == a["als_eval"], "\(b)")
        #expect(b["itemcf"] == a["itemcf_eval"], "\(b)")
        #expect(Set(b.keys) == ["als", "itemcf"])
    }

    @Test func oneSetChangesTheServedAndTheEvaluatedModel() async throws {
        let p = try await project(models: "[itemcf, als]")
        let first = await recpipe("run", p)
        #expect(first.code == 0, "\(first.err)")
        let base = try metrics(p)
        let trial = await recpipe("run", p, "--set", "als.factors=3")
        #expect(trial.code == 0, "\(trial.err)")
        // Both the production model and its refit re-ran with the new setting.
        for stage in ["als", "quality.als"] {
            let line = trial.out.split(separator: "\n").first { $0.hasPrefix(stage + " ") } ?? ""
            #expect(line.contains(" ran "), "\(trial.out)")
        }
        let changed = try metrics(p, under: "experiments/als.factors=3/out")
        #expect(changed["als"]?["ndcg@5"] != base["als"]?["ndcg@5"], "\(changed) vs \(base)")
        #expect(changed["itemcf"] == base["itemcf"])
        // The resolved pipeline the manifest records has the setting on the refit too.
        let spec = try #require(
            PipelineLoader.load(path: p, overrides: ["als.factors=3"], catalog: StageRegistry.catalog).spec)
        #expect(spec.stage("quality.als")?.params["factors"] == .int(3))
        #expect(spec.stage("quality.als")?.derivedFrom == "als")
        #expect(spec.stage("quality.als")?.inputs["interactions"] == ["holdout"])
    }

    @Test func theRankPlanIsEvaluatedAndARuleEditShowsItsMetricChangeInTheDiff() async throws {
        let p = try await project(models: "[als, recs]")
        let first = await recpipe("run", p)
        #expect(first.code == 0, "\(first.err)")
        // The rank stage and everything it reads from the matrix are refitted; items are shared.
        let spec = try #require(PipelineLoader.load(path: p, catalog: StageRegistry.catalog).spec)
        let refit = try #require(spec.stage("quality.recs"))
        #expect(refit.inputs["candidates"] == ["quality.als", "quality.itemcf"])
        #expect(refit.inputs["seen"] == ["holdout"])
        #expect(refit.inputs["popular"] == ["quality.popular"])
        #expect(refit.inputs["items"] == ["items"])
        #expect(spec.stage("quality")?.inputs["models"] == ["quality.als", "quality.recs"])
        #expect(try metrics(p)["recs"]?["ndcg@5"] != nil)

        let dir = (p as NSString).deletingLastPathComponent
        TestSupport.write(
            "promote{ name = \"coats\", boost = 50, when = function(u, item) return item.category == \"coats\" end }\n",
            to: "promotions.lua", in: dir)
        let second = await recpipe("run", p, "--diff")
        #expect(second.code == 0, "\(second.err)")
        let out = second.out
        #expect(out.contains("diff of 'recs' against its previous result:"), "\(out)")
        #expect(
            out.contains("  relevance of 'recs' ('quality', refitted as 'quality.recs' on 'holdout'), before → after:"),
            "\(out)")
        #expect(out.contains(/\n    ndcg@5 0\.\d{4} → 0\.\d{4} \([+-]0\.\d{4}\)/), "\(out)")
        // The rank-only edit left the other model's metrics alone; recs is not printed twice.
        #expect(
            out.contains(
                "metric change of 'quality': the other models' metrics are unchanged\n"
                    + "  ('recs': shown under the diff of the rank stage above)"), "\(out)")
        #expect(!out.contains("  quality: recs ndcg@5"), "\(out)")
    }

    @Test func aModelThatCannotBeRefittedIsALocatedError() async throws {
        // Trained on another split of the same matrix: that split cannot take a split as input.
        let p = try await project(
            models: "[cf2]",
            extra: """
                  other: { uses: split, input: matrix, with: { method: holdout, test_fraction: 0.5 } }
                  cf2: { uses: cf, input: other, with: { mode: item } }
                """)
        let r = await recpipe("validate", p)
        #expect(r.code != 0)
        #expect(
            r.err.contains(
                "stage 'quality' refits 'other' on split 'holdout', but port 'interactions' of a split stage takes interactions, not a split"
            ), "\(r.err)")
        // Not computed from what the split holds out: scoring it would count its training data.
        let q = try await project(
            models: "[pop2]",
            extra: """
                  clicks: { uses: encode, inputs: { events: events }, with: { target: interactions, weights: { view: 1 } } }
                  pop2: { uses: popular, input: clicks }
                """)
        let s = await recpipe("validate", q)
        #expect(s.code != 0)
        #expect(s.err.contains("p.yaml:"), "\(s.err)")
        #expect(
            s.err.contains(
                "model 'pop2' is not computed from 'matrix', the data split 'holdout' holds out, so it cannot be refitted"
            ), "\(s.err)")
    }
}
