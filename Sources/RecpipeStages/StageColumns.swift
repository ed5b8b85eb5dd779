import Foundation
import RecpipeCore
import RecpipeData
import RecpipeSpec

/// The columns a stage's table will have, known before anything runs: from an ingest's schema or
/// its file's header, through clean, to encode's feature list, cluster's and tag's profile
/// columns. Drives validate-time column checks and `recpipe columns`.
package struct KnownColumns: Sendable {
    package struct Entry: Sendable {
        package var name: String
        package var type: String
        package var doc: String
        /// The type was inferred from a few lines (the run may infer another from more).
        package var inferred = false
    }

    package var entries: [Entry]
    /// Data-dependent families (`share_<value>`): any name with the prefix may exist.
    package var families: [Entry] = []
    /// Whether a name outside `entries` and `families` surely does not exist.
    package var complete: Bool

    package var names: [String] { entries.map(\.name) }

    package func has(_ name: String) -> Bool {
        names.contains(name) || families.contains { name.hasPrefix($0.name.components(separatedBy: "<")[0]) }
    }

    /// An error for `name` when it surely is not a column: did-you-mean and the column list.
    package func problem(_ name: String, what: String, stage: String, at location: SourceLocation?) -> Diagnostic? {
        guard complete, !has(name) else { return nil }
        let list = (names + families.map(\.name)).joined(separator: ", ")
        return .error(
            "unknown-column", "stage '\(stage)': \(what) names column '\(name)', which its input does not have",
            at: location,
            hint: (Suggestions.hint(for: name, in: names).map { $0 + " " } ?? "") + "columns: \(list)")
    }

    /// Columns with a declared (not inferred) type, for type checks of filters.
    package var typedFields: [Field] {
        entries.filter { !$0.inferred }.compactMap { e in ColumnType(rawValue: e.type).map { Field(e.name, $0) } }
    }

    /// Every column with some type, for unknown-column checks of filters.
    package var fields: [Field] {
        entries.compactMap { e in ColumnType(rawValue: e.type).map { Field(e.name, $0) } }
    }

    /// Problems of `filter` against these columns: unknown columns (when complete) and literal
    /// types against declared types.
    package func check(_ filter: FilterExpression, stage: String, what: String, at location: SourceLocation?)
        -> [Diagnostic]
    {
        if !has(filter.column) {
            return problem(filter.column, what: "\(what) '\(filter.text)'", stage: stage, at: location).map { [$0] }
                ?? []
        }
        guard typedFields.contains(where: { $0.name == filter.column }) else { return [] }
        return filter.check(against: typedFields).map { d in
            .error(d.code, "stage '\(stage)': \(d.message)", at: location, hint: d.hint)
        }
    }
}

package enum StageColumns {
    /// The columns a kind documents for `recpipe stages KIND` (every optional one included).
    package static func documented(kind: String) -> (title: String, columns: KnownColumns)? {
        switch kind {
        case "encode":
            (
                "target: user_features — one row per user",
                UserFeaturesStage.columnDocs(
                    eventColumn: true, itemColumn: true, windows: [30, 90], rfm: true, shares: true, scaled: true)
            )
        default: nil
        }
    }

    /// The known columns of stage `name`'s output, or nil when it is not a table or unknown.
    package static func of(_ name: String, in pipeline: PipelineSpec, depth: Int = 0) -> KnownColumns? {
        guard depth < 64, let stage = pipeline.stage(name) else { return nil }
        func input(_ port: String) -> KnownColumns? {
            stage.inputs[port]?.first.flatMap { of($0, in: pipeline, depth: depth + 1) }
        }
        switch stage.kind {
        case "ingest": return IngestStage.knownColumns(stage, base: pipeline.baseDirectory)
        case "clean":
            guard var c = input("table") else { return nil }
            for cast in (try? CleanStage.casts(stage)) ?? [] {
                if let i = c.entries.firstIndex(where: { $0.name == cast.column }) {
                    c.entries[i].type = cast.type.rawValue
                }
            }
            return c
        case StageSpec.dropHeldOutKind: return input("data")  // the same columns, fewer rows
        case "encode" where stage.params["target"]?.stringValue == "user_features":
            return UserFeaturesStage.knownColumns(stage, events: input("events"))
        case "cluster":
            return KnownColumns(
                entries: [
                    .init(name: "user_id", type: "string", doc: "user id"),
                    .init(name: "segment", type: "int", doc: "segment number"),
                    .init(name: "segment_name", type: "string", doc: "segment name (generated or from `names`)"),
                ], complete: true)
        case "tag":
            guard var c = input("features") else { return nil }
            if stage.inputs["segments"] != nil {
                c.entries += [
                    .init(name: "segment", type: "int", doc: "segment number (segments input)"),
                    .init(name: "segment_name", type: "string", doc: "segment name"),
                ]
            }
            c.entries.append(.init(name: "tags", type: "string", doc: "the user's tags, comma-separated"))
            return c
        case "lua": return LuaStage.knownColumns(stage, pipeline, data: input("data"))
        case "rank":
            let extra = (stage.params["item_columns"]?.stringList ?? []).map {
                KnownColumns.Entry(name: $0, type: "string", doc: "the item's '\($0)' (item_columns)")
            }
            return KnownColumns(
                entries: [
                    .init(name: "user_id", type: "string", doc: "user id"),
                    .init(name: "rank", type: "int", doc: "1 = first"),
                    .init(name: "item_id", type: "string", doc: "recommended item"),
                ] + extra + [
                    .init(name: "score", type: "float", doc: "blended score after promotions"),
                    .init(name: "provenance", type: "string", doc: "why: sources, their scores, rules applied"),
                ], complete: true)
        case "evaluate":
            return KnownColumns(
                entries: [
                    .init(name: "model", type: "string", doc: "model input (or popularity baseline)"),
                    .init(name: "metric", type: "string", doc: "precision@k, recall@k, ndcg@k, …"),
                    .init(name: "group", type: "string", doc: "segment or group (empty: all users)"),
                    .init(name: "value", type: "float", doc: "the metric's value (null: undefined)"),
                ], complete: true)
        default: return nil
        }
    }
}
