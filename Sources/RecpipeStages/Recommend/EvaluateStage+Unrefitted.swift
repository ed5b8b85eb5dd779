import RecpipeEngine
import RecpipeSpec

/// What a refit leaves as it was (#16): a refitted model (`quality.recs`) reads the split's train
/// part, but its other inputs stay the production stages. One computed from the data the split
/// holds out from (`baskets` from `clean`, which `matrix` is encoded from) still holds the
/// held-out events, so the model's figures are optimistic. Such inputs are named in the run
/// summary and counted, never left silent; so are those of a model the pipeline trains on the split
/// itself (`leaky: { uses: lua, inputs: { seen: holdout, users: lastbuy } }`). Ports that hide the
/// held-out pairs themselves are not counted: rank's and a lua stage's `purchased` when their
/// `seen` is the split.
extension EvaluateStage {
    /// One input a refitted model reads without refitting it.
    struct Unrefitted: Equatable {
        /// The production stage that reads it (`together`), its port and the input (`baskets`).
        var stage: String
        var port: String
        var input: String
    }

    /// Per model on the `models` port, the inputs carrying held-out events that its refitted
    /// stages (or, for a model trained on the split, the stages computed from the split) read as
    /// they are; models without any are left out.
    static func unrefitted(_ spec: StageSpec, in pipeline: PipelineSpec) -> [(model: String, inputs: [Unrefitted])] {
        guard let split = spec.inputs["split"]?.first, let splitSpec = pipeline.stage(split) else { return [] }
        let sources = Set(splitSpec.inputs.values.joined())
        guard !sources.isEmpty else { return [] }
        // Everything computed from the stages the split's input is computed from holds the held-out events.
        let held = pipeline.upstream(of: sources)
        let tainted = held.union(pipeline.downstream(of: held))
        let prefix = spec.name + "."
        var out: [(model: String, inputs: [Unrefitted])] = []
        let onSplit = pipeline.downstream(of: [split]).subtracting([split])
        for model in spec.inputs["models"] ?? [] {
            // A refit's copies; or the stages a model the pipeline trains on the split itself
            // (`als_eval`) rests on, computed from the split.
            let clones =
                pipeline.stage(model)?.derivedFrom != nil
                ? pipeline.upstream(of: [model]).filter {
                    $0.hasPrefix(prefix) && pipeline.stage($0)?.derivedFrom != nil
                }
                : pipeline.upstream(of: [model]).intersection(onSplit)
            var found: [Unrefitted] = []
            for name in clones.sorted() {
                guard let clone = pipeline.stage(name) else { continue }
                // A drop_held_out stage reads the events to drop the held-out rows from them.
                guard clone.kind != StageSpec.dropHeldOutKind else { continue }
                for (port, names) in clone.inputs.sorted(by: { $0.key < $1.key }) {
                    // held-out purchases are hidden from u:purchased
                    if clone.hidesHeldOut(onPort: port, seenFrom: [split]) { continue }
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

    /// Per model on the `models` port that `spec` refits, the inputs its refitted stages read that
    /// were re-derived without the split's held-out rows (`profiles`, `baskets`), and the
    /// `drop_held_out` stages they rest on (`quality.clean`); models without any are left out.
    static func rederived(_ spec: StageSpec, in pipeline: PipelineSpec) -> [(
        model: String, inputs: [String], filters: [String]
    )] {
        guard let split = spec.inputs["split"]?.first, let splitSpec = pipeline.stage(split) else { return [] }
        let fromSources = pipeline.downstream(of: Set(splitSpec.inputs.values.joined()))
        var out: [(model: String, inputs: [String], filters: [String])] = []
        for model in spec.inputs["models"] ?? [] where pipeline.stage(model)?.derivedFrom != nil {
            let derived = pipeline.upstream(of: [model]).compactMap { pipeline.stage($0) }.filter {
                $0.name.hasPrefix(spec.name + ".") && $0.derivedFrom != nil
            }
            // The refits proper: copies of stages computed from the split's input.
            let refits = derived.filter { fromSources.contains($0.derivedFrom!) }
            let side = Set(derived.filter { !fromSources.contains($0.derivedFrom!) }.map(\.name))
            var inputs: [String] = []
            for r in refits.sorted(by: { $0.name < $1.name }) {
                for port in r.inputs.keys.sorted() {
                    for n in r.inputs[port]! where side.contains(n) {
                        let shown = pipeline.stage(n)?.displayName ?? n
                        if !inputs.contains(shown) { inputs.append(shown) }
                    }
                }
            }
            let filters = derived.filter { $0.kind == StageSpec.dropHeldOutKind }.map(\.name).sorted()
            if !inputs.isEmpty { out.append((model, inputs, filters)) }
        }
        return out
    }

    /// The summary note for `model`'s re-derived inputs, with the rows each filter dropped (from
    /// `reports`, this run's finished stages).
    static func rederivedNote(_ model: String, _ inputs: [String], filters: [String], reports: [StageReport]) -> String
    {
        let dropped = filters.map { f -> String in
            let report = reports.first { $0.stage == f }
            let n = report?.counters.first { $0.name == "rows_held_out" }?.value
            return "'\(f)' (\(n.map(String.init) ?? "?") of \(report?.rowsIn.map(String.init) ?? "?") rows dropped)"
        }
        return "\(model): " + inputs.map { "'\($0)'" }.joined(separator: ", ")
            + " re-derived on the train part too, from the events without the held-out pairs: "
            + dropped.joined(separator: ", ")
    }

    /// The summary note for `model`'s unrefitted inputs (a note, counted as
    /// `models_with_unrefitted_inputs`: the figures stand, with what they rest on said).
    static func unrefittedNote(_ model: String, _ inputs: [Unrefitted], split: String) -> String {
        let list = inputs.map { "'\($0.input)' (\($0.stage).\($0.port))" }.joined(separator: ", ")
        return "\(model): its figures are optimistic: it reads \(list), computed from the data split '\(split)' "
            + "holds out from and not refitted on the split, so held-out events still shape them"
    }
}
