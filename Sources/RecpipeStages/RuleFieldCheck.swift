import Foundation
import RecpipeCore
import RecpipeScripting
import RecpipeSpec

/// Validate-time check of the fields rules read (`u.avg_quantity`, `item["categroy"]`) against
/// the columns the stage will bind to each rule parameter: an unknown field is an error at its
/// `file:line:col` with the nearest column as a hint and the list of columns — the same mistake
/// would otherwise stop the run at the first user. Reads are found by
/// ``RuleSourceScan/fieldReads(in:)``; a record whose columns are not known before running
/// (an unreadable header, a data-dependent family) is not checked.
package struct RuleFieldCheck {
    /// What one rule parameter is bound to.
    struct Record {
        /// `user`, `item`, `segment` or `row`, for messages.
        var role: String
        /// Where its fields come from, for messages: `the profiles of stage 'profiles'`.
        var source: String
        var columns: KnownColumns
        /// What has no such field, for messages; `the <role> records` when nil.
        var noun: String? = nil
    }

    /// A script as the stage loads it; an inline script's lines start `lineOffset` lines and
    /// `columnOffset` columns into the YAML.
    struct Script {
        var file: String
        var text: String
        var lineOffset = 0
        var columnOffset = 0
    }

    /// The record a read reaches: by its registering function, the key its function is given
    /// under, its parameter and its path; nil when that is not checked (the stage does not run
    /// that kind of rule, or its columns are unknown).
    var record: (RuleSourceScan.FieldRead) -> Record?

    /// A check of rule parameters themselves (`u.x`, not `u.x.y`): the records bound to a rule's
    /// parameters (first, second), by registering function.
    init(_ records: @escaping (_ ruleKind: String) -> [Record?]) {
        record = { read in
            let bound = records(read.ruleKind)
            return read.path.isEmpty && read.parameter < bound.count ? bound[read.parameter] : nil
        }
    }

    /// A check that binds every read itself (plugins: paths inside parameters, per function).
    init(reads: @escaping (RuleSourceScan.FieldRead) -> Record?) {
        record = reads
    }

    /// Fields every record has besides its columns: the membership methods (`u.has_tag` reads the method).
    static let methods = ScriptRecordSet.allCases.map(\.methodName)

    func diagnostics(_ script: Script) -> [Diagnostic] {
        var out: [Diagnostic] = []
        var seen = Set<SourceLocation>()
        for read in RuleSourceScan.fieldReads(in: script.text) {
            guard let record = record(read), record.columns.complete, !record.columns.has(read.field),
                !Self.methods.contains(read.field)
            else { continue }
            let at = SourceLocation(
                file: script.file, line: read.line + script.lineOffset, column: read.column + script.columnOffset)
            guard seen.insert(at).inserted else { continue }
            let names = record.columns.names + record.columns.families.map(\.name)
            let plugin = RuleSourceScan.pluginKinds.contains(read.ruleKind)
            let rule =
                read.rule.map { "\(plugin ? "plugin" : read.ruleKind) '\($0)'" }
                ?? "a \(read.ruleKind) \(plugin ? "plugin" : "rule")"
            let what = record.noun.map { "\($0) has" } ?? "the \(record.role) records have"
            out.append(
                .error(
                    "unknown-field",
                    "\(rule) reads \(read.object).\(read.field), but \(what) no field "
                        + "'\(read.field)' (\(record.source))",
                    at: at,
                    hint: Self.hint(read.field, record: record.role, names: names)))
        }
        return out
    }

    /// `did you mean 'x'? user fields: a, b`; without fields, only the suggestion (or nil).
    static func hint(_ field: String, record role: String, names: [String]) -> String? {
        let guess = nearest(field, in: names + Self.methods).map { "did you mean '\($0)'?" }
        guard !names.isEmpty else { return guess }
        return (guess.map { $0 + " " } ?? "") + "\(role) fields: \(names.joined(separator: ", "))"
    }

    /// The one name `field` begins (`recency` → `recency_days`), else the closest by edit distance.
    static func nearest(_ field: String, in names: [String]) -> String? {
        let longer = names.filter { $0.count > field.count && $0.lowercased().hasPrefix(field.lowercased()) }
        return longer.count == 1 ? longer[0] : Suggestions.closest(to: field, in: names)
    }

    // MARK: - The records of a stage's inputs

    /// The columns of input `port` of `spec`, as a record; `fallback` when the port is not
    /// connected (the fields a rule sees then), nil when the input's columns are not known.
    static func record(
        _ spec: StageSpec, _ pipeline: PipelineSpec, port: String, role: String, fallback: [String]
    ) -> Record? {
        guard let input = spec.inputs[port]?.first else {
            return Record(
                role: role, source: "'\(spec.name)' has no \(port) input, so only \(fallback.joined(separator: ", "))",
                columns: KnownColumns(
                    entries: fallback.map { .init(name: $0, type: "string", doc: "") }, complete: true))
        }
        guard let columns = StageColumns.of(input, in: pipeline) else { return nil }
        return Record(
            role: role, source: "the \(port) input is stage '\(input)'; see `recpipe columns PIPELINE \(input)`",
            columns: columns)
    }
}

// MARK: - `recpipe rules check`

extension RuleFieldCheck {
    /// The field problems of the script at `path` in every stage of `pipeline` that loads it
    /// (tag and lua `script`, rank `filters`/`promotions`); nil when no stage loads it.
    package static func problems(ofScript path: String, in pipeline: PipelineSpec) -> [Diagnostic]? {
        let target = URL(fileURLWithPath: path).standardizedFileURL.path
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return nil }
        var found = false
        var out: [Diagnostic] = []
        for spec in pipeline.stages {
            let params =
                spec.kind == "tag" || spec.kind == "lua"
                ? ["script"] : spec.kind == "rank" ? ["filters", "promotions"] : []
            for param in params {
                guard let p = spec.params[param]?.stringValue,
                    PipelinePath.resolve(p, base: pipeline.baseDirectory) == target
                else { continue }
                found = true
                switch spec.kind {
                case "lua":
                    if case .success(let plugin) = LuaStage.registered(spec, pipeline) {
                        out += LuaStage.fieldCheck(spec, pipeline, by: plugin.kind == .aggregate ? plugin.by : nil)
                            .diagnostics(.init(file: path, text: text))
                    }
                case "tag":
                    out += RuleFieldCheck { $0 == "tag" ? [TagStage.userRecord(spec, pipeline)] : [] }
                        .diagnostics(.init(file: path, text: text))
                default: out += RankStage.fieldCheck(spec, pipeline).diagnostics(.init(file: path, text: text))
                }
            }
        }
        var seen = Set<String>()
        return found ? out.filter { seen.insert($0.description).inserted } : nil
    }

    /// The field problems of a script against given user and item fields (nil: not checked).
    package static func problems(ofScript path: String, text: String, userFields: [String]?, itemFields: [String]?)
        -> [Diagnostic]
    {
        func record(_ role: String, _ names: [String]?) -> Record? {
            names.map { n in
                Record(
                    role: role, source: "the \(role) fields given",
                    columns: .init(entries: n.map { .init(name: $0, type: "", doc: "") }, complete: true))
            }
        }
        let user = record("user", userFields), item = record("item", itemFields)
        return RuleFieldCheck { $0 == "tag" ? [user] : $0 == "name_segment" ? [] : [user, item] }.diagnostics(
            .init(file: path, text: text))
    }
}
