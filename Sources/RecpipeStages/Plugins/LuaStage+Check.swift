import RecpipeCore
import RecpipeScripting
import RecpipeSpec

/// What `validate` knows of a `lua` stage before anything runs: the script loads (syntax,
/// registration, isolation errors), registers one plugin whose kind matches `output` and whose
/// inputs are connected, `by` names columns of the data, and the output columns it declares.
extension LuaStage {
    static func check(_ spec: StageSpec, _ pipeline: PipelineSpec) -> [Diagnostic] {
        let plugin: RegisteredRule
        switch registered(spec, pipeline) {
        case .failure(let d): return [d]
        case .success(let p): plugin = p
        }
        var out: [Diagnostic] = []
        let what = "\(plugin.kind.rawValue) '\(plugin.name)' (\(plugin.file):\(plugin.line))"
        let wanted = StageParameters(spec, declaration: declaration).string("output")
        let makes = plugin.kind == .candidates ? "candidates" : "table"
        if plugin.kind == .score {
            out.append(
                .error(
                    "plugin-kind", "\(what) re-scores inside `rank`; a lua stage runs map, aggregate or candidates",
                    at: spec.paramLocations["script"] ?? spec.location,
                    hint: "register score{…} in a rank stage's `filters` or `promotions` script"))
        } else if wanted != makes {
            out.append(
                .error(
                    "plugin-output",
                    "\(what) makes \(makes == "table" ? "a table" : "candidates"), but the stage says `output: \(wanted)`",
                    at: spec.paramLocations["output"] ?? spec.location, hint: "set `output: \(makes)`"))
        }
        switch plugin.kind {
        case .map, .aggregate:
            guard let data = spec.inputs["data"]?.first else {
                out.append(
                    .error("missing-input", "\(what) needs rows: connect a `data` input (a table)", at: spec.location))
                break
            }
            if let known = StageColumns.of(data, in: pipeline) {
                for name in plugin.by ?? [] {
                    if let d = known.problem(
                        name, what: "aggregate `by`", stage: spec.name,
                        at: spec.paramLocations["script"] ?? spec.location)
                    {
                        out.append(d)
                    }
                }
            }
        case .candidates:
            if (spec.inputs["users"] ?? []).isEmpty && (spec.inputs["seen"] ?? []).isEmpty {
                out.append(
                    .error(
                        "missing-input", "\(what) needs users: connect a `users` input (profiles) or a `seen` input",
                        at: spec.location))
            }
        default: break
        }
        if plugin.kind != .score { out += fieldDiagnostics(spec, pipeline, plugin: plugin) }
        return out
    }

    /// The script's plugin, loaded in a sandbox (its top level runs; nothing else does).
    static func registered(_ spec: StageSpec, _ pipeline: PipelineSpec) -> Result<RegisteredRule, Diagnostic> {
        let script: RuleScript
        switch Self.script(spec, pipeline) {
        case .failure(let d): return .failure(d)
        case .success(let s): script = s
        }
        let plan = Plan(
            script: script, limits: .init(), context: .init(asOf: pipeline.asOf ?? "1970-01-01"), skipErrors: false)
        do throws(RuleError) {
            let (lua, index) = try plan.makeRuntime()
            return .success(lua.rules[index])
        } catch {
            return .failure(error.diagnostic)
        }
    }

    /// The columns of a map or aggregate stage's table: `by` (typed as in the data) then the declared ones.
    static func knownColumns(_ spec: StageSpec, _ pipeline: PipelineSpec, data: KnownColumns?) -> KnownColumns? {
        guard case .success(let plugin) = registered(spec, pipeline), plugin.kind == .map || plugin.kind == .aggregate
        else {
            return nil
        }
        var entries: [KnownColumns.Entry] = (plugin.by ?? []).map { name in
            let type = data?.entries.first { $0.name == name }?.type ?? "string"
            return .init(name: name, type: type, doc: "group key (aggregate `by`)")
        }
        entries += plugin.outputColumns.map {
            .init(name: $0.name, type: $0.type.rawValue, doc: "declared by \(plugin.kind.rawValue) '\(plugin.name)'")
        }
        return KnownColumns(entries: entries, complete: true)
    }
}
