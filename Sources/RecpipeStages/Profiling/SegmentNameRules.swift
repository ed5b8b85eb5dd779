import Foundation
import RecpipeCore
import RecpipeData
import RecpipeEngine
import RecpipeScripting
import RecpipeSpec

/// Segment names from Lua `name_segment` rules (the cluster stage's `names_script`), so names
/// follow what a segment is rather than which column happened to be most distinctive this run.
///
/// Each segment's summary is the record `s`: `segment`, `name` (generated, or from `names`),
/// `size`, `share` (0–1), per clustered column its mean in the column's units (`s.monetary`) and
/// that mean over the mean of all users (`s.monetary_index`, 1 = average; nil when the overall
/// mean is 0), and `rfm_mix` / `top_rfm` when the features have RFM segments. Segments are named
/// in segment order; for each, the rules run in file order and the first that answers names it
/// (`true`: the rule's name; a string: that name). A segment no rule names keeps its name; a
/// name already given to an earlier segment gets ` 2`, ` 3`, … and a warning.
struct SegmentNameRules {
    static let param = ParamSpec(
        "names_script", .path,
        doc:
            "Lua script of name_segment(\"Big spenders\", function(s) return s.monetary_index >= 2 end) rules naming segments from their summary (first matching rule wins; see docs/guides/lua-rules.md)"
    )

    struct Outcome {
        var names: [String]
        var notes: [String] = []
        var warnings: [String] = []
    }

    var script: String
    var file: String
    var asOf: String
    var seed: UInt64

    // MARK: - Summary records

    /// The summary fields every segment record has, for `columns` clustered.
    static func fieldNames(columns: [String], rfm: Bool) -> [String] {
        ["segment", "name", "size", "share"] + columns.flatMap { [$0, $0 + "_index"] }
            + (rfm ? ["rfm_mix", "top_rfm"] : [])
    }

    /// One record per segment; `overallMeans` are each column's mean over all users.
    static func records(_ s: Segments, overallMeans: [Double]) -> DictionaryRecordSource {
        let d = s.featureNames.count
        let total = max(1, s.users.count)
        let rfm = !s.rfmMix.isEmpty
        let records = (0..<s.k).map { c -> DictionaryRecordSource.Record in
            var fields: [String: ScriptValue] = [
                "segment": .int(Int64(c)), "name": .string(s.names[c]), "size": .int(Int64(s.sizes[c])),
                "share": .double(Double(s.sizes[c]) / Double(total)),
            ]
            for (j, column) in s.featureNames.enumerated() {
                let mean = s.centroids[c * d + j]
                fields[column] = .double(mean)
                fields[column + "_index"] = overallMeans[j] != 0 ? .double(mean / overallMeans[j]) : .null
            }
            if rfm {
                fields["rfm_mix"] = .string(s.rfmMix[c])
                let top = s.rfmMix[c].components(separatedBy: ", ").first ?? ""
                fields["top_rfm"] = .string(top.split(separator: " ").dropLast().joined(separator: " "))
            }
            return .init(id: "segment \(c)", fields: fields)
        }
        return DictionaryRecordSource(records: records, fieldNames: fieldNames(columns: s.featureNames, rfm: rfm))
    }

    // MARK: - Naming

    /// The names after the rules, with a note per rule and segment and warnings for repeated names.
    func apply(_ s: Segments, overallMeans: [Double]) throws -> Outcome {
        let lua: LuaRuntime
        do throws(RuleError) {
            lua = try LuaRuntime(limits: .init(), context: .init(asOf: asOf, seed: seed))
            try lua.load(source: script, chunkName: file)
        } catch {
            throw StageError(error.messageWithContext, code: .init(rawValue: error.errorCode), at: error.location)
        }
        lua.bind(users: Self.records(s, overallMeans: overallMeans))
        let rules = lua.ruleIndices(of: .nameSegment)
        var out = Outcome(names: s.names)
        var namedBy = [[Int]](repeating: [], count: rules.count)
        var used: [String: Int] = [:]
        for c in 0..<s.k {
            for (slot, index) in rules.enumerated() {
                let answer: String?
                do throws(RuleError) {
                    answer = try lua.evaluateSegmentName(index, segment: c)
                } catch {
                    throw StageError(
                        "\(error.message) (rule '\(error.rule ?? "?")', segment \(c) '\(s.names[c])')",
                        code: .init(rawValue: error.errorCode), at: error.location)
                }
                guard var name = answer else { continue }
                if let earlier = used[name] {
                    var n = 2
                    while used["\(name) \(n)"] != nil { n += 1 }
                    let rule = lua.rules[index]
                    out.warnings.append(
                        "name_segment '\(rule.name)' (\(rule.file):\(rule.line)) gave segment \(c) the name '\(name)' of segment \(earlier): "
                            + "it is called '\(name) \(n)'; make the rules tell these segments apart")
                    name += " \(n)"
                }
                used[name] = c
                out.names[c] = name
                namedBy[slot].append(c)
                break
            }
        }
        for (slot, index) in rules.enumerated() {
            let rule = lua.rules[index]
            let named = namedBy[slot].map { "\($0) '\(out.names[$0])'" }
            out.notes.append(
                "rule name_segment '\(rule.name)' (\(rule.file):\(rule.line)): "
                    + (named.isEmpty
                        ? "named no segment"
                        : "named segment\(named.count == 1 ? "" : "s") \(named.joined(separator: ", "))"))
        }
        let unnamed = (0..<s.k).filter { c in !namedBy.contains { $0.contains(c) } }
        if rules.isEmpty { out.warnings.append("names_script '\(file)' registers no name_segment rules") }
        if !unnamed.isEmpty && !rules.isEmpty {
            out.notes.append(
                "no name_segment rule matched segment\(unnamed.count == 1 ? "" : "s") "
                    + unnamed.map { "\($0) (kept '\(out.names[$0])')" }.joined(separator: ", "))
        }
        for line in lua.printed.prefix(5) { out.notes.append("printed by the rules: \(line)") }
        return out
    }

    // MARK: - Validation

    /// Validate-time: the script exists and loads, registers only name_segment rules, and reads
    /// only summary fields (when the clustered columns are known).
    static func check(_ spec: StageSpec, _ pipeline: PipelineSpec) -> [Diagnostic] {
        guard let p = spec.params["names_script"]?.stringValue else { return [] }
        let at = spec.paramLocations["names_script"] ?? spec.location
        let path = PipelinePath.resolve(p, base: pipeline.baseDirectory)
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            return [
                .error(
                    "missing-file", "names_script: rules script '\(p)' not found or unreadable (looked at \(path))",
                    at: at)
            ]
        }
        let result = RuleChecker.check(source: text, file: path, context: .init(asOf: pipeline.asOf ?? "1970-01-01"))
        var out = result.errors.map(\.diagnostic)
        guard result.isValid else { return out }
        for r in result.rules where r.kind != .nameSegment {
            out.append(
                Diagnostic(
                    .warning, code: "lua-registration",
                    "names_script: a \(r.kind.rawValue) rule ('\(r.name)') has no effect in a cluster stage",
                    at: SourceLocation(file: r.file, line: r.line, column: 1),
                    hint: "a names_script holds name_segment rules"))
        }
        if let columns = spec.params["columns"]?.stringList {
            let names = fieldNames(columns: columns, rfm: true)
            let record = RuleFieldCheck.Record(
                role: "segment", source: "the summary of each segment of '\(spec.name)'",
                columns: KnownColumns(entries: names.map { .init(name: $0, type: "", doc: "") }, complete: true))
            out += RuleFieldCheck { $0 == "name_segment" ? [record] : [] }.diagnostics(.init(file: path, text: text))
        }
        return out
    }
}
