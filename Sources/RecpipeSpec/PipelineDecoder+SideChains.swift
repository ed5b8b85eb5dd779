import RecpipeCore

/// The other inputs of a refit (#16). A refitted stage (`quality.together`) reads the split's train
/// part, but it can read more computed from the same events: a bought-together plugin's `baskets`
/// (`clean → basket_lines → baskets`), rank's `profiles` (`clean → features → profiles`). Built
/// from all events, the held-out purchases would still shape them and the figures would be
/// optimistic. So the stages between the table the split's matrix is encoded from (`clean`) and
/// such an input are derived too (`quality.basket_lines`, `quality.baskets`, …), on a
/// `drop_held_out` stage (`quality.clean`) in place of that table: its rows without the split's
/// test pairs, by the encode's `user_column`/`item_column` — as a scikit-learn pipeline refits
/// every fitted step on the train fold.
///
/// A chain may also read a table above the encoded one through `clean` stages (`events` before
/// `clean`): a clean keeps the columns, so that table is filtered the same way. What cannot be
/// re-derived stays as it is and is named in the evaluation's summary: an input computed from a
/// table above another kind of stage (a `lua` map may rename the id columns), or from a split
/// whose matrix is not an `encode` of a table.
extension StageSpec {
    /// The kind of the derived stage that drops a split's held-out rows from a table.
    package static let dropHeldOutKind = "drop_held_out"

    /// Whether this stage hides the split's held-out pairs from what it reads on `port` itself:
    /// rank's and a lua stage's `purchased` when their `seen` is one of `names` (the split), so
    /// that input needs no re-deriving.
    package func hidesHeldOut(onPort port: String, seenFrom names: Set<String>) -> Bool {
        guard port == "purchased", ["rank", "lua"].contains(kind), let seen = inputs["seen"], !seen.isEmpty else {
            return false
        }
        return seen.allSatisfy(names.contains)
    }
}

extension PipelineDecoder {
    /// Stages to derive for the inputs of `clones` (production name → derived name) computed from
    /// what the split's `sources` are computed from: production name → derived name of each
    /// stage on such a side chain, and of each `drop_held_out` stage that replaces a table the
    /// chains read (with the encode's id columns). Complexity: O(I · (V + E)) for I such inputs.
    func sideChains(_ spec: PipelineSpec, clones: [String: String], sources: Set<String>, evaluate: String)
        -> (stages: [String: String], filters: [String: (user: String, item: String)])
    {
        let ancestors = spec.upstream(of: sources).subtracting(sources)
        guard !ancestors.isEmpty else { return ([:], [:]) }
        // The tables the matrix is encoded from, and the columns that name a pair in them.
        var filterable: [String: (user: String, item: String)] = [:]
        for name in sources.sorted() {
            guard let s = spec.stage(name), s.kind == "encode",
                case .string(let user)? = s.params["user_column"], case .string(let item)? = s.params["item_column"]
            else { continue }
            for table in s.inputs["events"] ?? [] {
                // A `clean` keeps its input's columns: the tables above it name pairs alike.
                var next: String? = table
                while let t = next, filterable[t] == nil {
                    filterable[t] = (user, item)
                    next = spec.stage(t).flatMap { $0.kind == "clean" ? $0.inputs["table"]?.first : nil }
                }
            }
        }
        let tainted = spec.downstream(of: ancestors)
        var needed = Set<String>()
        for name in clones.keys {
            guard let stage = spec.stage(name) else { continue }
            for (port, names) in stage.inputs where !stage.hidesHeldOut(onPort: port, seenFrom: sources) {
                needed.formUnion(names.filter { !sources.contains($0) && clones[$0] == nil && tainted.contains($0) })
            }
        }
        var stages: [String: String] = [:]
        var filters: [String: (user: String, item: String)] = [:]
        for input in needed.sorted() {
            let members = spec.upstream(of: [input]).intersection(tainted).subtracting(ancestors)
            var roots = ancestors.contains(input) ? Set([input]) : []
            for m in members { roots.formUnion((spec.stage(m)?.dependencies ?? []).filter(ancestors.contains)) }
            // A chain reading a table whose columns may not name the pairs cannot drop them.
            guard roots.allSatisfy({ filterable[$0] != nil }) else { continue }
            for m in members { stages[m] = "\(evaluate).\(m)" }
            for r in roots { filters[r] = filterable[r] }
        }
        return (stages, filters)
    }

    /// The `drop_held_out` stage `<evaluate>.<table>` that reads `table` and the split, located
    /// at `table` (so an error in it points at the stage the user wrote).
    func heldOutFilter(of table: StageSpec, split: String, columns: (user: String, item: String), evaluate: String)
        -> StageSpec
    {
        var filter = StageSpec(
            name: "\(evaluate).\(table.name)", kind: StageSpec.dropHeldOutKind, location: table.location,
            inputs: ["data": [table.name], "split": [split]],
            params: ["user_column": .string(columns.user), "item_column": .string(columns.item)])
        filter.derivedFrom = table.name
        return filter
    }
}
