import Foundation
import RecpipeData
import RecpipeSpec
import RecpipeStages

/// How the pipeline reads events: the ingest stage under its feature encoder (its schema: JSON
/// keys, types, timestamp formats, renames) and the encoder's column names. Request bodies are
/// read by the same JSON Lines reader as `ingest`, so an event the server accepts is one the next
/// batch run accepts from the event log.
package struct EventSchema: Sendable {
    package var ingestStage: String
    var options: IngestOptions
    package var userColumn = "user_id"
    package var itemColumn = "item_id"
    package var eventColumn = "event"
    package var timestampColumn = "timestamp"
    package var quantityColumn = "quantity"
    package var priceColumn = "price"
    /// The feature encoder's transaction settings: which rows are purchases and returns, spend
    /// from an amount column, orders from an order column (see ``UserFeaturesBuilder``).
    package var hasEventColumn = true
    package var purchaseEvent = "purchase"
    var purchaseWhen: FilterExpression?
    var returnsWhen: FilterExpression?
    package var amountColumn: String?
    package var orderColumn: String?
    /// The `clean` row steps between the ingest and each encoder that reads events.
    package var rowFilters: [OnlineRowFilter] = []

    /// Walks from `encoder` (an encode stage) up its events input to the ingest stage.
    init(encoder: StageSpec?, stages: [String: StageSpec]) throws {
        guard let encoder else {
            throw ServeError.setup(
                "cannot find the stage that encodes events (a `user_features` or `interactions` encode stage under the rank stage)"
            )
        }
        var current = encoder.inputs["events"]?.first.flatMap { stages[$0] }
        var hops = 0
        while let s = current, s.kind != "ingest", hops < 32 {
            current = (s.inputs["table"] ?? s.inputs.values.first)?.first.flatMap { stages[$0] }
            hops += 1
        }
        guard let ingest = current, ingest.kind == "ingest" else {
            throw ServeError.setup("cannot find the ingest stage that reads the events of '\(encoder.name)'")
        }
        ingestStage = ingest.name
        options = try OnlineIngest.options(ingest)
        options.onBadRow = .quarantine
        options.maxBadRows = nil
        let p = encoder.params
        userColumn = p["user_column"]?.stringValue ?? userColumn
        itemColumn = p["item_column"]?.stringValue ?? itemColumn
        eventColumn = p["event_column"]?.stringValue ?? eventColumn
        timestampColumn = p["timestamp_column"]?.stringValue ?? timestampColumn
        quantityColumn = p["quantity_column"]?.stringValue ?? quantityColumn
        priceColumn = p["price_column"]?.stringValue ?? priceColumn
        purchaseEvent = p["purchase_event"]?.stringValue ?? purchaseEvent
        amountColumn = p["amount_column"]?.stringValue
        orderColumn = p["order_column"]?.stringValue
        // As the encoder: `event_column: null`, or the default name the data does not have.
        let named = Set((options.schema ?? []).map { $0.rename ?? $0.name })
        if p["event_column"]?.isNull == true {
            hasEventColumn = false
        } else if encoder.paramLocations["event_column"] == nil, options.schema != nil {
            hasEventColumn = named.contains(eventColumn)
        }
        do {
            purchaseWhen = try p["purchase_when"]?.stringValue.map { try FilterExpression(parsing: $0) }
            returnsWhen = try p["returns_when"]?.stringValue.map { try FilterExpression(parsing: $0) }
        } catch {
            throw ServeError.setup("the filters of '\(encoder.name)' do not parse: \(error)")
        }
    }

    /// The JSON keys the schema declares, with types (for error messages and the OpenAPI text).
    package var declared: [(key: String, type: String)] { (options.schema ?? []).map { ($0.name, $0.type.rawValue) } }

    /// One accepted event.
    package struct Parsed: Sendable {
        package var user: String
        package var item: String
        package var type: String?
        package var time: Int64?
        package var quantity: Double?
        package var price: Double?
        /// What the feature encoder counts it as (`purchase_when`, `returns_when`, the type).
        package var kind: ProfileUpdater.Event.Kind = .other
        /// The `amount_column` value, when the encoder has one.
        package var amount: Double?
        /// The `order_column` value, when the encoder has one.
        package var order: String?
        /// Encoders whose `clean` steps drop this event (as they drop the same line in a run).
        package var excludedBy: Set<String> = []
        /// The event as received, one compact JSON line (what the log stores).
        package var line: String
        /// Its keys that are not columns of the ingest's declared schema: logged as received, read
        /// neither here nor by the next run (which counts them).
        package var unreadKeys: [String] = []
    }

    /// A warning naming the keys of `events` that are not columns (sorted), or nil when none is.
    package func unreadKeysWarning(_ events: [Parsed]) -> String? {
        let keys = Set(events.flatMap(\.unreadKeys)).sorted()
        guard !keys.isEmpty else { return nil }
        let count = events.count { !$0.unreadKeys.isEmpty }
        return
            "\(count) event(s) have key(s) \(keys.map { "'\($0)'" }.joined(separator: ", ")) that are not columns of "
            + "'\(ingestStage)': logged as received, but neither the server nor the next run reads them"
    }

    /// The events of a request body: a JSON array of objects, or JSON Lines (one object a line).
    /// Every problem is reported at once (`event N: …`, N from 1); nothing is accepted then.
    package func parse(_ body: Data) throws(ServeError) -> [Parsed] {
        try parse(objects: Self.objects(body))
    }

    /// The events of decoded JSON objects (the log's receive-time key is dropped).
    package func parse(objects: [[String: Any]]) throws(ServeError) -> [Parsed] {
        let objects = objects.map { o in
            var o = o
            o[EventLog.receivedKey] = nil
            return o
        }
        guard !objects.isEmpty else {
            throw .badRequest("the body has no events: send a JSON array of event objects or JSON Lines")
        }
        var lines: [String] = []
        for o in objects {
            guard
                let data = try? JSONSerialization.data(
                    withJSONObject: o, options: [.sortedKeys, .withoutEscapingSlashes])
            else {
                throw .badRequest("an event cannot be written back as JSON")
            }
            lines.append(String(decoding: data, as: UTF8.self))
        }
        let result: IngestResult
        do {
            result = try JSONLinesReader.read(text: lines.joined(separator: "\n"), path: "<request>", options: options)
        } catch {
            throw .badRequest("the events do not fit the schema of '\(ingestStage)': \(error)")
        }
        var problems = result.rejects.map { "event \($0.line): \($0.reason)" }
        let t = result.table
        guard let u = t.columnIndex(userColumn), let i = t.columnIndex(itemColumn) else {
            let keys = declared.map { "\($0.key) (\($0.type))" }.joined(separator: ", ")
            throw .badRequest(
                "events need '\(userColumn)' and '\(itemColumn)'; the schema of '\(ingestStage)' declares: \(keys)")
        }
        let e = t.columnIndex(eventColumn), ts = t.columnIndex(timestampColumn)
        let q = t.columnIndex(quantityColumn), p = t.columnIndex(priceColumn)
        let a = amountColumn.flatMap { t.columnIndex($0) }, o = orderColumn.flatMap { t.columnIndex($0) }
        let purchases = try mask(purchaseWhen, t, "purchase_when"), returns = try mask(returnsWhen, t, "returns_when")
        var dropped: [(encoder: String, keep: [Bool])] = []
        for f in rowFilters where !f.isEmpty {
            do { dropped.append((f.encoder, try f.mask(t))) } catch {
                throw .badRequest(
                    "the events cannot be filtered as the clean stages before '\(f.encoder)' filter them: \(error)")
            }
        }
        // The declared columns, once per request (nil when the schema is inferred: no key is known to be unread).
        let schemaKeys = options.schema.flatMap { $0.isEmpty ? nil : Set($0.map(\.name)) }
        var out: [Parsed] = []
        // Accepted rows keep their order; map each back to its line (rejected lines are skipped).
        let rejected = Set(result.rejects.map(\.line))
        let accepted = (1...lines.count).filter { !rejected.contains($0) }
        for r in 0..<t.rowCount {
            let n = r < accepted.count ? accepted[r] : r + 1
            guard let user = t.value(row: r, col: u).idText, !user.isEmpty else {
                problems.append("event \(n): '\(userColumn)' is missing")
                continue
            }
            guard let item = t.value(row: r, col: i).idText, !item.isEmpty else {
                problems.append("event \(n): '\(itemColumn)' is missing")
                continue
            }
            let unread = schemaKeys.map { keys in objects[n - 1].keys.filter { !keys.contains($0) }.sorted() } ?? []
            var event = Parsed(
                user: user, item: item, type: e.flatMap { t.string(row: r, col: $0) },
                time: ts.flatMap { t.timestamp(row: r, col: $0) },
                quantity: q.flatMap { t.double(row: r, col: $0) }, price: p.flatMap { t.double(row: r, col: $0) },
                amount: a.flatMap { t.double(row: r, col: $0) }, order: o.flatMap { t.value(row: r, col: $0).idText },
                line: lines[n - 1], unreadKeys: unread)
            // As the encoder: a return when `returns_when` holds (default: quantity < 0), else a
            // purchase when the type is the purchase event (any row without an event column)
            // and `purchase_when` holds.
            let quantity = event.quantity.flatMap { $0.isNaN ? nil : $0 } ?? 1
            let isReturn = returns?[r] ?? (quantity < 0)
            let typed = !hasEventColumn || event.type == purchaseEvent
            event.kind = isReturn ? .return : typed && (purchases?[r] ?? true) ? .purchase : .other
            for d in dropped where !d.keep[r] { event.excludedBy.insert(d.encoder) }
            out.append(event)
        }
        guard problems.isEmpty else { throw .badRequest(problems.joined(separator: "; ")) }
        return out
    }

    /// The rows of `t` where `filter` holds (nil without a filter).
    private func mask(_ filter: FilterExpression?, _ t: Table, _ name: String) throws(ServeError) -> [Bool]? {
        guard let filter else { return nil }
        do { return try filter.mask(t) } catch {
            throw .badRequest("the events cannot be classified by \(name) '\(filter.text)': \(error)")
        }
    }

    /// JSON objects of an array body or a JSON Lines body.
    static func objects(_ body: Data) throws(ServeError) -> [[String: Any]] {
        let first = body.first { !($0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09) }
        if first == UInt8(ascii: "[") {
            guard let any = try? JSONSerialization.jsonObject(with: body) else {
                throw .badRequest("the body is not valid JSON")
            }
            guard let array = any as? [Any] else { throw .badRequest("the body is not a JSON array") }
            var out: [[String: Any]] = []
            for (k, v) in array.enumerated() {
                guard let o = v as? [String: Any] else { throw .badRequest("event \(k + 1): not a JSON object") }
                out.append(o)
            }
            return out
        }
        var out: [[String: Any]] = []
        for (k, line) in body.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).enumerated() {
            let trimmed = line.filter { !($0 == 0x20 || $0 == 0x0D || $0 == 0x09) }
            guard !trimmed.isEmpty else { continue }
            guard let any = try? JSONSerialization.jsonObject(with: Data(line)) else {
                throw .badRequest("line \(k + 1): not valid JSON (send a JSON array, or one JSON object per line)")
            }
            guard let o = any as? [String: Any] else { throw .badRequest("line \(k + 1): not a JSON object") }
            out.append(o)
        }
        return out
    }
}
