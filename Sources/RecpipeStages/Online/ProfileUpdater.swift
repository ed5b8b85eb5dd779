import RecpipeAlgorithms
import RecpipeData
import RecpipeSpec

/// Updates one user's profile row event by event, with the definitions of ``UserFeaturesBuilder``
/// (recency, frequency, monetary, avg_basket, event counts, windows, category shares), the
/// transaction totals of ``TransactionTotals`` (units, distinct items, orders, basket size,
/// tenure, order rhythm, returns) and the RFM scores placed against the batch's distribution (its
/// quantiles are not recomputed). Which events are purchases and returns is decided by the caller
/// with the encoder's `purchase_when` / `returns_when` (``Event/kind``), as the batch decides.
///
/// Days are UTC days; an event dated after the batch's as-of day counts on the as-of day (the
/// batch leaves such events out; the server keeps them at recency 0). An order value (or, without
/// `order_column`, a purchase time) the server has not seen for the user is a new order, and an
/// item not in the user's batch seen/purchased set is a new distinct item. Columns the batch does
/// not have are not added; `price_index` and `segment` keep their batch values.
package struct ProfileUpdater: Sendable {
    package let schema: [Field]
    let column: [String: Int]
    let asOfDay: Int
    let windows: [Int]
    let purchaseEvent: String
    /// Whether orders are told apart by an order column (else by purchase time).
    let hasOrderColumn: Bool
    /// Category value → its `share_` column.
    let shareColumn: [String: Int]
    let rKeys: [Double], fKeys: [Double], mKeys: [Double]

    /// One event, as the feature encoder reads it.
    package struct Event: Sendable {
        package var item: String
        package var type: String?
        /// Unix seconds, nil when unknown.
        package var time: Int64?
        /// Spend: quantity × price, or the `amount_column` (0 when unknown); for a return, its value.
        package var amount: Double
        package var kind: Kind
        /// The row's quantity (1 when missing).
        package var quantity: Double
        /// The `order_column` value, if the encoder has one.
        package var order: String?

        /// What the encoder counts the row as.
        package enum Kind: Sendable, Equatable {
            case purchase, `return`, other
        }

        package init(
            item: String, type: String?, time: Int64?, amount: Double, kind: Kind, quantity: Double = 1,
            order: String? = nil
        ) {
            self.item = item
            self.type = type
            self.time = time
            self.amount = amount
            self.kind = kind
            self.quantity = quantity
            self.order = order
        }
    }

    /// What the row alone cannot tell: the user's distinct items per category (shares) and the
    /// days of the events the server saw.
    package struct Totals: Sendable {
        package var items: Set<String> = []
        package var categoryCounts: [String: Int] = [:]
        package var firstDay: Int?
        package var lastDay: Int?
        /// Items the user purchased (batch: the rank stage's purchased or seen set).
        package var purchasedItems: Set<String> = []
        /// Orders (order values, or purchase times without an order column) seen online.
        package var orders: Set<String> = []
        package var firstPurchaseDay: Int?
        package var lastPurchaseDay: Int?
        /// Spend before rounding to cents (the row keeps the rounded sum, as the batch does).
        package var monetary: Double?
        /// A user the batch never saw (their span of active days is the server's to keep).
        package var isNew = false
        package init(isNew: Bool = false) { self.isNew = isNew }
    }

    /// - Parameters: `profiles` the batch profiles (no `tags` column); `encoder` the
    ///   `user_features` encode stage (nil: defaults); `asOf` the pipeline's as-of date.
    package init(profiles: Table, encoder: StageSpec?, asOf: String) {
        schema = profiles.schema
        column = Dictionary(profiles.columnNames.enumerated().map { ($1, $0) }) { a, _ in a }
        asOfDay = Int((Timestamp.date(asOf) ?? 0) / 86_400)
        windows = encoder?.params["windows"]?.listValue?.compactMap(\.intValue) ?? [30, 90]
        purchaseEvent = encoder?.params["purchase_event"]?.stringValue ?? "purchase"
        hasOrderColumn = encoder?.params["order_column"]?.stringValue != nil
        var shares: [String: Int] = [:]
        for (i, name) in profiles.columnNames.enumerated() where name.hasPrefix("share_") { shares[name] = i }
        shareColumn = shares
        func keys(_ name: String, _ higher: Bool) -> [Double] {
            guard let c = profiles.columnIndex(name) else { return [] }
            return RFM.sortedKeys(
                values: (0..<profiles.rowCount).compactMap { profiles.double(row: $0, col: c) }, higherIsBetter: higher)
        }
        rKeys = keys("recency_days", false)
        fKeys = keys("frequency", true)
        mKeys = keys("monetary", true)
    }

    /// The row of a user the batch never saw: id set, counts 0, the rest null.
    package func newRow(user: String, idColumn: String) -> [Value] {
        schema.map { f in
            if f.name == idColumn { return .string(user) }
            if f.name == "price_index" { return .double(1) }
            if ["segment", "segment_name", "top_category", "rfm_segment", "recency_days"].contains(f.name) {
                return .null
            }
            switch f.type {
            case .int: return .int(0)
            case .float: return .double(0)
            default: return .null
            }
        }
    }

    /// Each user's first and last event day in the encoder's events table (events after the
    /// as-of day left out, as the batch does), so `active_span_days` can grow online. O(rows).
    package func eventDays(_ events: Table, userColumn: String, timestampColumn: String) -> [String: (
        first: Int, last: Int
    )] {
        guard let u = events.columnIndex(userColumn), let t = events.columnIndex(timestampColumn) else { return [:] }
        var out: [String: (first: Int, last: Int)] = [:]
        for r in 0..<events.rowCount {
            guard let time = events.timestamp(row: r, col: t) ?? events.int(row: r, col: t),
                let user = events.value(row: r, col: u).idText
            else { continue }
            let day = Int(floorDiv(time, 86_400))
            guard day <= asOfDay else { continue }
            if let d = out[user] {
                out[user] = (min(d.first, day), max(d.last, day))
            } else {
                out[user] = (day, day)
            }
        }
        return out
    }

    /// The purchase days of a batch row (first from `tenure_days`, last from `recency_days`),
    /// when the row has purchases; call once when a batch user is first seen online.
    package func startTotals(_ totals: inout Totals, row: [Value]) {
        guard (int(row, "purchases") ?? int(row, "frequency") ?? 0) > 0 else { return }
        if let tenure = int(row, "tenure_days") { totals.firstPurchaseDay = asOfDay - Int(tenure) }
        if let recency = int(row, "recency_days") { totals.lastPurchaseDay = asOfDay - Int(recency) }
    }

    /// Applies `e` to `row` (a row of ``schema``); `category` is the item's category, if known.
    package func apply(_ e: Event, category: String?, to row: inout [Value], totals: inout Totals) {
        let day = e.time.map { min(asOfDay, Int(floorDiv($0, 86_400))) }
        let purchase = e.kind == .purchase
        let hadPurchase = (int(row, "frequency") ?? 0) > 0 || (int(row, "purchases") ?? 0) > 0
        add(&row, "events", 1)
        if let t = e.type, t != purchaseEvent { add(&row, OnlineFeatures.typeColumn(t, purchase: purchaseEvent), 1) }
        if purchase { add(&row, "purchases", 1) }
        if let day {
            let age = Int64(asOfDay - day)
            if purchase || !hadPurchase {
                let old = purchase && !hadPurchase ? nil : int(row, "recency_days")
                set(&row, "recency_days", .int(min(old ?? age, age)))
            }
            totals.firstDay = min(totals.firstDay ?? day, day)
            totals.lastDay = max(totals.lastDay ?? day, day)
            set(&row, "active_span_days", .int(Int64(totals.lastDay! - totals.firstDay!)))
        }
        if purchase { applyPurchase(e, day: day, to: &row, totals: &totals) }
        if e.kind == .return {
            add(&row, "returns", 1)
            addDouble(&row, "returned_units", abs(e.quantity))
            addMoney(&row, "returned_value", abs(e.amount))
        }
        updateOrderRhythm(&row, totals)
        if totals.items.insert(e.item).inserted, let category { totals.categoryCounts[category, default: 0] += 1 }
        updateShares(&row, totals)
        updateRFM(&row)
    }

    private func applyPurchase(_ e: Event, day: Int?, to row: inout [Value], totals: inout Totals) {
        let order = hasOrderColumn ? e.order : e.time.map(String.init)
        // Without an order column every purchase row counts for frequency; with one, each new order.
        let newOrder = order.map { totals.orders.insert($0).inserted } ?? false
        if newOrder || !hasOrderColumn { add(&row, "frequency", 1) }
        if newOrder { add(&row, "orders", 1) }
        let monetary = (totals.monetary ?? double(row, "monetary") ?? 0) + e.amount
        totals.monetary = monetary
        set(&row, "monetary", .double(Self.round2(monetary)))
        let f = Double(int(row, "frequency") ?? 0)
        set(&row, "avg_basket", .double(f > 0 ? Self.round2(monetary / f) : 0))
        addDouble(&row, "units", e.quantity)
        if totals.purchasedItems.insert(e.item).inserted { add(&row, "distinct_items", 1) }
        if let day {
            totals.firstPurchaseDay = min(totals.firstPurchaseDay ?? day, day)
            totals.lastPurchaseDay = max(totals.lastPurchaseDay ?? day, day)
            for w in windows where asOfDay - w < day && day <= asOfDay {
                if newOrder || !hasOrderColumn { add(&row, "frequency_\(w)d", 1) }
                addMoney(&row, "spend_\(w)d", e.amount)
            }
        }
    }

    /// Basket size, tenure, days between orders, orders a month and return rate from the counts.
    private func updateOrderRhythm(_ row: inout [Value], _ totals: Totals) {
        guard column["orders"] != nil else { return }
        let orders = Double(int(row, "orders") ?? 0)
        let units = double(row, "units") ?? 0
        set(&row, "avg_basket_size", .double(orders > 0 ? Self.round2(units / orders) : 0))
        let first = totals.firstPurchaseDay ?? (totals.isNew ? totals.firstDay : nil)
        var tenure = int(row, "tenure_days") ?? 0
        if let first { tenure = Int64(max(0, asOfDay - first)) }
        set(&row, "tenure_days", .int(tenure))
        let gap: Double
        if let f = totals.firstPurchaseDay, let l = totals.lastPurchaseDay, orders > 0 {
            gap = orders == 1 ? Double(max(0, asOfDay - l)) : Self.round2(Double(l - f) / (orders - 1))
        } else {
            gap = Double(tenure)
        }
        set(&row, "mean_days_between_orders", .double(gap))
        set(&row, "orders_per_month", .double(Self.round2(orders / max(1, Double(tenure + 1) / 30.4375))))
        let purchases = Double(int(row, "purchases") ?? 0), returns = Double(int(row, "returns") ?? 0)
        set(&row, "return_rate", .double(purchases + returns == 0 ? 0 : returns / (purchases + returns)))
    }

    private func updateShares(_ row: inout [Value], _ totals: Totals) {
        let total = totals.categoryCounts.values.reduce(0, +)
        guard total > 0 else { return }
        // Each category's column name once (not once per share column).
        var present = Set<String>()
        for (category, n) in totals.categoryCounts {
            let name = "share_" + ColumnCodes.sanitize(category)
            present.insert(name)
            if let c = shareColumn[name] { row[c] = .double(Double(n) / Double(total)) }
        }
        for (name, c) in shareColumn where !present.contains(name) { row[c] = .double(0) }
        let best = totals.categoryCounts.max { a, b in a.value < b.value || (a.value == b.value && a.key > b.key) }
        if let best { set(&row, "top_category", .string(best.key)) }
    }

    private func updateRFM(_ row: inout [Value]) {
        guard column["r_score"] != nil, let r = double(row, "recency_days"), let f = double(row, "frequency"),
            let m = double(row, "monetary")
        else { return }
        let rs = RFM.score(r, sortedKeys: rKeys, higherIsBetter: false)
        let fs = RFM.score(f, sortedKeys: fKeys, higherIsBetter: true)
        let ms = RFM.score(m, sortedKeys: mKeys, higherIsBetter: true)
        set(&row, "r_score", .int(Int64(rs)))
        set(&row, "f_score", .int(Int64(fs)))
        set(&row, "m_score", .int(Int64(ms)))
        set(&row, "rfm_segment", .string(RFM.segmentLabel(r: rs, f: fs, m: ms)))
    }

    // MARK: - Cells

    private func int(_ row: [Value], _ name: String) -> Int64? {
        guard let c = column[name] else { return nil }
        if case .int(let v) = row[c] { return v }
        return row[c].doubleValue.map { Int64($0) }
    }

    private func double(_ row: [Value], _ name: String) -> Double? { column[name].flatMap { row[$0].doubleValue } }

    private func set(_ row: inout [Value], _ name: String, _ v: Value) {
        if let c = column[name] { row[c] = v }
    }

    private func add(_ row: inout [Value], _ name: String, _ n: Int64) {
        guard let c = column[name] else { return }
        if schema[c].type == .float {
            row[c] = .double((row[c].doubleValue ?? 0) + Double(n))
        } else {
            row[c] = .int((int(row, name) ?? 0) + n)
        }
    }

    private func addDouble(_ row: inout [Value], _ name: String, _ x: Double) {
        set(&row, name, .double((double(row, name) ?? 0) + x))
    }

    private func addMoney(_ row: inout [Value], _ name: String, _ x: Double) {
        set(&row, name, .double(Self.round2((double(row, name) ?? 0) + x)))
    }

    static func round2(_ x: Double) -> Double { (x * 100).rounded() / 100 }

    private func floorDiv(_ a: Int64, _ b: Int64) -> Int64 { a >= 0 ? a / b : -((-a + b - 1) / b) }
}

/// Names the feature encoder gives, for the online profile.
package enum OnlineFeatures {
    /// The count column of event type `type`: `views`, `carts`, `purchases`, else `events_<type>`.
    package static func typeColumn(_ type: String, purchase: String) -> String {
        let c = UserFeaturesBuilder.typeColumns([type], purchase: purchase)
        return c.names[c.slotOf[0]]
    }
}

/// The reading options of an `ingest` stage (schema, renames, formats, nulls), so that the server
/// reads events exactly as the stage reads its file.
package enum OnlineIngest {
    package static func options(_ stage: StageSpec) throws -> IngestOptions { try IngestStage.options(stage) }
}
