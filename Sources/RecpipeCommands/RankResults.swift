import Foundation
import RecpipeData
import RecpipeEngine
import RecpipeSpec
import RecpipeStages

/// Reading `rank` results back from the cache, for `recpipe run --diff` and `recpipe recommend`.
enum RankResults {
    /// The pipeline's rank stages, in file order.
    static func rankStages(_ spec: PipelineSpec) -> [StageSpec] { spec.stages.filter { $0.kind == "rank" } }

    /// The recommendations stored under `fingerprint`, or nil when absent or not recommendations.
    static func load(_ fingerprint: String?, from store: ArtifactStore) -> Recommendations? {
        guard let fingerprint, let loaded = try? store.load(fingerprint) else { return nil }
        return loaded.artifact as? Recommendations
    }

    /// Item id → category from the rank stage's `items` input (its current cached table).
    static func categories(for stage: StageSpec, store: ArtifactStore, state: ArtifactStore.State) -> [String: String] {
        guard let itemsStage = stage.inputs["items"]?.first,
            let fp = state.stages[itemsStage]?.current.value,
            let table = (try? store.load(fp))?.artifact as? Table
        else { return [:] }
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

    /// The `--diff` report of every rank stage: the comparison with its previous result, or a line
    /// saying there is none yet.
    /// A stage reused from the cache in `report` is unchanged since the last run: its report says
    /// so and shows the last change.
    static func diffReport(_ spec: PipelineSpec, options: RunOptions, report: RunReport? = nil) -> [String] {
        let store = StageRegistry.runner.store(for: spec, options: options)
        let state = store.loadState()
        let stages = rankStages(spec)
        let metrics = metricReport(spec, store: store, state: state, report: report)
        guard !stages.isEmpty else { return ["--diff: the pipeline has no rank stage to compare"] + metrics }
        return stages.map { stage in
            guard let s = state.stages[stage.name], let after = load(s.current.value, from: store) else {
                return "diff of '\(stage.name)': no result yet (the stage did not run)"
            }
            guard let before = load(s.previous?.value, from: store) else {
                return "diff of '\(stage.name)': no previous result to compare with (this is its first result; change a rule and run again)"
            }
            let diff = RecommendationDiff.compare(
                before: before, after: after, categories: categories(for: stage, store: store, state: state))
            let cached = report?.stages.first { $0.stage == stage.name }?.status == .cached
            return diff.render(stage: stage.name)
                + (cached ? "\n  ('\(stage.name)' was unchanged in this run: this is the change of its last new result)" : "")
        } + metrics
    }

    /// One block per `evaluate` stage: its metrics, current result against the previous one
    /// (`MetricChange`).
    static func metricReport(
        _ spec: PipelineSpec, store: ArtifactStore, state: ArtifactStore.State, report: RunReport?
    ) -> [String] {
        spec.stages.filter { $0.kind == "evaluate" }.map { stage in
            let s = state.stages[stage.name]
            let cached = report?.stages.first { $0.stage == stage.name }?.status == .cached
            return MetricChange.report(
                stage: stage.name, before: table(s?.previous?.value, from: store),
                after: table(s?.current.value, from: store), cached: cached)
        }
    }

    /// The table stored under `fingerprint`, or nil when absent or not a table.
    static func table(_ fingerprint: String?, from store: ArtifactStore) -> Table? {
        guard let fingerprint, let loaded = try? store.load(fingerprint) else { return nil }
        return loaded.artifact as? Table
    }
}
