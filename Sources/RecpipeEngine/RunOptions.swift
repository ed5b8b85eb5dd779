import Foundation
import RecpipeAlgorithms
import RecpipeCore
import RecpipeSpec

/// How `recpipe run` should run a pipeline.
package struct RunOptions: Sendable {
    /// Stages running at once (default: the cores this process may run on).
    package var jobs: Int = Parallel.cores
    /// Worker threads each stage may use for its own parallel loops (default: the cores this
    /// process may run on).
    package var threads: Int?
    /// Re-run every selected stage even when its result is cached.
    package var force = false
    /// Run only these stages; their upstream results must be cached.
    package var only: [String] = []
    /// Re-run these stages and everything downstream of them.
    package var from: [String] = []
    /// Run only these stages and what they depend on.
    package var to: [String] = []
    /// Report what would run and why, without running or writing anything.
    package var dryRun = false
    /// Cache directory; default `.recpipe/` beside the pipeline file.
    package var cacheDirectory: String?
    /// When another run holds the cache directory's lock, wait for it (else fail at once).
    package var waitForLock = false
    /// A stage with warnings (a rule that matched nothing, a pinned id not in the items table, a
    /// number compared with a string) fails the run, and its dependents are skipped.
    package var strict = false
    /// For the manifest: the `--set` overrides as given and the recpipe version.
    package var overrides: [String] = []
    package var toolVersion: String?
    /// An experiment run (`--experiment NAME`, or `--set` without `--production`): its outputs
    /// go to `experiments/NAME/` beside each output path, its results are remembered apart, and
    /// it never becomes the production result or the `--diff` baseline.
    package var experiment: String?

    package init() {}
}

/// Which stages a run considers, derived from `RunOptions` and the graph.
struct Selection {
    /// Stages the user asked to run.
    var selected: Set<String>
    /// Selected stages plus the upstream stages whose results they need.
    var needed: Set<String>
    /// Stages to re-run even if cached.
    var forced: Set<String>
    /// Stages whose results must come from the cache (`--only`).
    var cacheOnly: Set<String>

    /// Checks the stage names in the options; unknown names are diagnostics with a hint.
    static func make(spec: PipelineSpec, graph: PipelineGraph, options: RunOptions) throws(DiagnosticsError)
        -> Selection
    {
        let all = Set(spec.stages.map(\.name))
        var problems: [Diagnostic] = []
        for (flag, names) in [("--only", options.only), ("--from", options.from), ("--to", options.to)] {
            for n in names where !all.contains(n) {
                problems.append(
                    .error(
                        "unknown-stage", "\(flag) names stage '\(n)', which is not in pipeline '\(spec.name)'",
                        hint: Suggestions.hint(for: n, in: all.sorted())
                            ?? "stages: \(spec.stages.map(\.name).joined(separator: ", "))"))
            }
        }
        if !problems.isEmpty { throw DiagnosticsError(problems) }

        var selected = all
        if !options.to.isEmpty { selected.formIntersection(graph.upstream(of: options.to)) }
        if !options.from.isEmpty { selected.formIntersection(graph.downstream(of: options.from)) }
        if !options.only.isEmpty { selected.formIntersection(options.only) }
        let needed = graph.upstream(of: selected, dataOnly: true).union(selected)
        var forced = Set<String>()
        if options.force { forced = selected }
        if !options.from.isEmpty { forced.formUnion(graph.downstream(of: options.from).intersection(selected)) }
        let cacheOnly = options.only.isEmpty ? [] : needed.subtracting(selected)
        return Selection(selected: selected, needed: needed, forced: forced, cacheOnly: cacheOnly)
    }
}
