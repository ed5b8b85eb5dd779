import Foundation
import RecpipeData
import RecpipeEngine
import RecpipeSpec
import RecpipeStages

/// Reading `rank` and `evaluate` results back from the cache for `recpipe run --diff`. A result
/// that cannot be read says so in its block (never "no result yet", never a diff against nothing).
enum RankResults {
    /// The pipeline's rank stages, in file order (not an evaluate stage's refit on its split).
    static func rankStages(_ spec: PipelineSpec) -> [StageSpec] {
        spec.stages.filter { $0.kind == "rank" && $0.derivedFrom == nil }
    }

    /// Item id → category from the rank stage's `items` input (its current cached table); empty
    /// when the stage has no items input.
    static func categories(for stage: StageSpec, results: StoredResult) throws(StoredResult.Unavailable) -> [String:
        String]
    {
        guard let itemsStage = stage.inputs["items"]?.first else { return [:] }
        let table = try results.load(itemsStage, as: Table.self, what: "a table")
        let idName = stage.params["item_id_column"]?.stringValue ?? "item_id"
        let catName = stage.params["category_column"]?.stringValue ?? "category"
        guard let idCol = table.columnIndex(idName), let catCol = table.columnIndex(catName) else { return [:] }
        var map: [String: String] = [:]
        for r in 0..<table.rowCount {
            guard let id = table.string(row: r, col: idCol) ?? table.int(row: r, col: idCol).map(String.init),
                let cat = table.string(row: r, col: catCol)
            else { continue }
            map[id] = cat
        }
        return map
    }

    /// The `--diff` report of every rank stage: this run's result against its baseline — the
    /// result before it (a production run), the production result (an experiment), or the result
    /// of run `against` — with a line naming the run that produced the baseline and the settings
    /// that differ. A result that cannot be read says why.
    static func diffReport(_ spec: PipelineSpec, options: RunOptions, report: RunReport? = nil, against: String? = nil)
        -> [String]
    {
        let results = StoredResult(spec, cacheDirectory: options.cacheDirectory, pipelineFile: spec.file)
        let stages = rankStages(spec)
        let history = RunHistory(runsDirectory: results.store.runsDirectory, pipeline: spec.name)
        var againstRun: RunReport?
        if let against {
            guard let run = history.run(against) else {
                return ["--diff --against \(against): no run with that id (`recpipe runs \(spec.file)` lists them)"]
            }
            againstRun = run
        }
        let experiment = report?.record.experiment
        let comparing = Comparing(results: results, report: report, against: againstRun, experiment: experiment)
        let metrics = metricReport(spec, comparing: comparing)
        guard !stages.isEmpty else { return ["--diff: the pipeline has no rank stage to compare"] + metrics }
        return stages.map { stage in
            let name = stage.name
            let here = report?.stages.first { $0.stage == name }
            let pair = comparing.pair(name)
            guard let afterFP = pair.after else { return "diff of '\(name)': no result yet (the stage did not run)" }
            let heading =
                againstRun.map { "diff of '\(name)' against run \($0.runID):" }
                ?? experiment.map { "diff of '\(name)' (experiment '\($0)') against the production result:" }
                ?? "diff of '\(name)' against its previous result:"
            let (baseline, changes) = (pair.before, pair.changes)
            guard let baseline else {
                return againstRun != nil
                    ? "diff of '\(name)': run \(against ?? "") has no result of '\(name)'"
                    : experiment != nil
                        ? "diff of '\(name)': no production result to compare with yet (run without --set/--experiment first)"
                        : "diff of '\(name)': no previous result to compare with (this is its first result; change a rule and run again)"
            }
            if let againstRun, !results.store.hasArtifact(baseline) {
                return
                    "diff of '\(name)': the result of run \(againstRun.runID) is no longer in the cache (each stage keeps its current "
                    + "and previous production result, and each experiment's); pick a newer run from `recpipe runs \(spec.file)`"
            }
            do {
                let after = try results.load(
                    name, fingerprint: afterFP, as: Recommendations.self, what: "recommendations")
                let before = try results.load(
                    name, fingerprint: baseline, as: Recommendations.self, what: "recommendations", previous: true)
                let diff = RecommendationDiff.compare(
                    before: before, after: after, categories: try categories(for: stage, results: results))
                let cached = againstRun == nil && experiment == nil && here?.status == .cached
                return diff.render(stage: name, heading: heading)
                    + "\n"
                    + baselineLine(
                        baseline, stage: name, history: history, run: againstRun, report: report, changes: changes)
                    + (cached
                        ? "\n  ('\(name)' was unchanged in this run: this is the change of its last new result)" : "")
                    + evaluationLines(of: name, spec: spec, comparing: comparing).map { "\n" + $0 }.joined()
            } catch {
                return "diff of '\(name)': \(error)"
            }
        } + metrics
    }

    /// `  baseline: run 20261204T201103Z-3efd (2026-12-04T20:11:03Z, production); settings that differ: recs.top 10 → 5`.
    static func baselineLine(
        _ fingerprint: String, stage: String, history: RunHistory, run: RunReport?, report: RunReport?,
        changes: [String]
    ) -> String {
        guard let producer = run ?? history.producer(of: fingerprint, stage: stage, excluding: report?.runID) else {
            return "  baseline: result \(fingerprint.prefix(12)) (no listed production run produced it)"
        }
        var differ = report.map { RunHistory.settingsThatDiffer(stage: stage, from: producer, to: $0.record) } ?? []
        differ += changes.filter { !$0.hasPrefix("parameter") && !$0.hasPrefix("input") }
        let kind = producer.record.experiment.map { "experiment '\($0)'" } ?? "production"
        return "  baseline: run \(producer.runID) (\(RunRecord.iso8601(producer.startedAt)), \(kind))"
            + "; settings that differ: " + (differ.isEmpty ? "none" : differ.joined(separator: "; "))
    }
}
