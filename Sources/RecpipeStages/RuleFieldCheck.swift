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
        /// `user`, `item` or `segment`, for messages.
        var role: String
        /// Where its fields come from, for messages: `the profiles of stage 'profiles'`.
        var source: String
        var columns: KnownColumns
    }

    /// A script as the stage loads it; an inline script's lines start `lineOffset` lines and
    /// `columnOffset` columns into the YAML.
    struct Script {
        var file: String
        var text: String
        var lineOffset = 0
        var columnOffset = 0
    }

    /// The records bound to a rule's parameters (first, second), by registering function;
    /// nil when the stage does not run that kind of rule or its columns are unknown.
    var records: (_ ruleKind: String) -> [Record?]

    /// Fields every record has besides its columns: the membership methods (`u.has_tag` reads the method).
    static let methods = ScriptRecordSet.allCases.map(\.methodName)

    func diagnostics(_ script: Script) -> [Diagnostic] {
        var out: [Diagnostic] = []
        var seen = Set<SourceLocation>()
        for read in RuleSourceScan.fieldReads(in: script.text) {
            let bound = records(read.ruleKind)
            guard read.parameter < bound.count, let record = bound[read.parameter], record.columns.complete,
                !record.columns.has(read.field), !Self.methods.contains(read.field)
            else { continue }
            let at = SourceLocation(
                file: script.file, line: read.line + script.lineOffset, column: read.column + script.columnOffset)
            guard seen.insert(at).inserted else { continue }
            let names = record.columns.names + record.columns.families.map(\.name)
            let rule = read.rule.map { "\(read.ruleKind) '\($0)'" } ?? "a \(read.ruleKind) rule"
            out.append(
                .error(
                    "unknown-field",
                    "\(rule) reads \(read.object).\(read.field), but the \(record.role) records have no field '\(read.field)' "
                        + "(\(record.source))",
                    at: at,
                    hint: (Self.nearest(read.field, in: names + Self.methods).map { "did you mean '\($0)'? " } ?? "")
                        + "\(record.role) fields: \(names.joined(separator: ", "))"))
        }
        return out
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
    /// (tag `script`, rank `filters`/`promotions`); nil when no stage loads it.
    package static func problems(ofScript path: String, in pipeline: PipelineSpec) -> [Diagnostic]? {
        let target = URL(fileURLWithPath: path).standardizedFileURL.path
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return nil }
        var found = false
        var out: [Diagnostic] = []
        for spec in pipeline.stages {
            let params = spec.kind == "tag" ? ["script"] : spec.kind == "rank" ? ["filters", "promotions"] : []
            for param in params {
                guard let p = spec.params[param]?.stringValue,
                    PipelinePath.resolve(p, base: pipeline.baseDirectory) == target
                else { continue }
                found = true
                let check =
                    spec.kind == "tag"
                    ? RuleFieldCheck { $0 == "tag" ? [TagStage.userRecord(spec, pipeline)] : [] }
                    : RankStage.fieldCheck(spec, pipeline)
                out += check.diagnostics(.init(file: path, text: text))
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
