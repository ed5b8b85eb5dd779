import Foundation
import RecpipeCore
import RecpipeData
import RecpipeSpec

/// Every column `encode target: user_features` produces, with its meaning and formula — shown by
/// `recpipe stages encode` and `recpipe columns`, and checked at validate time.
extension UserFeaturesStage {
    typealias Entry = KnownColumns.Entry

    static let rfmDocs: [Entry] = [
        .init(
            name: "recency_days", type: "int",
            doc: "as_of day − day of the last purchase (last event of any type without purchases)"),
        .init(
            name: "frequency", type: "int", doc: "distinct orders with a purchase (order_column), else purchase rows"),
        .init(
            name: "monetary", type: "float",
            doc: "Σ quantity × price over purchases (or Σ amount_column); returns are not subtracted"),
        .init(name: "avg_basket", type: "float", doc: "monetary / frequency (0 without purchases)"),
        .init(name: "events", type: "int", doc: "rows of the user (purchases, returns, other events)"),
    ]

    static func columnDocs(eventColumn: Bool, itemColumn: Bool, windows: [Int], rfm: Bool, shares: Bool, scaled: Bool)
        -> KnownColumns
    {
        var e: [Entry] = [.init(name: "user_id", type: "string", doc: "user id (users sorted by id)")] + rfmDocs
        var families: [Entry] = []
        if eventColumn {
            e += [
                .init(name: "views", type: "int", doc: "rows with event 'view'"),
                .init(name: "carts", type: "int", doc: "rows with event 'cart'"),
            ]
            families.append(
                .init(name: "events_<type>", type: "int", doc: "rows of each other event type present in the data"))
        }
        e.append(
            .init(
                name: "purchases", type: "int",
                doc:
                    "rows counted as purchases: purchase events (or every row without an event column) where purchase_when holds, not returns"
            ))
        e.append(.init(name: "active_span_days", type: "int", doc: "last event day − first event day"))
        for d in TransactionTotals.docs where itemColumn || d.name != "distinct_items" {
            e.append(.init(name: d.name, type: d.type.rawValue, doc: d.doc))
        }
        for w in windows {
            e.append(.init(name: "frequency_\(w)d", type: "int", doc: "frequency over the last \(w) days up to as_of"))
            e.append(.init(name: "spend_\(w)d", type: "float", doc: "monetary over the last \(w) days up to as_of"))
        }
        if rfm {
            e += [
                .init(name: "r_score", type: "int", doc: "recency quintile score 1–5 (recent = 5)"),
                .init(name: "f_score", type: "int", doc: "frequency quintile score 1–5"),
                .init(name: "m_score", type: "int", doc: "monetary quintile score 1–5"),
                .init(
                    name: "rfm_segment", type: "string",
                    doc: "classic RFM segment from the three scores (Champions, Loyal Customers, At Risk, Lost, …)"),
            ]
        }
        if shares {
            families.append(
                .init(
                    name: "share_<value>", type: "float",
                    doc:
                        "share of the user's distinct items with that category_shares value (top_categories most frequent values)"
                ))
            e += [
                .init(name: "top_category", type: "string", doc: "the user's most frequent category_shares value"),
                .init(
                    name: "price_index", type: "float",
                    doc: "geometric mean of item price / its category's mean price (1 when unknown)"),
            ]
        }
        families.append(
            .init(
                name: "<column>_<value>", type: "int",
                doc: "one_hot / label_encode / numeric_user_columns of the users table"))
        if scaled {
            families.append(
                .init(name: "<feature>_scaled", type: "float", doc: "scaled copy of each numeric feature (scale)"))
        }
        return KnownColumns(entries: e, families: families, complete: true)
    }

    /// The features a stage will produce from events with `events` columns (nil: unknown).
    static func knownColumns(_ stage: StageSpec, events: KnownColumns?) -> KnownColumns {
        let p = stage.params
        let eventName = p["event_column"]?.isNull == true ? nil : p["event_column"]?.stringValue ?? "event"
        let hasEvents = eventName.map { name in events.map { $0.has(name) || !$0.complete } ?? true } ?? false
        let hasItems = events.map { $0.has(p["item_column"]?.stringValue ?? "item_id") || !$0.complete } ?? true
        var known = columnDocs(
            eventColumn: hasEvents, itemColumn: hasItems,
            windows: p["windows"]?.listValue?.compactMap(\.intValue) ?? [30, 90],
            rfm: p["rfm"]?.boolValue ?? true, shares: p["category_shares"] != nil,
            scaled: (p["scale"]?.stringValue ?? "none") != "none")
        // Users-table encodings are named after the users table's values: only listed when asked for.
        if p["one_hot"] == nil && p["label_encode"] == nil && p["numeric_user_columns"] == nil {
            known.families.removeAll { $0.name == "<column>_<value>" }
        }
        return known
    }

    /// Validate-time: the events columns the parameters name, and the filters.
    static func checkColumns(_ stage: StageSpec, events: KnownColumns) -> [Diagnostic] {
        var out: [Diagnostic] = []
        let given = Set(stage.paramLocations.keys)
        for p in [
            "user_column", "timestamp_column", "item_column", "quantity_column", "price_column", "order_column",
            "amount_column", "event_column",
        ] {
            // Defaulted optional columns may be absent (no quantity: 1; no event column: purchases).
            guard ["user_column", "timestamp_column"].contains(p) || given.contains(p),
                let c = stage.params[p]?.stringValue
            else { continue }
            if let d = events.problem(c, what: p, stage: stage.name, at: stage.paramLocations[p] ?? stage.location) {
                out.append(d)
            }
        }
        for p in ["purchase_when", "returns_when"] {
            guard let text = stage.params[p]?.stringValue, let f = try? FilterExpression(parsing: text) else {
                continue
            }
            out += events.check(f, stage: stage.name, what: p, at: stage.paramLocations[p] ?? stage.location)
        }
        return out
    }
}
