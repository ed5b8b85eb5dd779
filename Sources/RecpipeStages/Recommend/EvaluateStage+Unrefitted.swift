import RecpipeSpec

/// What a refit leaves as it was (#16): a refitted model (`quality.recs`) reads the split's train
/// part, but its other inputs stay the production stages. One computed from the data the split
/// holds out from (`baskets` from `clean`, which `matrix` is encoded from) still holds the
/// held-out events, so the model's figures are optimistic. Such inputs are named in the run
/// summary and counted, never left silent. Ports that hide the held-out pairs themselves are not counted:
/// rank's and a lua stage's `purchased` when their `seen` is the split.
extension EvaluateStage {
    /// One input a refitted model reads without refitting it.
    struct Unrefitted: Equatable {
        /// The production stage that reads it (`together`), its port and the input (`baskets`).
        var stage: String
        var port: String
        var input: String
    }

    /// Per model on the `models` port that `spec` refits, the inputs carrying held-out events
    /// that its refitted stages read as they are; models without any are left out.
    static func unrefitted(_ spec: StageSpec, in pipeline: PipelineSpec) -> [(model: String, inputs: [Unrefitted])] {
        guard let split = spec.inputs["split"]?.first, let splitSpec = pipeline.stage(split) else { return [] }
        let sources = Set(splitSpec.inputs.values.joined())
        guard !sources.isEmpty else { return [] }
        // Everything computed from the stages the split's input is computed from holds the held-out events.
        let held = pipeline.upstream(of: sources)
        let tainted = held.union(pipeline.downstream(of: held))
        let prefix = spec.name + "."
        var out: [(model: String, inputs: [Unrefitted])] = []
        for model in spec.inputs["models"] ?? [] {
            guard pipeline.stage(model)?.derivedFrom != nil else { continue }
            let clones = pipeline.upstream(of: [model]).filter {
                $0.hasPrefix(prefix) && pipeline.stage($0)?.derivedFrom != nil
            }
            var found: [Unrefitted] = []
            for name in clones.sorted() {
                guard let clone = pipeline.stage(name) else { continue }
                for (port, names) in clone.inputs.sorted(by: { $0.key < $1.key }) {
                    if port == "purchased", ["rank", "lua"].contains(clone.kind), clone.inputs["seen"] == [split] {
                        continue  // held-out purchases are hidden from u:purchased
                    }
                    for input in names where input != split && !clones.contains(input) && tainted.contains(input) {
                        let entry = Unrefitted(stage: clone.derivedFrom ?? name, port: port, input: input)
                        if !found.contains(entry) { found.append(entry) }
                    }
                }
            }
            if !found.isEmpty { out.append((model, found)) }
        }
        return out
    }

    /// The summary note for `model`'s unrefitted inputs (a note, counted as
    /// `models_with_unrefitted_inputs`: the figures stand, with what they rest on said).
    static func unrefittedNote(_ model: String, _ inputs: [Unrefitted], split: String) -> String {
        let list = inputs.map { "'\($0.input)' (\($0.stage).\($0.port))" }.joined(separator: ", ")
        return "\(model): its figures are optimistic: it reads \(list), computed from the data split '\(split)' "
            + "holds out from and not refitted on the split, so held-out events still shape them"
    }
}
