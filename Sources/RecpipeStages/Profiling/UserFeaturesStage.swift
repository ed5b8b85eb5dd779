import Foundation
import RecpipeAlgorithms
import RecpipeCore
import RecpipeData
import RecpipeEngine

/// `encode target: user_features`: per-user RFM, activity, window, category-share and users-table
/// features (see ``UserFeaturesBuilder`` for every definition), with optional scaled copies whose
/// fitted parameters are kept in the ``FeatureSet``.
enum UserFeaturesStage {
    static func run(_ context: StageContext, events: Table) throws -> StageOutput {
        var b = UserFeaturesBuilder()
        b.userColumn = context.string("user_column")
        b.itemColumn = context.string("item_column")
        // `event_column: null` says there is none; absent, the default column name.
        b.eventColumn = context.optionalString("event_column")
        b.timestampColumn = context.string("timestamp_column")
        b.purchaseEvent = context.string("purchase_event")
        b.quantityColumn = context.string("quantity_column")
        b.priceColumn = context.string("price_column")
        b.orderColumn = context.optionalString("order_column")
        b.amountColumn = context.optionalString("amount_column")
        b.purchaseWhen = try filter("purchase_when", context)
        b.returnsWhen = try filter("returns_when", context)
        var notes: [String] = []
        // An event column left at its default that the data does not have: invoice lines, every
        // row a purchase. Named explicitly, a missing column stays an error.
        if let name = b.eventColumn, events.column(named: name) == nil,
            context.spec.paramLocations["event_column"] == nil
        {
            b.eventColumn = nil
            notes.append(
                "no '\(name)' column: every row is a purchase" + (b.purchaseWhen.map { " where \($0.text)" } ?? "")
                    + ", except returns (\(b.returnsWhen?.text ?? "quantity < 0"))")
        }
        b.windows = context.ints("windows")
        b.rfm = context.bool("rfm")
        b.categoryColumn = context.optionalString("category_shares")
        b.topCategories = context.int("top_categories")
        if let asOf = context.asOf {
            guard let t = Timestamp.date(asOf) else {
                throw StageError(
                    "as_of '\(asOf)' is not a YYYY-MM-DD date", code: .invalidParam, at: context.spec.location)
            }
            b.asOf = t
        }
        let items = try context.optionalInput("items", as: Table.self)
        let users = try context.optionalInput("users", as: Table.self)

        let built: UserFeaturesBuilder.Result
        do {
            built = try b.build(events: events, items: items)
        } catch {
            let at = error.param == "events" ? context.spec.location : context.location(of: error.param)
            throw StageError(error.message, code: error.code, at: at, hint: error.hint)
        }
        var columns = built.columns
        if b.asOf == nil {
            let (y, m, d) = Timestamp.civil(days: built.asOfDay)
            notes.append(
                String(
                    format: "as_of: %04d-%02d-%02d (the latest event; set `as_of` in the pipeline to fix it)", y, m, d))
        }

        // Users-table encodings.
        let encodings = UserTableEncodings(
            oneHot: context.optionalStrings("one_hot") ?? [], label: context.optionalStrings("label_encode") ?? [],
            numeric: context.optionalStrings("numeric_user_columns") ?? [])
        if !encodings.isEmpty {
            guard let users else {
                let param =
                    ["one_hot", "label_encode", "numeric_user_columns"].first { context.param($0) != nil } ?? "one_hot"
                throw StageError(
                    "\(param) needs a `users` input (the users table)", code: .missingInput,
                    at: context.location(of: param))
            }
            do {
                columns += try encodings.columns(users: users, ids: columns[0], userColumn: b.userColumn)
            } catch {
                throw StageError(
                    error.message, code: error.code, at: context.location(of: error.param), hint: error.hint)
            }
        }

        // Scaling.
        var scaling: [FeatureSet.ScaledColumn] = []
        if case let method = context.string("scale"), method != "none" {
            let encoded = UserTableEncodings.encodedNames(columns, oneHot: encodings.oneHot, label: encodings.label)
            let (scaled, fitted) = scale(columns, method: method, exclude: encoded)
            columns += scaled
            scaling = fitted
        }
        try checkFinite(columns, context: context)
        let table = try Table(columns: columns)
        var warnings: [String] = []
        if built.skippedNullUsers > 0 {
            warnings.append("\(built.skippedNullUsers) events without a user id were skipped")
        }
        if built.eventsAfterAsOf > 0 {
            warnings.append("\(built.eventsAfterAsOf) events dated after as_of were left out")
        }
        if built.duplicateItemRows > 0 {
            warnings.append(
                "\(built.duplicateItemRows) rows of the items table repeat an item id; the first row of each is used (as rank does); "
                    + "`unique: \(b.itemColumn)` on the items ingest lists them in its rejects file")
        }
        let suspect = SuspectValues(events, price: b.priceColumn, quantity: b.quantityColumn)
        warnings += suspect.warnings(price: b.priceColumn, quantity: b.quantityColumn)
        notes.append("\(table.rowCount) users × \(table.columnCount - 1) features")
        return StageOutput(
            FeatureSet(table: table, idColumn: "user_id", scaling: scaling), rowsIn: events.rowCount,
            rowsOut: table.rowCount,
            counters: [
                .init("users", table.rowCount), .init("features", table.columnCount - 1),
                .init("purchase_rows", built.purchaseRows), .init("return_rows", built.returnRows),
                .init("events_after_as_of", built.eventsAfterAsOf), .init("skipped_null_users", built.skippedNullUsers),
                .init("duplicate_item_rows", built.duplicateItemRows), .init("negative_prices", suspect.negativePrices),
                .init("huge_quantities", suspect.hugeQuantities),
            ],
            notes: notes, warnings: warnings)
    }

    /// A filter parameter, parsed (one grammar with `clean` filters).
    static func filter(_ name: String, _ context: StageContext) throws -> FilterExpression? {
        guard let text = context.optionalString(name) else { return nil }
        do { return try FilterExpression(parsing: text) } catch {
            throw StageError("\(name): \(error)", code: .invalidParam, at: context.location(of: name))
        }
    }

    // MARK: - Scaling

    /// Scaled copies `<col>_scaled` of every numeric feature except RFM scores and encodings.
    static func scale(_ columns: [Column], method: String, exclude: Set<String>) -> (
        [Column], [FeatureSet.ScaledColumn]
    ) {
        let kind: Scaler.Kind = method == "minmax" ? .minMax : method == "robust" ? .robust : .standard
        let skip: Set<String> = ["r_score", "f_score", "m_score"]
        let chosen = columns.dropFirst().filter { c in
            c.type != .string && c.type != .bool && !skip.contains(c.name) && !exclude.contains(c.name)
        }
        let values = chosen.map { ColumnCodes.numbers($0)! }
        let scaler = Scaler.fit(kind, columns: values)
        // Cannot throw: one array per fitted column.
        let scaled = (try? scaler.transform(columns: values)) ?? values
        let out = zip(chosen, scaled).map { c, v in
            Column(name: c.name + "_scaled", data: .float(v.map { $0.isNaN ? 0 : $0 }), validity: c.validity)
        }
        let fitted = chosen.indices.map { i in
            FeatureSet.ScaledColumn(
                column: chosen[i].name, method: method, center: scaler.centers[i], scale: scaler.scales[i])
        }
        return (out, fitted)
    }

    /// NaN or infinity in any float column is an error naming the feature and the user.
    static func checkFinite(_ columns: [Column], context: StageContext) throws {
        for c in columns {
            guard case .float(let a) = c.data else { continue }
            for (r, x) in a.enumerated() where !x.isFinite && !c.isNull(r) {
                throw StageError(
                    "feature '\(c.name)' is \(x.isNaN ? "NaN" : "infinite") for user '\(columns[0].value(r))'",
                    code: .nonFiniteValue, at: context.spec.location,
                    hint: "that user's events (or users-table row) hold a value too large to add up; bound prices and "
                        + "quantities in the ingest schema, e.g. `price: { type: float, min: 0, max: 100000 }`, so such rows "
                        + "are rejected with their line")
            }
        }
    }
}
