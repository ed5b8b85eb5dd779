import Foundation
import RecpipeData
import RecpipeEngine
import RecpipeSpec
import RecpipeStages

/// Reading `rank` and `evaluate` results back from the cache for `recpipe run --diff`. A result
/// that cannot be read says so in its block (never "no result yet", never a diff against nothing).
enum RankResults {
    /// The pipeline's rank stages, in file order.
    static func rankStages(_ spec: PipelineSpec) -> [StageSpec] { spec.stages.filter { $0.kind == "rank" } }

    /// Item id → category from the rank stage's `items` input (its current cached table); empty
    /// when the stage has no items input.
    static func categories(for stage: StageSpec, results: StoredResult) throws(StoredResult.Unavailable) -> [String: String] {
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

    /// The `--diff` report of every rank stage: the comparison with its previous result, or a line
    /// saying there is none yet, or why a stored result cannot be read.
    /// A stage reused from the cache in `report` is unchanged since the last run: its report says
    /// so and shows the last change.
    static func diffReport(_ spec: PipelineSpec, options: RunOptions, report: RunReport? = nil) -> [String] {
        let results = StoredResult(spec, cacheDirectory: options.cacheDirectory, pipelineFile: spec.file)
        let stages = rankStages(spec)
        let metrics = metricReport(spec, results: results, report: report)
        guard !stages.isEmpty else { return ["--diff: the pipeline has no rank stage to compare"] + metrics }
        return stages.map { stage in
            guard results.hasResult(stage.name) else { return "diff of '\(stage.name)': no result yet (the stage did not run)" }
            do {
                let after = try results.load(stage.name, as: Recommendations.self, what: "recommendations")
                guard let before = try results.loadPrevious(stage.name, as: Recommendations.self, what: "recommendations") else {
                    return "diff of '\(stage.name)': no previous result to compare with (this is its first result; change a rule and run again)"
                }
                let diff = RecommendationDiff.compare(
                    before: before, after: after, categories: try categories(for: stage, results: results))
                let cached = report?.stages.first { $0.stage == stage.name }?.status == .cached
                return diff.render(stage: stage.name)
                    + (cached ? "\n  ('\(stage.name)' was unchanged in this run: this is the change of its last new result)" : "")
            } catch {
                return "diff of '\(stage.name)': \(error)"
            }
        } + metrics
    }

    /// One block per `evaluate` stage: its metrics, current result against the previous one
    /// (`MetricChange`).
    static func metricReport(_ spec: PipelineSpec, results: StoredResult, report: RunReport?) -> [String] {
        spec.stages.filter { $0.kind == "evaluate" }.map { stage in
            let cached = report?.stages.first { $0.stage == stage.name }?.status == .cached
            do {
                let after = results.hasResult(stage.name) ? try results.load(stage.name, as: Table.self, what: "metrics") : nil
                let before = try results.loadPrevious(stage.name, as: Table.self, what: "metrics")
                return MetricChange.report(stage: stage.name, before: before, after: after, cached: cached)
            } catch {
                return "metric change of '\(stage.name)': \(error)"
            }
        }
    }
}
