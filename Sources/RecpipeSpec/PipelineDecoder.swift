import RecpipeCore

/// Decodes a parsed pipeline document into a ``PipelineSpec``, collecting every problem.
///
/// Split over facets: this file decodes the top level and each stage's structure;
/// `+Params` applies overrides and checks parameters; `+Graph` checks references, cycles and
/// artifact kinds.
struct PipelineDecoder {
    static let topLevelKeys = ["pipeline", "vars", "seed", "as_of", "engine", "spark", "stages"]
    static let stageKeys = ["uses", "input", "inputs", "after", "with"]
    /// `as_of: today` (or `--set as_of=today`) was given: the date is the day of loading, UTC.
    var asOfToday = false

    /// A reference from one stage to another (`input`, `inputs` or `after`).
    struct Reference {
        var name: String
        var location: SourceLocation
        /// The port it binds to; nil for `after:` and for inputs of an unknown kind.
        var port: String?
    }

    /// A stage while it is being decoded.
    struct Draft {
        var name: String
        var location: SourceLocation
        var kind: String?
        var declaration: StageDeclaration?
        var references: [Reference] = []
        var inputs: [String: [String]] = [:]
        var after: [String] = []
        /// `with:` entries as written: name, value (overrides are applied later).
        var rawParams: [(name: String, value: LocatedValue)] = []
        var params: [String: ParamValue] = [:]
        var paramLocations: [String: SourceLocation] = [:]
        /// Whether the ports could be bound (an unknown kind or `input` + `inputs` leaves them unbound).
        var portsBound = false
        /// Ports written in `input`/`inputs`, even when their value was wrong (no cascade of
        /// "missing input" errors).
        var mentionedPorts: Set<String> = []
        var failed = false
    }

    let file: String
    let baseDirectory: String
    let catalog: StageCatalog
    var diagnostics: [Diagnostic] = []
    var drafts: [Draft] = []
    var vars: [ParamValue.Entry] = []
    var overrides: [Override] = []

    init(file: String, baseDirectory: String, catalog: StageCatalog) {
        self.file = file
        self.baseDirectory = baseDirectory
        self.catalog = catalog
    }

    mutating func report(_ d: Diagnostic, stage: Int? = nil) {
        diagnostics.append(d)
        if let stage, d.severity == .error { drafts[stage].failed = true }
    }

    // MARK: - Top level

    /// The spec, or nil when the document is too broken to build one (diagnostics say why).
    mutating func decode(_ root: YAMLNode, overrides rawOverrides: [String]) -> PipelineSpec? {
        let parsed = Override.parse(rawOverrides)
        overrides = parsed.overrides
        diagnostics += parsed.diagnostics
        guard let pairs = root.pairs else {
            report(
                .error(
                    "type-mismatch", "the top level of a pipeline file must be a mapping, found \(root.typeName)",
                    at: root.location, hint: "start the file with `pipeline: NAME` and a `stages:` mapping"))
            return nil
        }
        var nodes: [String: YAMLNode] = [:]
        var keys: [String: YAMLNode] = [:]
        for pair in pairs {
            guard let key = pair.key.scalarText else {
                report(
                    .error(
                        "type-mismatch", "keys must be plain names, found \(pair.key.typeName)", at: pair.key.location))
                continue
            }
            if Self.topLevelKeys.contains(key) {
                nodes[key] = pair.value
                keys[key] = pair.key
            } else {
                report(
                    .error(
                        "unknown-key", "unknown top-level key '\(key)'", at: pair.key.location,
                        hint: Suggestions.hint(for: key, in: Self.topLevelKeys)
                            ?? "allowed keys: " + Self.topLevelKeys.joined(separator: ", ")))
            }
        }
        let name = decodeName(nodes["pipeline"], root: root)
        decodeVars(nodes["vars"])
        let seed = decodeSeed(nodes["seed"])
        let asOf = decodeAsOf(nodes["as_of"])
        let engine = decodeEngine(nodes["engine"])
        let spark = decodeSpark(nodes["spark"], pairKey: keys["spark"])
        decodeStages(nodes["stages"], root: root)
        applyParamOverrides()
        for i in drafts.indices { resolveParams(i) }
        checkGraph()
        checkOutputPaths()
        guard let name else { return nil }
        var spec = PipelineSpec(
            name: name, file: file, baseDirectory: baseDirectory, vars: vars, seed: seed, asOf: asOf,
            stages: drafts.map {
                StageSpec(
                    name: $0.name, kind: $0.kind ?? "", location: $0.location, inputs: $0.inputs,
                    after: $0.after, params: $0.params, paramLocations: $0.paramLocations)
            })
        spec.asOfToday = asOfToday
        spec.engine = engine
        spec.spark = spark
        for (i, draft) in drafts.enumerated() where !draft.failed {
            guard let declaration = draft.declaration else { continue }
            for d in declaration.check(spec.stages[i], spec) { report(d, stage: i) }
        }
        // Evaluation models refitted from the production stages, once the graph is sound.
        if !diagnostics.contains(where: { $0.severity == .error }) { deriveRefits(&spec) }
        return spec
    }

    private mutating func decodeName(_ node: YAMLNode?, root: YAMLNode) -> String? {
        guard let node else {
            report(
                .error(
                    "missing-required", "missing required key 'pipeline'", at: root.location,
                    hint: "add `pipeline: NAME` at the top of the file"))
            return nil
        }
        guard let text = node.scalarText, !node.isNull else {
            report(
                .error(
                    "type-mismatch", "'pipeline' expects a name (a string), found \(node.typeName)", at: node.location))
            return nil
        }
        return text
    }

    private mutating func decodeSeed(_ node: YAMLNode?) -> Int {
        var seed = 42
        if let node {
            if node.isScalar, case .int(let i) = node.value {
                seed = i
            } else {
                report(.error("type-mismatch", "'seed' expects an integer, found \(node.typeName)", at: node.location))
            }
        }
        for o in overrides where o.target == .seed {
            if case .scalar(.int(let i)) = o.value.shape {
                seed = i
            } else {
                report(
                    .error(
                        "bad-override", "override '\(o.text)': seed expects an integer, found \(o.value.typeName)",
                        at: o.value.location))
            }
        }
        return seed
    }

    private mutating func decodeAsOf(_ node: YAMLNode?) -> String? {
        var asOf: String?
        if let node, !node.isNull {
            if node.isScalar, case .string(let s) = node.value {
                if s == "today" {
                    asOf = PipelineSpec.today()
                    asOfToday = true
                } else if Self.isDate(s) {
                    asOf = s
                } else {
                    report(
                        .error(
                            "invalid-date", "'as_of' expects a date YYYY-MM-DD, found '\(s)'", at: node.location,
                            hint: "for example `as_of: 2024-06-30`, or `as_of: today` for the day the run starts (UTC)")
                    )
                }
            } else {
                report(
                    .error(
                        "type-mismatch", "'as_of' expects a date YYYY-MM-DD, found \(node.typeName)", at: node.location,
                        hint: "for example `as_of: 2024-06-30`"))
            }
        }
        for o in overrides where o.target == .asOf {
            if case .scalar(.string(let s)) = o.value.shape, s == "today" || Self.isDate(s) {
                asOf = s == "today" ? PipelineSpec.today() : s
                asOfToday = s == "today"
            } else {
                report(
                    .error(
                        "bad-override",
                        "override '\(o.text)': as_of expects a date YYYY-MM-DD, found '\(o.value.value)'",
                        at: o.value.location, hint: "for example --set as_of=2024-06-30"))
            }
        }
        return asOf
    }

    /// `YYYY-MM-DD` with a month 01–12 and a day valid for that month (leap years included).
    static func isDate(_ s: String) -> Bool {
        let parts = s.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
            parts.allSatisfy({ $0.allSatisfy(\.isASCII) && $0.allSatisfy(\.isNumber) }),
            let y = Int(parts[0]), let m = Int(parts[1]), let d = Int(parts[2]), (1...12).contains(m)
        else { return false }
        let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
        let days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][m - 1]
        return (1...days).contains(d)
    }

    // MARK: - Vars

    /// Decodes `vars:` in order; each var may use the vars above it. `--set vars.x=…` replaces a
    /// var's value before expansion, so the vars below it see the new value.
    private mutating func decodeVars(_ node: YAMLNode?) {
        var entries: [(name: String, value: LocatedValue)] = []
        if let node, !node.isNull {
            if let pairs = node.pairs {
                for pair in pairs {
                    guard let key = pair.key.scalarText else {
                        report(
                            .error(
                                "type-mismatch", "var names must be plain names, found \(pair.key.typeName)",
                                at: pair.key.location))
                        continue
                    }
                    entries.append((key, LocatedValue(pair.value)))
                }
            } else {
                report(
                    .error(
                        "type-mismatch", "'vars' expects a mapping of name: value, found \(node.typeName)",
                        at: node.location))
            }
        }
        let names = entries.map(\.name)
        for o in overrides {
            guard case .variable(let name) = o.target else { continue }
            if let i = entries.firstIndex(where: { $0.name == name }) {
                entries[i].value = o.value
            } else {
                report(
                    .error(
                        "bad-override", "override '\(o.text)' sets var '\(name)', which the pipeline does not declare",
                        at: o.location,
                        hint: Suggestions.hint(for: name, in: names)
                            ?? (names.isEmpty
                                ? "declare it under `vars:` first" : "declared vars: " + names.joined(separator: ", ")))
                )
            }
        }
        // One interpolator that learns each var in turn (O(n) for n vars, no copies).
        var interpolator = Interpolator(vars: [:])
        for (i, name) in names.enumerated() where interpolator.declarationOrder[name] == nil {
            interpolator.declarationOrder[name] = i
        }
        for (i, entry) in entries.enumerated() {
            interpolator.expanding = i
            let value = interpolator.expand(entry.value, into: &diagnostics)?.value ?? entry.value.value
            interpolator.vars[entry.name] = value
            vars.append(.init(key: entry.name, value: value))
        }
    }
}
