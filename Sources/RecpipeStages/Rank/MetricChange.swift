import Foundation
import RecpipeData

/// The metric part of `recpipe run --diff`: each metric of an `evaluate` stage's `metrics` table
/// (model, metric, group, value), current result against the previous one. A pure function of
/// the two tables.
package struct MetricChange: Sendable, Equatable {
    package var model: String
    package var metric: String
    /// Nil when the metric is absent from that result.
    package var before: Double?
    package var after: Double?

    package init(model: String, metric: String, before: Double?, after: Double?) {
        self.model = model
        self.metric = metric
        self.before = before
        self.after = after
    }

    package var isUnchanged: Bool { before == after }

    // MARK: - Comparison

    /// The rows of `group` in both tables, in the order of `after` (then metrics only in
    /// `before`). O(rows).
    package static func compare(before: Table?, after: Table, group: String = "all") -> [MetricChange] {
        let old = rows(before, group: group), new = rows(after, group: group)
        var oldValue: [Key: Double] = [:]
        for r in old where oldValue[r.key] == nil { oldValue[r.key] = r.value }
        var seen: Set<Key> = []
        var out: [MetricChange] = []
        for r in new where seen.insert(r.key).inserted {
            out.append(MetricChange(model: r.key.model, metric: r.key.metric, before: oldValue[r.key], after: r.value))
        }
        for r in old where seen.insert(r.key).inserted {
            out.append(MetricChange(model: r.key.model, metric: r.key.metric, before: r.value, after: nil))
        }
        return out
    }

    private struct Key: Hashable {
        var model: String
        var metric: String
    }

    /// (model, metric) → value of the rows in `group`; empty when the table is not a metrics table.
    private static func rows(_ table: Table?, group: String) -> [(key: Key, value: Double)] {
        guard let table, let m = table.columnIndex("model"), let k = table.columnIndex("metric"),
            let g = table.columnIndex("group"), let v = table.columnIndex("value")
        else { return [] }
        var out: [(key: Key, value: Double)] = []
        for r in 0..<table.rowCount {
            guard table.string(row: r, col: g) == group, let model = table.string(row: r, col: m),
                let metric = table.string(row: r, col: k), let value = table.double(row: r, col: v)
            else { continue }
            out.append((Key(model: model, metric: metric), value))
        }
        return out
    }

    // MARK: - Report

    /// The `--diff` block of one evaluate stage.
    ///
    /// - Parameters:
    ///   - after: the stage's current metrics (nil: it has no result yet).
    ///   - before: its previous metrics (nil: none).
    ///   - cached: the stage was reused from the cache in this run (so nothing changed).
    ///   - shownAbove: models whose change is already printed under their rank stage's list diff;
    ///     their rows are left out here and named once.
    package static func report(stage: String, before: Table?, after: Table?, cached: Bool, shownAbove: Set<String> = [])
        -> String
    {
        guard let after else { return "metric change of '\(stage)': no result yet (the stage did not run)" }
        if cached { return "metric change of '\(stage)': unchanged (the stage was reused from the cache)" }
        let all = compare(before: before, after: after)
        guard before != nil else {
            return
                (["metric change of '\(stage)': no previous result to compare with; current metrics:"]
                + all.map { "  \(stage): \($0.model) \($0.metric) \(format($0.after, metric: $0.metric))" })
                .joined(separator: "\n")
        }
        let elsewhere = Set(all.map(\.model)).intersection(shownAbove).sorted()
        let changes = all.filter { !elsewhere.contains($0.model) }
        let note =
            elsewhere.isEmpty
            ? []
            : [
                "  (" + elsewhere.map { "'\($0)'" }.joined(separator: ", ")
                    + ": shown under the diff of the rank stage above)"
            ]
        if changes.allSatisfy(\.isUnchanged) {
            return
                ([
                    elsewhere.isEmpty
                        ? "metric change of '\(stage)': unchanged (identical metrics)"
                        : "metric change of '\(stage)': the other models' metrics are unchanged"
                ] + note).joined(separator: "\n")
        }
        // Only the metrics that moved; the others are counted.
        let same = changes.count(where: \.isUnchanged)
        return
            (["metric change of '\(stage)' (before → after):"]
            + changes.filter { !$0.isUnchanged }.map { "  \(stage): \($0.line)" }
            + (same > 0 ? ["  (\(same) other metric\(same == 1 ? "" : "s") unchanged)"] : []) + note)
            .joined(separator: "\n")
    }

    /// `als precision@10 0.0894 → 0.0901 (+0.0007)`.
    package var line: String { "\(model) " + valueLine }

    /// `precision@10 0.0894 → 0.0901 (+0.0007)`.
    package var valueLine: String {
        let head = "\(metric) \(Self.format(before, metric: metric)) → \(Self.format(after, metric: metric))"
        guard let before, let after else { return head }
        if before == after { return head + " (unchanged)" }
        let delta = after - before
        let counter = Self.isCount(metric)
        let text = counter ? String(Int((delta).rounded())) : String(format: "%.4f", delta)
        return head + " (" + (delta > 0 ? "+" : "") + text + ")"
    }

    /// Counters (`users_evaluated`) as integers, metrics with four decimals, `—` when absent.
    package static func format(_ value: Double?, metric: String) -> String {
        guard let value else { return "—" }
        return isCount(metric) ? String(Int(value.rounded())) : String(format: "%.4f", value)
    }

    package static func isCount(_ metric: String) -> Bool { metric.hasPrefix("users_") }
}
