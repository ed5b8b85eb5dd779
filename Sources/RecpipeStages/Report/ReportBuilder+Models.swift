import Foundation
import RecpipeData
import RecpipeEngine
import RecpipeReport
import RecpipeSpec

extension ReportBuilder {
    // MARK: - Models

    static func modelsSection(_ s: ReportSources) -> ReportPage.Section {
        var blocks: [ReportPage.Block] = []
        for stage in s.stages(kind: "evaluate") {
            guard let t = s.artifact(stage.name, as: Table.self) else { continue }
            blocks += metricBlocks(t, stage: stage.name)
        }
        if blocks.isEmpty, let why = s.withoutResult(kinds: ["evaluate"]) {
            blocks.append(.notes(["no evaluation to show: \(why)"], warning: true))
        } else if blocks.isEmpty {
            blocks.append(
                .notes([
                    "no model is evaluated in this pipeline: add a `split` stage, models trained on it and an `evaluate` stage to compare them here"
                ]))
        }
        blocks += popularityBlocks(s)
        return .init(
            id: "models", title: "Models",
            intro:
                "How well each model predicts held-out interactions, and how much it leans on already popular items.",
            blocks: blocks)
    }

    /// One evaluate stage's table (`model, metric, group, value`): the metrics between 0 and 1 as
    /// grouped bars per model, the rest in the table, and a breakdown by group when present.
    static func metricBlocks(_ t: Table, stage: String) -> [ReportPage.Block] {
        guard let mc = t.columnIndex("model"), let kc = t.columnIndex("metric"), let gc = t.columnIndex("group"),
            let vc = t.columnIndex("value")
        else { return [.notes(["\(stage): the metrics table lacks model/metric/group/value columns"], warning: true)] }
        var models: [String] = [], metrics: [String] = [], groups: [String] = []
        var value: [String: Double] = [:]
        func key(_ m: String, _ k: String, _ g: String) -> String { "\(m)\u{1}\(k)\u{1}\(g)" }
        for r in 0..<t.rowCount {
            guard let m = t.string(row: r, col: mc), let k = t.string(row: r, col: kc),
                let g = t.string(row: r, col: gc),
                let v = t.double(row: r, col: vc)
            else { continue }
            if !models.contains(m) { models.append(m) }
            if !metrics.contains(k) { metrics.append(k) }
            if g != "all" && !groups.contains(g) { groups.append(g) }
            value[key(m, k, g)] = v
        }
        let shown = metrics.filter { !$0.hasPrefix("users_") }
        let unit = shown.filter { k in
            models.allSatisfy { m in value[key(m, k, "all")].map { (0...1).contains($0) } ?? true }
        }
        var blocks: [ReportPage.Block] = []
        if !unit.isEmpty {
            let chart = BarChart(
                categories: unit, series: models.map { m in .init(m, unit.map { value[key(m, $0, "all")] ?? .nan }) },
                categoryHeader: "metric", maximum: nil, format: { String(format: "%.4f", $0) })
            blocks.append(
                .figure(
                    chart.figure(
                        title: "Model quality — \(stage)",
                        caption:
                            "Each evaluated model's metrics on the held-out test part, side by side (higher is better)."
                    )))
        }
        let all = DataTable(
            columns: ["metric"] + models,
            rows: metrics.map { k in [k] + models.map { m in value[key(m, k, "all")].map(NumberText.value) ?? "–" } })
        blocks.append(.table("All metrics — \(stage)", all))
        if !groups.isEmpty,
            let metric = ["ndcg", "map", "recall", "precision"].lazy.compactMap({ p in unit.first { $0.hasPrefix(p) } })
                .first ?? unit.first
        {
            let chart = BarChart(
                categories: groups,
                series: models.map { m in .init(m, groups.map { value[key(m, metric, $0)] ?? .nan }) },
                categoryHeader: "group", format: { String(format: "%.4f", $0) })
            var fig = chart.figure(
                title: "\(metric) by segment — \(stage)",
                caption: "The same metric for each group of users the evaluation was broken down by.")
            fig.table = DataTable(
                columns: ["group", "model"] + shown,
                rows: groups.flatMap { g in
                    models.map { m in [g, m] + shown.map { k in value[key(m, k, g)].map(NumberText.value) ?? "–" } }
                },
                numeric: [false, false] + shown.map { _ in true })
            blocks.append(.figure(fig))
        }
        return blocks
    }

    // MARK: - Popularity bias

    /// A recommendation list set to compare: a name, item ids per user (top N).
    struct ListSet {
        var name: String
        var lists: [[String]]
    }

    /// Share of recommended slots per item-popularity decile, and catalogue coverage, for what the
    /// rank stages serve, the candidate models feeding them, and a most-popular baseline.
    static func popularityBlocks(_ s: ReportSources) -> [ReportPage.Block] {
        let ranks = s.stages(kind: "rank")
        let modelStages =
            ranks.isEmpty
            ? s.spec.stages.filter { ["cf", "als", "popular"].contains($0.kind) && !isEvaluationCopy($0, s) }
            : ranks.flatMap { r in (r.inputs["candidates"] ?? []) + (r.inputs["popular"] ?? []) }.compactMap {
                s.spec.stage($0)
            }
        let top = ranks.first?.params["top"]?.intValue ?? 10
        // The interactions the models learned from: rank's `seen`, else a model's input.
        let source =
            ranks.first.flatMap { s.input($0, "seen") }
            ?? modelStages.lazy.compactMap { m in m.inputs.values.joined().first { s.artifact($0) is Interactions } }
            .first
        guard let source, let interactions = s.artifact(source, as: Interactions.self), interactions.items.count > 0
        else {
            return ranks.isEmpty && modelStages.isEmpty
                ? [] : [.notes(["popularity bias: no interactions found to measure item popularity"])]
        }
        var sets: [ListSet] = []
        for r in ranks {
            guard let recs = s.artifact(r.name, as: Recommendations.self) else { continue }
            sets.append(
                ListSet(name: r.name, lists: (0..<recs.users.count).map { Array(recs.itemIDs(user: $0).prefix(top)) }))
        }
        for m in modelStages {
            guard let c = s.candidates(m.name) else { continue }
            sets.append(
                ListSet(
                    name: m.name,
                    lists: (0..<c.users.count).map { u in
                        c.range(user: u).prefix(top).map { c.items[Int(c.itemIndices[$0])] }
                    }))
        }
        guard !sets.isEmpty else { return [] }
        let bias = PopularityBias(interactions)
        sets.append(ListSet(name: "most popular (baseline)", lists: bias.baseline(top: top)))
        let shares = sets.map { bias.decileShares($0.lists) }
        let deciles = (1...10).map { "\($0)" }
        let line = LineChart(
            categories: deciles, series: sets.indices.map { .init(sets[$0].name, shares[$0]) },
            categoryHeader: "popularity decile",
            xTitle:
                "item-popularity decile: 1 = the most popular 10% of items (by users in '\(source)'), 10 = the least",
            format: NumberText.percent, axisFormat: { v, _ in NumberText.fixed(v * 100, decimals: 0) + "%" })
        var blocks: [ReportPage.Block] = [
            .figure(
                line.figure(
                    title: "Popularity bias",
                    caption:
                        "Share of recommended slots (top \(top) per user) falling in each decile of items by popularity; a flat line would recommend the whole catalogue evenly."
                ))
        ]
        let coverage = sets.map { bias.coverage($0.lists) }
        var chart = BarChart(
            sets.indices.map { (sets[$0].name, coverage[$0].share) }, categoryHeader: "list", valueHeader: "coverage",
            maximum: 1, format: NumberText.percent)
        chart.axisTitle = "share of the catalogue recommended to anyone"
        var fig = chart.figure(
            title: "Catalogue coverage",
            caption:
                "Distinct items recommended to at least one user, out of \(NumberText.count(interactions.items.count)) items in '\(source)'."
        )
        fig.table = DataTable(
            columns: ["list", "distinct items", "coverage", "users", "top-decile share"],
            rows: sets.indices.map {
                [
                    sets[$0].name, NumberText.count(coverage[$0].items), NumberText.percent(coverage[$0].share),
                    NumberText.count(sets[$0].lists.count), NumberText.percent(shares[$0][0]),
                ]
            })
        blocks.append(.figure(fig))
        return blocks
    }

    /// A model trained on a split (`als_eval` on `holdout`) is an evaluation copy, not what serves.
    static func isEvaluationCopy(_ stage: StageSpec, _ s: ReportSources) -> Bool {
        stage.inputs.values.joined().contains { s.spec.stage($0)?.kind == "split" }
    }
}
