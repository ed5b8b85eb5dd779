import Foundation
import RecpipeData
import RecpipeSpec

/// The row-level steps of the `clean` stages between an encoder and the ingest stage it reads
/// (`drop_nulls`, `filters`), so an event received online reaches that encoder only when the
/// same line in the batch would: a cancellation line never joins a purchases matrix whose clean
/// stage keeps `invoice not startswith C`.
///
/// Steps over the whole table (`dedupe_on`, `outliers`, `min_user_events`, `min_item_events`)
/// cannot be decided for one event; they are listed in ``unapplied`` for the server's status.
package struct OnlineRowFilter: Sendable {
    /// The encoder (an `encode` stage) the path leads to.
    package let encoder: String
    let dropNulls: [String]
    let filters: [FilterExpression]
    /// `clean 'name': step` for every table-wide step on the path.
    package let unapplied: [String]

    /// Walks from `encoder`'s `events` input up to the ingest stage. `nil` when the path has no
    /// clean stage or leaves `stages`.
    package init(encoder: StageSpec, stages: [String: StageSpec]) throws {
        self.encoder = encoder.name
        var drops: [String] = [], filters: [FilterExpression] = [], unapplied: [String] = []
        var current = encoder.inputs["events"]?.first.flatMap { stages[$0] }
        var hops = 0
        while let s = current, s.kind != "ingest", hops < 32 {
            if s.kind == "clean" {
                drops += s.params["drop_nulls"]?.stringList ?? []
                filters += try CleanStage.filters(s)
                for step in ["dedupe_on", "outliers", "min_user_events", "min_item_events"] {
                    guard let v = s.params[step], !(v.intValue == 0) else { continue }
                    unapplied.append("clean '\(s.name)': \(step)")
                }
            }
            current = (s.inputs["table"] ?? s.inputs.values.first)?.first.flatMap { stages[$0] }
            hops += 1
        }
        dropNulls = drops
        self.filters = filters
        self.unapplied = unapplied
    }

    /// Whether the path has row steps at all.
    package var isEmpty: Bool { dropNulls.isEmpty && filters.isEmpty }

    /// Per row of `events` (read with the ingest's schema), whether it passes every row step; a
    /// column the events lack counts as null.
    package func mask(_ events: Table) throws -> [Bool] {
        var keep = [Bool](repeating: true, count: events.rowCount)
        for name in dropNulls {
            let c = events.columnIndex(name)
            for r in keep.indices where keep[r] { keep[r] = c.map { !events.isNull(row: r, col: $0) } ?? false }
        }
        for f in filters {
            let m = try f.mask(events)
            for r in keep.indices { keep[r] = keep[r] && m[r] }
        }
        return keep
    }
}
