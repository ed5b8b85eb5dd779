import RecpipeCore

/// Evaluation models derived from the production stages (#13.6). An `evaluate` stage's models
/// port names production stages (`models: [itemcf, als, recs]`); a model that was not trained on
/// the evaluate stage's split is refitted on it: the pipeline gets a copy of every stage between
/// the split's input (`matrix`) and the model, named `<evaluate>.<stage>` (`quality.als`), with
/// the same resolved parameters and the split in place of that input. So `--set als.factors=64`
/// changes what serves and what is evaluated alike, and a rule edit re-runs the evaluated rank.
extension PipelineDecoder {
    /// Adds the derived stages to `spec` (each before its evaluate stage) and points the models
    /// ports at them. Reports a model that cannot be refitted: one not computed from the split's
    /// input, or a stage on the way whose port that reads the input cannot take a split.
    /// Complexity: O(E · (V + edges)) for E evaluate stages.
    mutating func deriveRefits(_ spec: inout PipelineSpec) {
        for e in spec.stages.map(\.name) {
            guard let i = spec.stages.firstIndex(where: { $0.name == e }),
                let declaration = catalog[spec.stages[i].kind]
            else { continue }
            for port in declaration.inputs {
                guard let splitPort = port.refitOn else { continue }
                derive(&spec, evaluate: i, port: port.name, splitPort: splitPort)
            }
        }
    }

    private mutating func derive(_ spec: inout PipelineSpec, evaluate i: Int, port: String, splitPort: String) {
        let stage = spec.stages[i]
        guard let splitName = stage.inputs[splitPort]?.first, let split = spec.stage(splitName) else { return }
        // The split's own inputs: what it holds out from (none for a split read from a file).
        let sources = Set(split.inputs.values.joined())
        guard !sources.isEmpty else { return }
        let fromSplit = spec.downstream(of: [splitName])
        let fromSources = spec.downstream(of: sources).subtracting(sources)
        let sourceList = sources.sorted().map { "'\($0)'" }.joined(separator: ", ")
        var clones: [String: String] = [:]
        var models: [String] = []
        for model in stage.inputs[port] ?? [] {
            if fromSplit.contains(model) {
                models.append(model)  // trained on the split by the pipeline itself (`als_eval`)
                continue
            }
            guard fromSources.contains(model) else {
                report(
                    .error(
                        "cannot-refit",
                        "stage '\(stage.name)': model '\(model)' is not computed from \(sourceList), the data split '\(splitName)' "
                            + "holds out, so it cannot be refitted on the split (scoring it as is would count what it was trained on)",
                        at: location(of: model, port: port, in: stage.name) ?? stage.location,
                        hint: "evaluate models computed from \(sourceList), or split the data '\(model)' is trained on")
                )
                continue
            }
            for name in spec.upstream(of: [model]).intersection(fromSources) where clones[name] == nil {
                clones[name] = "\(stage.name).\(name)"
            }
            models.append(clones[model]!)
        }
        guard !clones.isEmpty else { return }
        // The other inputs computed from the same events, re-derived without the held-out rows.
        let side = sideChains(spec, clones: clones, sources: sources, evaluate: stage.name)
        var names = clones.merging(side.stages) { a, _ in a }
        for table in side.filters.keys { names[table] = "\(stage.name).\(table)" }
        var derived: [StageSpec] = []
        for name in spec.topologicalOrder() {
            guard let original = spec.stage(name) else { continue }
            if let columns = side.filters[name] {
                derived.append(heldOutFilter(of: original, split: splitName, columns: columns, evaluate: stage.name))
                continue
            }
            guard let cloneName = names[name] else { continue }
            var copy = original
            if clones[name] != nil {
                checkSplitPorts(of: copy, sources: sources, split: splitName, evaluate: stage.name)
            }
            copy.name = cloneName
            copy.derivedFrom = name
            for (port, list) in copy.inputs {
                // rank's and a lua stage's `purchased` hide the held-out pairs themselves
                let keep = original.hidesHeldOut(onPort: port, seenFrom: sources)
                copy.inputs[port] = list.map { sources.contains($0) ? splitName : keep ? $0 : names[$0] ?? $0 }
            }
            copy.after = copy.after.map { sources.contains($0) ? splitName : names[$0] ?? $0 }
            derived.append(copy)
        }
        spec.stages[i].inputs[port] = models
        spec.stages.insert(contentsOf: derived, at: i)
    }

    /// Every port of `stage` that reads one of `sources` must take a split in its place.
    private mutating func checkSplitPorts(of stage: StageSpec, sources: Set<String>, split: String, evaluate: String) {
        guard let declaration = catalog[stage.kind] else { return }
        for (port, names) in stage.inputs.sorted(by: { $0.key < $1.key }) where names.contains(where: sources.contains)
        {
            guard let spec = declaration.inputs.first(where: { $0.name == port }), !spec.accepts.contains(.split) else {
                continue
            }
            let source = names.first(where: sources.contains)!
            report(
                .error(
                    "cannot-refit",
                    "stage '\(evaluate)' refits '\(stage.name)' on split '\(split)', but port '\(port)' of a \(stage.kind) stage "
                        + "takes \(spec.accepts.map(\.rawValue).joined(separator: " or ")), not a split (it reads '\(source)')",
                    at: location(of: source, port: port, in: stage.name) ?? stage.location,
                    hint:
                        "evaluate a model trained on '\(split)' instead (a copy of '\(stage.name)' with `input: \(split)`)"
                ))
        }
    }

    /// Where stage `consumer` names `name` on `port`.
    private func location(of name: String, port: String, in consumer: String) -> SourceLocation? {
        drafts.first { $0.name == consumer }?.references.first { $0.name == name && $0.port == port }?.location
    }
}
