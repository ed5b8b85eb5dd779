import RecpipeCore
import RecpipeScripting
import RecpipeSpec

/// Validate-time check of the fields a plugin reads, against what the stage binds to each
/// parameter: `row` (map `fn`, aggregate `step`) = the data input's columns, aggregate `finish`'s
/// key = the `by` columns (more than one), candidates `u` = the users input's columns (with `items`
/// and the membership methods), `ctx` = `as_of`, `params`, `items`, `neighbors`, `scores`, `ctx.items[id]` =
/// the items table's columns and `ctx.neighbors[id]` = `items`, `scores`. An aggregate's
/// accumulator is the plugin's own table and is not checked.
extension LuaStage {
    /// The check for stage `spec`; `by` is the aggregate's group columns, when it registers one.
    static func fieldCheck(_ spec: StageSpec, _ pipeline: PipelineSpec, by: [String]?) -> RuleFieldCheck {
        let row = dataRecord(spec, pipeline)
        let key = by.flatMap { keyRecord($0) }
        let user = userRecord(spec, pipeline)
        let item = itemRecord(spec, pipeline)
        return RuleFieldCheck(reads: { read in
            switch (read.ruleKind, read.slot, read.parameter, read.path) {
            case ("map", "fn", 0, []), ("aggregate", "step", 1, []): row
            case ("aggregate", "finish", 1, []): key
            case ("candidates", "fn", 0, []): user
            case ("candidates", "fn", 1, []): contextRecord
            case ("candidates", "fn", 1, let path) where path.count == 2 && path[0] == "items": item
            case ("candidates", "fn", 1, let path) where path.count == 2 && path[0] == "neighbors": neighborRecord
            default: nil
            }
        })
    }

    /// The field problems of stage `spec`'s plugin (it registered as `plugin`).
    static func fieldDiagnostics(_ spec: StageSpec, _ pipeline: PipelineSpec, plugin: RegisteredRule) -> [Diagnostic] {
        guard case .success(let script) = Self.script(spec, pipeline), let p = spec.params["script"]?.stringValue
        else { return [] }
        let file = PipelinePath.resolve(p, base: pipeline.baseDirectory)
        return fieldCheck(spec, pipeline, by: plugin.kind == .aggregate ? plugin.by : nil)
            .diagnostics(.init(file: file, text: script.text))
    }

    // MARK: - Records

    static func record(_ role: String, _ names: [String], noun: String, source: String) -> RuleFieldCheck.Record {
        .init(
            role: role, source: source,
            columns: KnownColumns(entries: names.map { .init(name: $0, type: "", doc: "") }, complete: true),
            noun: noun)
    }

    static func dataRecord(_ spec: StageSpec, _ pipeline: PipelineSpec) -> RuleFieldCheck.Record? {
        guard let data = spec.inputs["data"]?.first, let columns = StageColumns.of(data, in: pipeline) else {
            return nil
        }
        return .init(
            role: "row", source: "see `recpipe columns PIPELINE \(data)`", columns: columns,
            noun: "a row of the data input (stage '\(data)')")
    }

    static func keyRecord(_ by: [String]) -> RuleFieldCheck.Record {
        by.count == 1
            ? record(
                "key", [], noun: "the group key",
                source: "with one `by` column the key is its value (\(by[0])), not a record")
            : record("key", by, noun: "the group key", source: "the key holds the `by` columns")
    }

    /// `u`: the users input's columns (else `user_id`), and `items` when `seen` is connected.
    static func userRecord(_ spec: StageSpec, _ pipeline: PipelineSpec) -> RuleFieldCheck.Record? {
        let items = (spec.inputs["seen"] ?? []).isEmpty ? [] : ["items"]
        guard let users = spec.inputs["users"]?.first else {
            return record(
                "user", ["user_id"] + items, noun: "u",
                source: "'\(spec.name)' has no users input, so only user_id\(items.isEmpty ? "" : " and items")")
        }
        guard var columns = StageColumns.of(users, in: pipeline) else { return nil }
        if !items.isEmpty && !columns.has("items") { columns.entries.append(.init(name: "items", type: "", doc: "")) }
        return .init(
            role: "user", source: "the users input is stage '\(users)'; see `recpipe columns PIPELINE \(users)`",
            columns: columns, noun: "u")
    }

    /// `ctx.items[id]`: the items table's columns; nothing without an items input (`ctx.items` is empty).
    static func itemRecord(_ spec: StageSpec, _ pipeline: PipelineSpec) -> RuleFieldCheck.Record? {
        guard let items = spec.inputs["items"]?.first else {
            return record(
                "item", [], noun: "an item of ctx.items",
                source: "'\(spec.name)' has no items input, so ctx.items is empty; connect `items`")
        }
        guard let columns = StageColumns.of(items, in: pipeline) else { return nil }
        return .init(
            role: "item", source: "the items input is stage '\(items)'; see `recpipe columns PIPELINE \(items)`",
            columns: columns, noun: "an item of ctx.items")
    }

    static let contextRecord = record(
        "ctx", ["as_of", "params", "items", "neighbors", "scores"], noun: "ctx", source: "a candidates plugin's context"
    )

    static let neighborRecord = record(
        "neighbor list", ["items", "scores"], noun: "an entry of ctx.neighbors",
        source: "ctx.neighbors[id] = { items = {…}, scores = {…} }")
}
