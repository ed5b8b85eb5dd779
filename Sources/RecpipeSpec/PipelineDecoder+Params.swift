import RecpipeCore

extension PipelineDecoder {
    // MARK: - Overrides

    /// Applies `STAGE.PARAM=VALUE` overrides to the stages' written parameters, replacing a
    /// written value or adding one. The stage must exist and its kind must declare the parameter.
    /// `STAGE.PARAM.KEY[.KEY…]=VALUE` sets one key inside a mapping parameter (`rank.blend.als=0.5`),
    /// starting from the written mapping, else the declared default, else an empty mapping.
    mutating func applyParamOverrides() {
        let stageNames = drafts.map(\.name)
        for o in overrides {
            guard case .param(let stage, let dotted) = o.target else { continue }
            let path = dotted.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
            let param = path[0]
            guard let i = drafts.firstIndex(where: { $0.name == stage }) else {
                report(
                    .error(
                        "bad-override", "override '\(o.text)' names stage '\(stage)', which the pipeline does not have",
                        at: o.location,
                        hint: Suggestions.hint(for: stage, in: stageNames) ?? "stages: "
                            + stageNames.joined(separator: ", ")))
                continue
            }
            guard let declaration = drafts[i].declaration else { continue }  // unknown kind already reported
            guard let spec = declaration.param(param) else {
                let params = declaration.params.map(\.name)
                report(
                    .error(
                        "bad-override",
                        "override '\(o.text)' sets parameter '\(param)', which stage '\(stage)' (\(declaration.kind)) does not have",
                        at: o.location,
                        hint: Suggestions.hint(for: param, in: params)
                            ?? (params.isEmpty
                                ? "this kind takes no parameters" : "parameters: " + params.joined(separator: ", "))))
                continue
            }
            let j = drafts[i].rawParams.firstIndex(where: { $0.name == param })
            var value = o.value
            if path.count > 1 {
                guard !path.contains("") else {
                    report(
                        .error(
                            "bad-override", "override '\(o.text)': '\(dotted)' has an empty key", at: o.location,
                            hint: "write STAGE.PARAM.KEY=VALUE, or set the whole value: --set \(stage).\(param)=VALUE"))
                    continue
                }
                let current =
                    j.map { drafts[i].rawParams[$0].value }
                    ?? spec.defaultValue.map { LocatedValue(lifting: $0, at: o.location) }
                    ?? LocatedValue(.map([]), at: o.location)
                switch Self.setting(Array(path.dropFirst()), to: o.value, in: current) {
                case .success(let v): value = v
                case .failure(let problem):
                    report(
                        .error(
                            "bad-override", "override '\(o.text)': \(problem.message)", at: o.location,
                            hint: "set the whole value instead: --set \(stage).\(param)=VALUE"))
                    continue
                }
            }
            if let j {
                drafts[i].rawParams[j].value = value
            } else {
                drafts[i].rawParams.append((param, value))
            }
        }
    }

    struct NestedOverrideProblem: Error {
        var message: String
    }

    /// `container` with the entry at `keys` (a path of mapping keys) set to `value`, adding keys
    /// that are missing. Fails when a step is not a mapping.
    static func setting(
        _ keys: [String], to value: LocatedValue, in container: LocatedValue, walked: String = ""
    ) -> Result<LocatedValue, NestedOverrideProblem> {
        let key = keys[0]
        let here = walked.isEmpty ? key : walked + "." + key
        guard case .map(var entries) = container.shape else {
            let what = walked.isEmpty ? "the parameter" : "'\(walked)'"
            return .failure(
                NestedOverrideProblem(
                    message: "cannot set key '\(key)': \(what) is \(container.typeName), not a mapping"))
        }
        let index = entries.firstIndex(where: { $0.key == key })
        var newValue = value
        if keys.count > 1 {
            let inner = index.map { entries[$0].value } ?? LocatedValue(.map([]), at: value.location)
            switch setting(Array(keys.dropFirst()), to: value, in: inner, walked: here) {
            case .success(let v): newValue = v
            case .failure(let problem): return .failure(problem)
            }
        }
        if let index { entries[index].value = newValue } else { entries.append((key: key, value: newValue)) }
        return .success(LocatedValue(.map(entries), at: container.location))
    }

    // MARK: - Parameters

    /// Expands vars in, type-checks and range-checks every written parameter, fills defaults and
    /// reports missing required parameters. Does nothing for a stage of unknown kind.
    mutating func resolveParams(_ i: Int) {
        guard let declaration = drafts[i].declaration else { return }
        let name = drafts[i].name
        var known: [String: ParamValue] = [:]
        for v in vars { known[v.key] = v.value }
        let interpolator = Interpolator(vars: known)
        var given = Set<String>()
        for raw in drafts[i].rawParams {
            given.insert(raw.name)
            guard let spec = declaration.param(raw.name) else { continue }
            var found: [Diagnostic] = []
            defer { for d in found { report(d, stage: i) } }
            guard let expanded = interpolator.expand(raw.value, into: &found) else { continue }
            drafts[i].paramLocations[raw.name] = raw.value.location
            if let value = ParamChecker(stage: name, spec: spec).check(expanded, into: &found) {
                drafts[i].params[raw.name] = value
            }
        }
        drafts[i].params = StageParameters(drafts[i].params, declaration: declaration, written: given).values
        for spec in declaration.params where spec.required && spec.defaultValue == nil && !given.contains(spec.name) {
            report(
                .error(
                    "missing-required",
                    "stage '\(name)' (\(declaration.kind)) is missing required parameter '\(spec.name)'",
                    at: drafts[i].location,
                    hint: "add `\(spec.name): <\(spec.type)>` under `with:` (\(spec.doc))"), stage: i)
        }
        if drafts[i].portsBound {
            for port in declaration.inputs where port.required && !drafts[i].mentionedPorts.contains(port.name) {
                let how =
                    port.name == declaration.inputs.first?.name
                    ? "add `input: STAGE`" : "add `inputs: { \(port.name): STAGE }`"
                report(
                    .error(
                        "missing-required",
                        "stage '\(name)' (\(declaration.kind)) needs an input for port '\(port.name)' (accepts \(port.accepts.map(\.rawValue).joined(separator: ", ")))",
                        at: drafts[i].location, hint: "\(how) naming a stage that produces it"), stage: i)
            }
        }
    }
}
