import Foundation
import RecpipeCore
import RecpipeData
import RecpipeEngine
import RecpipeSpec

/// `clean`: casts, null drops, row filters, de-duplication, outliers and k-core filtering, in that
/// order; the summary reports how many rows each rule removed.
struct CleanStage: Stage {
    static let declaration = StageDeclaration(
        kind: "clean",
        summary: "Drop nulls, filter rows, de-duplicate, handle outliers, cast, k-core filter.",
        aliases: ["filter", "filter_rows", "dropna", "dedup", "preprocess"],
        inputs: [PortSpec("table", accepts: [.table], doc: "the table to clean")],
        params: [
            ParamSpec("cast", .map(.any), doc: "column → type (or {type, format}) to convert first"),
            ParamSpec(
                "cast_failures", .choice(["null", "reject"]), default: .string("null"),
                doc: "a value that does not convert becomes null, or its row is removed"),
            ParamSpec("drop_nulls", .list(.string), doc: "drop rows with a null in any of these columns"),
            ParamSpec(
                "filters", .list(.string),
                doc:
                    "keep rows where every expression holds: `quantity > 0`, `country in [UK, France]`, `x is not null`"
            ),
            ParamSpec("dedupe_on", .list(.string), doc: "drop rows repeating these key columns"),
            ParamSpec(
                "dedupe_keep", .choice(["first", "last"]), default: .string("first"), doc: "which duplicate to keep"),
            ParamSpec("dedupe_order_by", .string, doc: "order duplicates by this column before keeping first/last"),
            ParamSpec(
                "outliers", .list(.any),
                doc: "list of {column, method: iqr|zscore, k: 1.5, threshold: 3, action: drop|clip}"),
            ParamSpec("user_column", .string, default: .string("user_id"), doc: "user id column for k-core filtering"),
            ParamSpec("item_column", .string, default: .string("item_id"), doc: "item id column for k-core filtering"),
            ParamSpec(
                "min_user_events", .int, default: .int(0), range: 0...1e9,
                doc: "iteratively drop users with fewer rows (k-core)"),
            ParamSpec(
                "min_item_events", .int, default: .int(0), range: 0...1e9,
                doc: "iteratively drop items with fewer rows (k-core)"),
        ],
        output: .table,
        check: { stage, pipeline in check(stage, pipeline) })

    func run(_ context: StageContext) async throws -> StageOutput {
        var table = try context.input("table", as: Table.self)
        let rowsIn = table.rowCount
        var counters: [StageOutput.Counter] = []
        func step(_ name: String, _ body: (Table) throws -> CleanResult) throws {
            do {
                let r = try body(table)
                table = r.table
                counters.append(.init(name, r.removed))
                if r.changed > 0 { counters.append(.init("\(name) (changed)", r.changed)) }
            } catch let e as TableError {
                throw StageError("\(name): \(e)", code: .init(rawValue: e.errorCode), at: context.spec.location)
            }
        }
        let failures = context.choice("cast_failures", as: CastFailure.self)
        for c in try Self.casts(context.spec) {
            try step("cast \(c.column)") { try $0.casting(c.column, to: c.type, format: c.format, onFailure: failures) }
        }
        if let cols = context.optionalStrings("drop_nulls"), !cols.isEmpty {
            try step("drop_nulls") { try $0.droppingNulls(in: cols) }
        }
        for f in try Self.filters(context.spec) {
            try step("filter \(f.text)") { try $0.filtered(by: [f]) }
        }
        if let keys = context.optionalStrings("dedupe_on"), !keys.isEmpty {
            let keep = context.choice("dedupe_keep", as: DedupKeep.self)
            try step("dedupe") {
                try $0.deduplicated(on: keys, keep: keep, orderBy: context.optionalString("dedupe_order_by"))
            }
        }
        for o in try Self.outliers(context.spec) {
            try step("outliers \(o.column)") {
                try $0.handlingOutliers(in: o.column, method: o.method, action: o.action)
            }
        }
        let minU = context.int("min_user_events"), minI = context.int("min_item_events")
        if minU > 0 || minI > 0 {
            try step("k-core") {
                try $0.kCore(
                    userColumn: context.string("user_column"), itemColumn: context.string("item_column"),
                    minUserEvents: minU, minItemEvents: minI)
            }
        }
        return StageOutput(table, rowsIn: rowsIn, rowsOut: table.rowCount, counters: counters)
    }

    // MARK: - Parameters

    static func filters(_ stage: StageSpec) throws -> [FilterExpression] {
        try (stage.params["filters"]?.stringList ?? []).map { text in
            do {
                return try FilterExpression(parsing: text)
            } catch {
                throw StageError("\(error)", code: .invalidParam, at: stage.paramLocations["filters"] ?? stage.location)
            }
        }
    }

    static func casts(_ stage: StageSpec) throws -> [(column: String, type: ColumnType, format: String?)] {
        try (stage.params["cast"]?.mapValue ?? []).map { e in
            let name = e.value.stringValue ?? e.value["type"]?.stringValue ?? ""
            guard let t = ColumnType(rawValue: name) else {
                throw StageError(
                    "cast of '\(e.key)': unknown type '\(name)'", code: .invalidParam, at: stage.paramLocations["cast"],
                    hint: Suggestions.hint(for: name, in: ColumnType.allCases.map(\.rawValue))
                        ?? "types: int, float, string, bool, timestamp")
            }
            return (e.key, t, e.value["format"]?.stringValue)
        }
    }

    static func outliers(_ stage: StageSpec) throws -> [(column: String, method: OutlierMethod, action: OutlierAction)]
    {
        let loc = stage.paramLocations["outliers"]
        return try (stage.params["outliers"]?.listValue ?? []).map { v in
            guard let m = v.mapValue else {
                throw StageError(
                    "each outliers entry must be a mapping {column, method, action}", code: .invalidParam, at: loc)
            }
            let allowed = ["column", "method", "k", "threshold", "action"]
            for k in m.map(\.key) where !allowed.contains(k) {
                throw StageError(
                    "outliers: unknown key '\(k)'", code: .invalidParam, at: loc,
                    hint: Suggestions.hint(for: k, in: allowed) ?? "keys: \(allowed.joined(separator: ", "))")
            }
            guard let column = v["column"]?.stringValue else {
                throw StageError("outliers entry needs a `column`", code: .invalidParam, at: loc)
            }
            let method: OutlierMethod
            switch v["method"]?.stringValue ?? "iqr" {
            case "iqr": method = .iqr(k: v["k"]?.doubleValue ?? 1.5)
            case "zscore": method = .zscore(threshold: v["threshold"]?.doubleValue ?? 3)
            case let other:
                throw StageError("outliers method '\(other)' is not iqr or zscore", code: .invalidParam, at: loc)
            }
            guard let action = OutlierAction(rawValue: v["action"]?.stringValue ?? "drop") else {
                throw StageError("outliers action must be drop or clip", code: .invalidParam, at: loc)
            }
            return (column, method, action)
        }
    }

    /// Validate-time: parse every rule, and check filters against the upstream ingest's schema
    /// when it declares one.
    static func check(_ stage: StageSpec, _ pipeline: PipelineSpec) -> [Diagnostic] {
        var out: [Diagnostic] = []
        func record(_ body: () throws -> Void) {
            do { try body() } catch let e as StageError {
                out.append(
                    .error(
                        "invalid-param", "stage '\(stage.name)': \(e.message)", at: e.location ?? stage.location,
                        hint: e.hint))
            } catch {
                out.append(.error("invalid-param", "stage '\(stage.name)': \(error)", at: stage.location))
            }
        }
        record { _ = try casts(stage) }
        record { _ = try outliers(stage) }
        var parsed: [FilterExpression] = []
        record { parsed = try filters(stage) }
        guard let input = stage.inputs["table"]?.first, let known = StageColumns.of(input, in: pipeline) else {
            return out
        }
        let at = { (p: String) in stage.paramLocations[p] ?? stage.location }
        for f in parsed { out += known.check(f, stage: stage.name, what: "filter", at: at("filters")) }
        var named: [(String, String)] = []
        for p in ["drop_nulls", "dedupe_on"] { named += (stage.params[p]?.stringList ?? []).map { (p, $0) } }
        if let c = stage.params["dedupe_order_by"]?.stringValue { named.append(("dedupe_order_by", c)) }
        for c in (try? casts(stage)) ?? [] { named.append(("cast", c.column)) }
        for o in (try? outliers(stage)) ?? [] { named.append(("outliers", o.column)) }
        if (stage.params["min_user_events"]?.intValue ?? 0) > 0 || (stage.params["min_item_events"]?.intValue ?? 0) > 0
        {
            for p in ["user_column", "item_column"] { if let c = stage.params[p]?.stringValue { named.append((p, c)) } }
        }
        for (p, c) in named {
            if let d = known.problem(c, what: p, stage: stage.name, at: at(p)) { out.append(d) }
        }
        return out
    }
}
