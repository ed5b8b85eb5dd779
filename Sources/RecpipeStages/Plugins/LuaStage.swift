import Foundation
import RecpipeCore
import RecpipeData
import RecpipeEngine
import RecpipeScripting
import RecpipeSpec

/// `lua`: runs the one plugin its script registers, in the rule sandbox (allow-list, instruction
/// budget per call, memory cap per state, frozen load-time tables, seeded randomness):
/// - `map{columns, fn(row)}`: a row in, zero or one row out (typed columns) → a table;
/// - `aggregate{by, columns, init, step(acc, row), finish(acc, key)}`: groups in parallel, in
///   order of first appearance → a table (`by` columns first);
/// - `candidates{fn(u, ctx)}`: a list of `{item, score}` per user → candidates for `rank`.
/// Work is split in fixed chunks (one Lua state per worker, reseeded per chunk), so the output is
/// the same for any `--jobs`.
struct LuaStage: Stage {
    static let declaration = StageDeclaration(
        kind: "lua",
        summary: "Run a Lua plugin: map rows, aggregate groups, or a candidates model per user.",
        aliases: ["plugin", "script", "map", "aggregate", "sessionize"],
        inputs: [
            PortSpec(
                "data", accepts: [.table, .profiles, .features], required: false,
                doc: "map, aggregate: the rows (`row` in the plugin)"),
            PortSpec(
                "users", accepts: [.profiles, .table, .features], required: false,
                doc: "candidates: user records (`u`); without it, the users of `seen`"),
            PortSpec(
                "seen", accepts: [.interactions, .split], required: false,
                doc:
                    "candidates: u:seen(id), and u.items (the ids, best weight first); a split's train part when evaluated"
            ),
            PortSpec(
                "purchased", accepts: [.interactions, .split], required: false,
                doc: "candidates: u:purchased(id) (purchase events only)"),
            PortSpec("items", accepts: [.table], required: false, doc: "candidates: ctx.items[id], the item's row"),
            PortSpec(
                "neighbors", accepts: [.interactions, .split], required: false,
                doc:
                    "candidates: ctx.neighbors[id] = { items = {…}, scores = {…} }, the items most often in the same row (order, basket) of this matrix"
            ),
        ],
        params: [
            ParamSpec(
                "script", .path, required: true,
                doc: "Lua script registering one plugin: map{…}, aggregate{…} or candidates{…}"),
            ParamSpec(
                "output", .choice(["table", "candidates"]), default: .string("table"),
                doc: "what the plugin makes: a table (map, aggregate) or candidates"),
            ParamSpec(
                "item_id_column", .string, default: .string("item_id"), doc: "candidates: the items table's id column"),
            ParamSpec(
                "neighbors", .int, default: .int(50), range: 1...10_000,
                doc: "candidates: neighbours kept per item (most co-occurrences first)"),
            ParamSpec(
                "on_error", .choice(["fail", "skip_record"]), default: .string("fail"),
                doc: "a plugin error fails the stage, or skips that row, group or user (counted)"),
        ] + RuleLimits.params(call: "plugin"),
        outputFor: { params in params["output"]?.stringValue == "candidates" ? .candidates : .table },
        check: { spec, pipeline in check(spec, pipeline) })

    /// Rows, groups or users per chunk: fixed, so results do not depend on the worker count.
    static let chunkSize = 512

    // MARK: - Plan

    /// What every worker needs (values only).
    struct Plan: Sendable {
        var script: RuleScript
        var limits: LuaRuntime.Limits
        var context: LuaRuntime.Context
        var skipErrors: Bool

        /// The fields the script's map and aggregate functions read (`row.x`), by name: the
        /// columns the record views then read in C. A name computed at run time is still read,
        /// through the host.
        var fieldsRead: Set<String> {
            Set(
                RuleSourceScan.fieldReads(in: script.text).filter { $0.path.isEmpty && $0.ruleKind != "candidates" }
                    .map(\.field))
        }

        /// A runtime with the script loaded; the plugin's index.
        func makeRuntime() throws(RuleError) -> (LuaRuntime, Int) {
            let lua = try LuaRuntime(limits: limits, context: context)
            lua.useGenerationalCollector()
            try lua.load(source: script.text, chunkName: script.chunkName, lineOffset: script.lineOffset)
            guard let index = lua.pluginIndex else {
                throw RuleError(
                    kind: .registration, file: script.chunkName, line: nil,
                    message:
                        "the script registers no plugin; call map{…}, aggregate{…} or candidates{…} at its top level")
            }
            if let rule = lua.rules.first(where: { !$0.kind.isPlugin }) {
                throw RuleError(
                    kind: .registration, file: rule.file, line: rule.line,
                    message:
                        "a lua stage runs one plugin; \(rule.kind.rawValue) '\(rule.name)' is a rule (rules belong in tag and rank stages)"
                )
            }
            return (lua, index)
        }

        /// The registered plugin, loaded once (load errors surface here, once).
        func plugin() throws -> RegisteredRule {
            do throws(RuleError) {
                let (lua, index) = try makeRuntime()
                return lua.rules[index]
            } catch {
                throw LuaStage.stageError(error)
            }
        }
    }

    static func plan(_ context: StageContext) throws -> Plan {
        let script: RuleScript
        switch Self.script(context.spec, context.pipeline) {
        case .failure(let d): throw StageError(d)
        case .success(let s): script = s
        }
        return Plan(
            script: script,
            limits: RuleLimits.limits(context.params),
            context: .init(
                asOf: context.asOf ?? LuaRuntime.Context.today(), seed: UInt64(bitPattern: Int64(context.seed))),
            skipErrors: context.string("on_error") == "skip_record")
    }

    static func script(_ spec: StageSpec, _ pipeline: PipelineSpec) -> Result<RuleScript, Diagnostic> {
        guard let p = spec.params["script"]?.stringValue else {
            return .failure(
                .error("missing-param", "lua needs `script` (a Lua file registering one plugin)", at: spec.location))
        }
        let path = StageContext.resolve(p, base: pipeline.baseDirectory)
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            return .failure(
                .error(
                    "missing-file", "script: plugin script '\(p)' not found or unreadable (looked at \(path))",
                    at: spec.paramLocations["script"] ?? spec.location))
        }
        return .success(.init(text: text, chunkName: p, lineOffset: 0))
    }

    // MARK: - Run

    func run(_ context: StageContext) async throws -> StageOutput {
        let plan = try Self.plan(context)
        let plugin = try plan.plugin()
        let wanted = context.string("output")
        let makes = plugin.kind == .candidates ? "candidates" : "table"
        guard wanted == makes else {
            throw StageError(
                "\(plugin.kind.rawValue) '\(plugin.name)' (\(plugin.file):\(plugin.line)) makes \(makes == "table" ? "a table" : "candidates"), but the stage says `output: \(wanted)`",
                code: .invalidParam, at: context.location(of: "output"), hint: "set `output: \(makes)`")
        }
        switch plugin.kind {
        case .map: return try await Self.runMap(plan, plugin: plugin, context)
        case .aggregate: return try await Self.runAggregate(plan, plugin: plugin, context)
        case .candidates: return try await Self.runCandidates(plan, plugin: plugin, context)
        default:
            throw StageError(
                "\(plugin.kind.rawValue) '\(plugin.name)' (\(plugin.file):\(plugin.line)) runs inside `rank` (in its `filters` or `promotions` script), not as a lua stage",
                code: .luaRegistration, at: context.location(of: "script"))
        }
    }

    /// The rows of the `data` input.
    static func dataTable(_ context: StageContext, for plugin: RegisteredRule) throws -> Table {
        guard let input = context.inputs["data"]?.first else {
            throw StageError(
                "\(plugin.kind.rawValue) '\(plugin.name)' needs rows: connect a `data` input (a table)",
                code: .missingInput, at: context.spec.location)
        }
        if let t = input.artifact as? Table { return t }
        if let f = input.artifact as? FeatureSet { return f.table }
        throw StageError(
            "input '\(input.stage)' (\(input.kind)) is not a table", code: .wrongInput, at: context.spec.location)
    }

    static func stageError(_ e: RuleError) -> StageError {
        StageError(
            e,
            hint: e.kind == .registration || e.kind == .syntax || e.kind == .isolation
                ? nil : "fix the plugin, or set `on_error: skip_record` to skip what it fails on (counted)")
    }

    /// Skipped errors: the count and the first few messages, for the summary.
    struct Skipped: Sendable {
        var count = 0
        var first: [String] = []

        mutating func add(_ e: RuleError) {
            count += 1
            if first.count < 3 { first.append(e.description) }
        }

        mutating func merge(_ o: Skipped) {
            count += o.count
            first += o.first.prefix(max(0, 3 - first.count))
        }

        func warning(_ what: String) -> [String] {
            count == 0
                ? []
                : [
                    "\(count) \(what) skipped after plugin errors (on_error: skip_record); first: "
                        + first.joined(separator: "; ")
                ]
        }
    }
}
