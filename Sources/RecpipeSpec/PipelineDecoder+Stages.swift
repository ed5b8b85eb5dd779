import RecpipeCore

extension PipelineDecoder {
    // MARK: - Stages

    /// Whether `name` matches `[A-Za-z_][A-Za-z0-9_-]*`.
    static func isValidStageName(_ name: String) -> Bool {
        guard let first = name.unicodeScalars.first, first.isASCII,
            first.properties.isAlphabetic || first == "_"
        else { return false }
        return name.unicodeScalars.allSatisfy {
            $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || $0 == "_" || $0 == "-")
        }
    }

    mutating func decodeStages(_ node: YAMLNode?, root: YAMLNode) {
        guard let node else {
            report(
                .error(
                    "missing-required", "missing required key 'stages'", at: root.location,
                    hint: "add a `stages:` mapping of stage name → `{ uses: KIND, ... }`"))
            return
        }
        guard let pairs = node.pairs, !pairs.isEmpty else {
            report(
                .error(
                    node.pairs == nil && !node.isNull ? "type-mismatch" : "missing-required",
                    node.pairs == nil && !node.isNull
                        ? "'stages' expects a mapping of stage name → stage, found \(node.typeName)"
                        : "'stages' is empty; a pipeline needs at least one stage",
                    at: node.location,
                    hint: "add stages such as `events: { uses: ingest, with: { path: data/events.csv } }`"))
            return
        }
        for pair in pairs {
            guard let name = pair.key.scalarText else {
                report(
                    .error(
                        "type-mismatch", "stage names must be plain names, found \(pair.key.typeName)",
                        at: pair.key.location))
                continue
            }
            drafts.append(Draft(name: name, location: pair.key.location))
            decodeStage(drafts.count - 1, pair.value)
        }
    }

    private mutating func decodeStage(_ i: Int, _ node: YAMLNode) {
        let name = drafts[i].name
        if !Self.isValidStageName(name) {
            report(
                .error(
                    "invalid-name", "invalid stage name '\(name)'", at: drafts[i].location,
                    hint: "use letters, digits, '_' and '-', starting with a letter or '_'"), stage: i)
        }
        guard let pairs = node.pairs else {
            report(
                .error(
                    "type-mismatch", "stage '\(name)' must be a mapping, found \(node.typeName)", at: node.location,
                    hint: "write `\(name): { uses: KIND, input: STAGE, with: { ... } }`"), stage: i)
            return
        }
        var fields: [String: YAMLNode.Pair] = [:]
        for pair in pairs {
            guard let key = pair.key.scalarText, Self.stageKeys.contains(key) else {
                let key = pair.key.scalarText ?? pair.key.value.description
                report(
                    .error(
                        "unknown-key", "unknown key '\(key)' in stage '\(name)'", at: pair.key.location,
                        hint: Suggestions.hint(for: key, in: Self.stageKeys)
                            ?? "allowed keys: " + Self.stageKeys.joined(separator: ", ")), stage: i)
                continue
            }
            fields[key] = pair
        }
        decodeKind(i, fields["uses"])
        decodePorts(i, input: fields["input"], inputs: fields["inputs"])
        if let after = fields["after"] {
            for ref in stageNames(after.value, stage: i, what: "'after'") {
                drafts[i].references.append(Reference(name: ref.name, location: ref.location, port: nil))
                drafts[i].after.append(ref.name)
            }
        }
        if let with = fields["with"] { decodeWith(i, with.value) }
    }

    private mutating func decodeKind(_ i: Int, _ pair: YAMLNode.Pair?) {
        let name = drafts[i].name
        guard let pair else {
            report(
                .error(
                    "missing-required", "stage '\(name)' has no 'uses:' key naming its kind", at: drafts[i].location,
                    hint: "add `uses: KIND`; kinds: " + catalog.kinds.joined(separator: ", ")), stage: i)
            return
        }
        guard let kind = pair.value.scalarText, !pair.value.isNull else {
            report(
                .error(
                    "type-mismatch", "'uses' of stage '\(name)' expects a stage kind, found \(pair.value.typeName)",
                    at: pair.value.location), stage: i)
            return
        }
        drafts[i].kind = kind
        guard let declaration = catalog[kind] else {
            report(
                .error(
                    "unknown-kind", "unknown stage kind '\(kind)'", at: pair.value.location,
                    hint: catalog.suggestion(for: kind).map { k in
                        // An alias (`kmeans`) is not a typo: say what the suggested kind does.
                        "did you mean '\(k)'?"
                            + (Suggestions.distance(kind, k) > 3 ? catalog[k].map { " (\($0.summary))" } ?? "" : "")
                    } ?? "known kinds: " + catalog.kinds.joined(separator: ", ")),
                stage: i)
            return
        }
        drafts[i].declaration = declaration
    }

    // MARK: - Ports

    private mutating func decodePorts(_ i: Int, input: YAMLNode.Pair?, inputs: YAMLNode.Pair?) {
        let name = drafts[i].name
        let declaration = drafts[i].declaration
        let conflict = input != nil && inputs != nil
        var unknownPort = false
        if conflict, let inputs {
            report(
                .error(
                    "conflicting-inputs", "stage '\(name)' has both 'input' and 'inputs'", at: inputs.key.location,
                    hint: "use `input: STAGE` for the first port only, or list every port under `inputs:`"), stage: i)
        }
        if let input {
            let port = declaration?.inputs.first
            if let declaration, port == nil {
                report(
                    .error(
                        "unknown-port",
                        "stage kind '\(declaration.kind)' takes no inputs, but stage '\(name)' has 'input'",
                        at: input.key.location, hint: "remove the `input:` line"), stage: i)
            }
            let refs = stageNames(input.value, stage: i, what: "'input'", port: port)
            bind(i, refs, to: port, bound: !conflict)
        }
        if let inputs {
            guard let pairs = inputs.value.pairs else {
                report(
                    .error(
                        "type-mismatch",
                        "'inputs' of stage '\(name)' expects a mapping of port: stage, found \(inputs.value.typeName)",
                        at: inputs.value.location,
                        hint: "write `inputs: { PORT: STAGE }`, or `input: STAGE` for the first port"), stage: i)
                return
            }
            for pair in pairs {
                let portName = pair.key.scalarText ?? pair.key.value.description
                var port: PortSpec?
                if let declaration {
                    port = declaration.inputs.first { $0.name == portName }
                    if port == nil {
                        unknownPort = true
                        let ports = declaration.inputs.map(\.name)
                        report(
                            .error(
                                "unknown-port", "stage kind '\(declaration.kind)' has no input port '\(portName)'",
                                at: pair.key.location,
                                hint: Suggestions.hint(for: portName, in: ports)
                                    ?? (ports.isEmpty
                                        ? "this kind takes no inputs" : "ports: " + ports.joined(separator: ", "))),
                            stage: i)
                    }
                }
                let refs = stageNames(pair.value, stage: i, what: "input '\(portName)'", port: port)
                bind(i, refs, to: port, bound: true)
            }
        }
        // A misspelled port or a conflict would make every port look missing: only check
        // required ports when all written ports were understood.
        drafts[i].portsBound = declaration != nil && !conflict && !unknownPort
    }

    private mutating func bind(
        _ i: Int, _ refs: [(name: String, location: SourceLocation)], to port: PortSpec?, bound: Bool
    ) {
        if let port { drafts[i].mentionedPorts.insert(port.name) }
        for ref in refs {
            drafts[i].references.append(
                Reference(name: ref.name, location: ref.location, port: bound ? port?.name : nil))
            if bound, let port { drafts[i].inputs[port.name, default: []].append(ref.name) }
        }
    }

    /// Stage names from a scalar or (when allowed) a list of scalars. A list given to a
    /// single-valued port is a `type-mismatch` at the list.
    private mutating func stageNames(
        _ node: YAMLNode, stage i: Int, what: String, port: PortSpec? = nil
    ) -> [(name: String, location: SourceLocation)] {
        let name = drafts[i].name
        if let text = node.scalarText, !node.isNull { return [(text, node.location)] }
        if let items = node.items {
            if let port, !port.multiple {
                report(
                    .error(
                        "type-mismatch", "port '\(port.name)' of stage '\(name)' takes one stage, found a list",
                        at: node.location, hint: "name a single stage"), stage: i)
                return []
            }
            var out: [(name: String, location: SourceLocation)] = []
            for item in items {
                if let text = item.scalarText, !item.isNull {
                    out.append((text, item.location))
                } else {
                    report(
                        .error(
                            "type-mismatch", "\(what) of stage '\(name)' expects stage names, found \(item.typeName)",
                            at: item.location), stage: i)
                }
            }
            return out
        }
        report(
            .error(
                "type-mismatch", "\(what) of stage '\(name)' expects a stage name, found \(node.typeName)",
                at: node.location), stage: i)
        return []
    }

    // MARK: - Parameters as written

    private mutating func decodeWith(_ i: Int, _ node: YAMLNode) {
        let name = drafts[i].name
        if node.isNull { return }
        guard let pairs = node.pairs else {
            report(
                .error(
                    "type-mismatch",
                    "'with' of stage '\(name)' expects a mapping of parameter: value, found \(node.typeName)",
                    at: node.location), stage: i)
            return
        }
        for pair in pairs {
            let key = pair.key.scalarText ?? pair.key.value.description
            if let declaration = drafts[i].declaration, declaration.param(key) == nil {
                let params = declaration.params.map(\.name)
                report(
                    .error(
                        "unknown-param", "stage '\(name)' (\(declaration.kind)) has no parameter '\(key)'",
                        at: pair.key.location,
                        hint: Suggestions.hint(for: key, in: params)
                            ?? (params.isEmpty
                                ? "this kind takes no parameters" : "parameters: " + params.joined(separator: ", "))),
                    stage: i)
                continue
            }
            drafts[i].rawParams.append((key, LocatedValue(pair.value)))
        }
    }
}
