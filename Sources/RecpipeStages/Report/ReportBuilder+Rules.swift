import Foundation
import RecpipeData
import RecpipeEngine
import RecpipeReport
import RecpipeSpec

extension ReportBuilder {
    // MARK: - Rules

    /// Counter prefixes of the rank stage and what they say about a rule.
    static let ruleActions: [(prefix: String, action: String)] = [
        ("removed_by_", "filter: candidates removed"), ("promoted_", "promote: boosted in lists"),
        ("buried_", "bury: moved down"), ("pinned_", "pin: pinned"),
        ("matched_", "matched: candidates its condition held for (users, for a pin)"),
        ("rule_errors_", "errors (users skipped)"),
    ]

    static func rulesSection(_ s: ReportSources) -> ReportPage.Section {
        var blocks: [ReportPage.Block] = []
        for stage in s.stages(kind: "rank") {
            guard let r = s.report(stage.name) else { continue }
            blocks += ruleEffectBlocks(r)
            blocks += diffBlocks(stage, s)
        }
        if blocks.isEmpty {
            blocks.append(
                .notes(
                    [
                        s.withoutResult(kinds: ["rank"]).map { "no rules to show: \($0)" }
                            ?? "no rank stage in this pipeline: business rules (filters, promotions, pins) apply in a `rank` stage"
                    ], warning: s.withoutResult(kinds: ["rank"]) != nil))
        }
        return .init(
            id: "rules", title: "Rules",
            intro:
                "What the business rules did to the recommendations in this run, and what changed since the previous result.",
            blocks: blocks)
    }

    static func ruleEffectBlocks(_ r: StageReport) -> [ReportPage.Block] {
        var rows: [(rule: String, action: String, value: Int)] = []
        for c in r.counters {
            guard let a = ruleActions.first(where: { c.name.hasPrefix($0.prefix) }) else { continue }
            rows.append((String(c.name.dropFirst(a.prefix.count)), a.action, c.value))
        }
        var blocks: [ReportPage.Block] = []
        if rows.isEmpty {
            blocks.append(.notes(["\(r.stage): no filter, promotion, pin or bury rule is configured"]))
        } else {
            let chart = BarChart(
                rows.map { ("\($0.rule) (\($0.action.split(separator: ":").first!))", Double($0.value)) },
                categoryHeader: "rule",
                valueHeader: "count", format: { NumberText.count(Int($0)) })
            var fig = chart.figure(
                title: "Rule effects — \(r.stage)",
                caption:
                    "What each rule did in this run's lists. A rule at 0 did nothing: check its condition and dates.")
            fig.table = DataTable(
                columns: ["rule", "effect", "count"],
                rows: rows.map { [$0.rule, $0.action, NumberText.count($0.value)] },
                numeric: [false, false, true])
            blocks.append(.figure(fig))
        }
        let other = r.counters.filter { c in !ruleActions.contains { c.name.hasPrefix($0.prefix) } }
        var lines = r.notes
        if !other.isEmpty {
            lines.insert(other.map { "\($0.name) \(NumberText.count($0.value))" }.joined(separator: ", "), at: 0)
        }
        if !lines.isEmpty { blocks.append(.notes(lines)) }
        if !r.warnings.isEmpty { blocks.append(.notes(r.warnings, warning: true)) }
        return blocks
    }

    // MARK: - Before / after

    static func diffBlocks(_ stage: StageSpec, _ s: ReportSources) -> [ReportPage.Block] {
        let previous: String
        switch s.previous(stage.name) {
        case .fingerprint(let fp): previous = fp
        case .unknown:
            return [
                .notes([
                    "\(stage.name): this run's result is no longer the latest, so its previous result is not known; report the latest run to see the change"
                ])
            ]
        case .none:
            return [
                .notes([
                    "\(stage.name): no previous result to compare with (this is its first); change a rule, run again (`recpipe run --diff`) and report"
                ])
            ]
        }
        guard let before = s.artifact(fingerprint: previous) as? Recommendations,
            let after = s.artifact(stage.name, as: Recommendations.self)
        else { return [.notes(["\(stage.name): the previous result is no longer in the cache"], warning: true)] }
        let idColumn = stage.params["item_id_column"]?.stringValue ?? "item_id"
        var info = s.itemInfo(s.input(stage, "items"), idColumn: idColumn)
        if info.isEmpty { info = s.itemNamesFromEvents(upstreamOf: stage.name) }
        let diff = RecommendationDiff.compare(
            before: before, after: after, categories: info.compactMapValues { $0.category.isEmpty ? nil : $0.category },
            limit: 15)
        var blocks: [ReportPage.Block] = [
            .notes([
                "\(stage.name) against its previous result: \(NumberText.count(diff.usersChanged)) of \(NumberText.count(diff.usersCompared)) users' lists changed (\(NumberText.percent(diff.changedShare))), \(NumberText.count(diff.usersChanged - diff.usersWithNewItems)) of them only reordered",
                "coverage: \(NumberText.count(diff.coverageBefore)) → \(NumberText.count(diff.coverageAfter)) distinct items"
                    + (diff.usersOnlyBefore + diff.usersOnlyAfter > 0
                        ? "; users only before \(diff.usersOnlyBefore), only after \(diff.usersOnlyAfter)" : ""),
            ])
        ]
        func itemTable(_ title: String, _ items: [RecommendationDiff.ItemCount], sign: String) -> ReportPage.Block {
            .table(
                title,
                DataTable(
                    columns: ["item", "name", "category", "users"],
                    rows: items.map {
                        [
                            $0.item, info[$0.item]?.name ?? "", info[$0.item]?.category ?? "",
                            sign + NumberText.count($0.users),
                        ]
                    },
                    numeric: [false, false, false, true]))
        }
        if !diff.entering.isEmpty {
            blocks.append(itemTable("Items entering lists most often — \(stage.name)", diff.entering, sign: "+"))
        }
        if !diff.leaving.isEmpty {
            blocks.append(itemTable("Items leaving lists most often — \(stage.name)", diff.leaving, sign: "-"))
        }
        if !diff.categories.isEmpty {
            let cats = diff.categories.prefix(20)
            let chart = BarChart(
                categories: cats.map(\.category),
                series: [.init("before", cats.map(\.before)), .init("after", cats.map(\.after))],
                categoryHeader: "category",
                format: NumberText.percent)
            blocks.append(
                .figure(
                    chart.figure(
                        title: "Category shares before and after — \(stage.name)",
                        caption: "Share of all recommended slots per item category.")))
        }
        return blocks
    }
}
