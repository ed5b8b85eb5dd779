import Foundation
import RecpipeCore
import RecpipeData
import RecpipeEngine
import RecpipeScripting
import RecpipeSpec

/// `tag`: runs every Lua `tag` rule over every user of a features/profile table and outputs the
/// profile table: the features, `segment` and `segment_name` (when segments are connected) and
/// `tags` (comma-separated, in rule order). Parallel: fixed chunks of users, one Lua state per worker.
struct TagStage: Stage {
    static let declaration = StageDeclaration(
        kind: "tag",
        summary: "Tag users with Lua rules: the profile table (features, segment, tags) with per-tag counts.",
        aliases: ["tags", "tagging", "rules", "label"],
        inputs: [
            PortSpec("features", accepts: [.features, .table, .profiles], doc: "one row per user (user_id first)"),
            PortSpec("segments", accepts: [.segments], required: false, doc: "k-means segments, joined by user id"),
        ],
        params: [
            ParamSpec("script", .path, doc: "Lua script with tag(name, function(u) … end) rules"),
            ParamSpec("inline", .string, doc: "Lua rules written in the YAML as a literal block (`inline: |`)"),
            ParamSpec(
                "on_error", .choice(["fail", "skip_record"]), default: .string("fail"),
                doc: "a failing rule stops the stage, or is skipped for that user (counted)"),
        ] + RuleLimits.params(),
        output: .profiles,
        check: { spec, pipeline in check(spec, pipeline) })

    /// Users per chunk: fixed, so `math.random` (reseeded per chunk) does not depend on threads.
    static let chunkSize = 512

    // MARK: - Script

    /// The script of a stage spec: the `script` file or the `inline` text located in the YAML.
    static func script(_ spec: StageSpec, _ pipeline: PipelineSpec) -> Result<RuleScript, Diagnostic> {
        if let inline = spec.params["inline"]?.stringValue {
            let at = spec.paramLocations["inline"] ?? spec.location
            let yaml = yamlLines(pipeline)
            return .success(
                RuleScript(
                    text: inline, chunkName: pipeline.file, lineOffset: inlineOffset(at, lines: yaml),
                    columnOffset: inlineIndent(at, lines: yaml)))
        }
        guard let p = spec.params["script"]?.stringValue else {
            return .failure(
                .error(
                    "missing-param", "tag needs `script` (a Lua file) or `inline` (rules in the YAML)",
                    at: spec.location))
        }
        let path = PipelinePath.resolve(p, base: pipeline.baseDirectory)
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            return .failure(
                .error(
                    "missing-file", "script: rules script '\(p)' not found or unreadable (looked at \(path))",
                    at: spec.paramLocations["script"] ?? spec.location))
        }
        return .success(RuleScript(text: text, chunkName: p, lineOffset: 0))
    }

    /// Lines before the inline script's first line: a block scalar (`|` / `>`) starts on the line
    /// after its indicator; a plain or quoted one-line scalar starts on its own line.
    static func inlineOffset(_ at: SourceLocation, lines: [[Character]]?) -> Int {
        guard let lines, at.line >= 1, at.line <= lines.count else { return at.line }
        return isBlockIndicator(at, lines) ? at.line : at.line - 1
    }

    /// Columns before the script's text: a block scalar's indentation (its first line's), or the
    /// column after a one-line scalar's opening quote.
    static func inlineIndent(_ at: SourceLocation, lines: [[Character]]?) -> Int {
        guard let lines, at.line >= 1, at.line <= lines.count else { return 0 }
        guard isBlockIndicator(at, lines) else {
            let c = at.column - 1
            let line = lines[at.line - 1]
            return c + (c >= 0 && c < line.count && (line[c] == "\"" || line[c] == "'") ? 1 : 0)
        }
        guard let first = lines.dropFirst(at.line).first(where: { !$0.allSatisfy(\.isWhitespace) }) else { return 0 }
        return first.prefix { $0 == " " }.count
    }

    static func isBlockIndicator(_ at: SourceLocation, _ lines: [[Character]]) -> Bool {
        let line = lines[at.line - 1]
        let c = at.column - 1
        return c >= 0 && c < line.count && (line[c] == "|" || line[c] == ">")
    }

    /// The pipeline file's lines (the file as given, else its name in the base directory).
    static func yamlLines(_ pipeline: PipelineSpec) -> [[Character]]? {
        for path in [pipeline.file, pipeline.baseDirectory + "/" + (pipeline.file as NSString).lastPathComponent] {
            guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { continue }
            return text.split(separator: "\n", omittingEmptySubsequences: false).map(Array.init)
        }
        return nil
    }

    static func check(_ spec: StageSpec, _ pipeline: PipelineSpec) -> [Diagnostic] {
        if spec.params["inline"] != nil && spec.params["script"] != nil {
            return [
                .error(
                    "conflicting-params", "give either `script` or `inline`, not both",
                    at: spec.paramLocations["inline"] ?? spec.location)
            ]
        }
        switch script(spec, pipeline) {
        case .failure(let d): return [d]
        case .success(let s):
            let result = RuleChecker.check(
                source: s.text, file: s.chunkName, lineOffset: s.lineOffset,
                context: .init(asOf: pipeline.asOf ?? "1970-01-01"))
            var out = result.errors.map(\.diagnostic)
            if result.isValid {
                let user = userRecord(spec, pipeline)
                let fields = RuleFieldCheck { $0 == "tag" ? [user] : [] }
                // A script file by its resolved path, so the diagnostic can echo its line.
                let file =
                    spec.params["script"]?.stringValue.map { PipelinePath.resolve($0, base: pipeline.baseDirectory) }
                    ?? s.chunkName
                out += fields.diagnostics(
                    .init(file: file, text: s.text, lineOffset: s.lineOffset, columnOffset: s.columnOffset))
                for r in result.rules where r.kind != .tag {
                    out.append(
                        Diagnostic(
                            .warning, code: "lua-registration",
                            "a \(r.kind.rawValue) rule ('\(r.name)') has no effect in a tag stage",
                            at: SourceLocation(file: r.file, line: r.line, column: 1),
                            hint: "filter and promotion rules belong in a rank stage"))
                }
            }
            return out
        }
    }

    /// `u` in tag rules: the features input's columns, with `segment` and `segment_name` when
    /// segments are connected (not `tags`, which the rules produce).
    static func userRecord(_ spec: StageSpec, _ pipeline: PipelineSpec) -> RuleFieldCheck.Record? {
        guard var columns = StageColumns.of(spec.name, in: pipeline), let input = spec.inputs["features"]?.first else {
            return nil
        }
        columns.entries.removeAll { $0.name == "tags" }
        let segments = spec.inputs["segments"]?.first.map { " joined with the segments of '\($0)'" } ?? ""
        return .init(
            role: "user",
            source: "the features of stage '\(input)'\(segments); see `recpipe columns PIPELINE \(input)`",
            columns: columns)
    }

    // MARK: - Run

    func run(_ context: StageContext) async throws -> StageOutput {
        let script: RuleScript
        switch Self.script(context.spec, context.pipeline) {
        case .failure(let d): throw StageError(d)
        case .success(let s): script = s
        }
        let (base, idColumn) = try Self.profileBase(context)
        var table = base
        if let segments = try context.optionalInput("segments", as: Segments.self) {
            table = try Self.join(table, idColumn: idColumn, segments: segments)
        }
        let plan = TagPlan(
            table: table, idColumn: idColumn, script: script,
            limits: RuleLimits.limits(context.params),
            context: .init(
                asOf: context.asOf ?? LuaRuntime.Context.today(), seed: UInt64(bitPattern: Int64(context.seed))),
            skipErrors: context.string("on_error") == "skip_record")
        let result = try await plan.run(threads: context.threads, progress: context.progress)
        let out = try table.appending(.strings(TagColumn.name, result.tags.map(TagColumn.text)))

        var counts: [String: Int] = [:]
        for list in result.tags { for t in list { counts[t, default: 0] += 1 } }
        let ordered = counts.sorted { $0.value > $1.value || ($0.value == $1.value && $0.key < $1.key) }
        var counters: [StageOutput.Counter] = [.init("users_tagged", result.tags.count { !$0.isEmpty })]
        counters += ordered.map { .init("tag \($0.key)", $0.value) }
        counters.append(.init("rule_errors_skipped", result.errorCount))
        var notes = [
            "tags: " + (ordered.isEmpty ? "none" : ordered.map { "\($0.key) \($0.value)" }.joined(separator: ", "))
        ]
        if result.rules.isEmpty { notes.append("the script registers no tag rules") }
        var warnings: [String] = []
        if result.errorCount > 0 {
            warnings.append(
                "\(result.errorCount) rule errors skipped (on_error: skip_record); first: "
                    + result.firstErrors.joined(separator: "; "))
        }
        for (i, rule) in result.registered.enumerated() where i < result.matched.count {
            notes.append(
                "rule tag '\(rule.name)' (\(rule.file):\(rule.line)): tagged \(result.matched[i]) of \(table.rowCount) users"
            )
            if result.matched[i] == 0 && table.rowCount > 0 {
                warnings.append(
                    "tag '\(rule.name)' (\(rule.file):\(rule.line)) matched no user (of \(table.rowCount)): check its condition against the data"
                )
            }
        }
        let check = RuleComparisonCheck(records: [table])
        warnings += check.warnings(
            rules: result.registered,
            scripts: [.init(file: script.chunkName, text: script.text, lineOffset: script.lineOffset)])
        if !result.printed.isEmpty {
            notes.append("printed by the rules: " + result.printed.prefix(5).joined(separator: " | "))
        }
        return StageOutput(
            out, kind: .profiles, rowsIn: table.rowCount, rowsOut: out.rowCount, counters: counters, notes: notes,
            warnings: warnings)
    }

    // MARK: - Inputs

    static func profileBase(_ context: StageContext) throws -> (Table, String) {
        guard let input = context.inputs["features"]?.first else {
            throw StageError(
                "stage '\(context.stageName)' has no features input", code: .missingInput, at: context.spec.location)
        }
        if let f = input.artifact as? FeatureSet { return (f.table, f.idColumn) }
        if let t = input.artifact as? Table, t.columnCount > 0 {
            return (t, t.columnIndex("user_id") != nil ? "user_id" : t.columnNames[0])
        }
        throw StageError(
            "input '\(input.stage)' (\(input.kind)) has no user rows to tag", code: .wrongInput,
            at: context.spec.location)
    }

    /// Adds `segment` and `segment_name` by user id (null for users the segments do not cover).
    static func join(_ table: Table, idColumn: String, segments: Segments) throws -> Table {
        var index: [String: Int] = [:]
        for (i, u) in segments.users.enumerated() where index[u] == nil { index[u] = i }
        let ids = ColumnCodes(table.column(named: idColumn)!)
        let rows = ids.codes.map { $0 >= 0 ? index[ids.values[Int($0)]] ?? -1 : -1 }
        let valid = rows.map { $0 >= 0 }
        let seg = Column(
            name: "segment", data: .int(rows.map { $0 >= 0 ? Int64(segments.labels[$0]) : 0 }), validity: valid)
        var name = Column.strings("segment_name", rows.map { $0 >= 0 ? segments.names[Int(segments.labels[$0])] : "" })
        name.validity = valid.contains(false) ? valid : nil
        return try table.appending(seg).appending(name)
    }
}
