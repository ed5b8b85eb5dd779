import Foundation
import RecpipeData
import RecpipeEngine
import RecpipeSpec
import RecpipeStages

/// The metric part of `recpipe run --diff`: each `evaluate` stage's metrics against the same
/// baseline as the lists (the previous result, the production result of an experiment, or the
/// result of `--against RUN`), and under each rank stage the metrics of its evaluated refit —
/// what a rule edit costs or gains in relevance, beside what it did to the lists.
extension RankResults {
    /// Which result of a stage this run compares with which.
    struct Comparing {
        let results: StoredResult
        let report: RunReport?
        let against: RunReport?
        let experiment: String?
        let experimentState: ArtifactStore.State?

        init(results: StoredResult, report: RunReport?, against: RunReport?, experiment: String?) {
            self.results = results
            self.report = report
            self.against = against
            self.experiment = experiment
            experimentState = experiment.map { results.store.experiment($0).loadState() }
        }

        /// Whether this run is compared with the stage's result before it (no experiment, no
        /// `--against`): only then does a cached stage mean "unchanged".
        var againstPrevious: Bool { against == nil && experiment == nil }

        /// This run's result of `stage` (nil: none) and its baseline (nil: none), with the recorded
        /// changes between them (files, parameters) when known.
        func pair(_ stage: String) -> (after: String?, before: String?, changes: [String]) {
            let here = report?.stages.first { $0.stage == stage }
            let after =
                here.flatMap { $0.status == .ran || $0.status == .cached ? $0.fingerprint : nil }
                ?? (experiment == nil ? results.state.stages[stage]?.current.value : nil)
            guard let after else { return (nil, nil, []) }
            if let against {
                let fp = against.stages.first { $0.stage == stage && ($0.status == .ran || $0.status == .cached) }?
                    .fingerprint
                return (after, fp, [])
            }
            if experiment != nil {
                let production = results.state.stages[stage]?.current
                var changes: [String] = []
                if let production, let mine = experimentState?.stages[stage]?.current {
                    changes = mine.changes(since: production)
                }
                return (after, production?.value, changes)
            }
            let s = results.state.stages[stage]
            var changes: [String] = []
            if let s, let p = s.previous, s.current.value == after { changes = s.current.changes(since: p) }
            return (after, s?.current.value == after ? s?.previous?.value : s?.current.value, changes)
        }

        /// The metrics tables of `stage` in this run and in its baseline.
        func metrics(_ stage: String) throws(StoredResult.Unavailable) -> (after: Table?, before: Table?) {
            let p = pair(stage)
            guard let after = p.after else { return (nil, nil) }
            let table = try results.load(stage, fingerprint: after, as: Table.self, what: "metrics")
            guard let before = p.before, results.store.hasArtifact(before) else { return (table, nil) }
            return (
                table, try results.load(stage, fingerprint: before, as: Table.self, what: "metrics", previous: true)
            )
        }
    }

    /// One block per `evaluate` stage: its metrics, this run's against the baseline (`MetricChange`).
    /// The refitted rank models' rows are left out (`evaluationLines` prints them under the rank
    /// stage's list diff).
    static func metricReport(_ spec: PipelineSpec, comparing: Comparing) -> [String] {
        let ranks = Set(rankStages(spec).map(\.name))
        return spec.stages.filter { $0.kind == "evaluate" }.map { stage in
            let cached =
                comparing.againstPrevious
                && comparing.report?.stages.first { $0.stage == stage.name }?.status == .cached
            let shown = Set(
                (stage.inputs["models"] ?? []).compactMap { spec.stage($0)?.derivedFrom }.filter(ranks.contains))
            do {
                let (after, before) = try comparing.metrics(stage.name)
                return MetricChange.report(
                    stage: stage.name, before: before, after: after, cached: cached, shownAbove: shown)
            } catch {
                return "metric change of '\(stage.name)': \(error)"
            }
        }
    }

    /// Under a rank stage's list diff: the metrics of its refit in each evaluate stage that
    /// evaluates it (`quality.recs`), before → after.
    static func evaluationLines(of rank: String, spec: PipelineSpec, comparing: Comparing) -> [String] {
        spec.stages.filter { $0.kind == "evaluate" }.compactMap { evaluate -> String? in
            guard let refit = (evaluate.inputs["models"] ?? []).first(where: { spec.stage($0)?.derivedFrom == rank })
            else { return nil }
            let split = evaluate.inputs["split"]?.first ?? "the split"
            let head = "  relevance of '\(rank)' ('\(evaluate.name)', refitted as '\(refit)' on '\(split)')"
            let after: Table?, before: Table?
            do {
                (after, before) = try comparing.metrics(evaluate.name)
            } catch {
                return head + ": \(error)"
            }
            guard let after else { return head + ": no result yet ('\(evaluate.name)' did not run)" }
            let changes = MetricChange.compare(before: before, after: after).filter {
                $0.model == rank && !MetricChange.isCount($0.metric)
            }
            guard before != nil else {
                return head + ", no earlier result to compare with: "
                    + changes.map { "\($0.metric) \(MetricChange.format($0.after, metric: $0.metric))" }.joined(
                        separator: ", ")
            }
            let moved = changes.filter { !$0.isUnchanged }
            guard !moved.isEmpty else {
                return head + ": unchanged ("
                    + changes.prefix(3).map { "\($0.metric) \(MetricChange.format($0.after, metric: $0.metric))" }
                    .joined(separator: ", ") + ")"
            }
            let same = changes.count - moved.count
            return
                ([head + ", before → after:"] + moved.map { "    \($0.valueLine)" }
                + (same > 0 ? ["    (\(same) other metric\(same == 1 ? "" : "s") unchanged)"] : []))
                .joined(separator: "\n")
        }
    }
}
