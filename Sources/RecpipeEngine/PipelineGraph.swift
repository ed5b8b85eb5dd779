import RecpipeSpec

/// The DAG of a validated pipeline: data edges from `input`/`inputs`, order edges from `after`.
/// (Cycles are rejected by validation before a graph is built.)
package struct PipelineGraph: Sendable {
    /// Stage names in a stable topological order (file order among stages that are ready).
    package let order: [String]
    /// Stage → the stages it waits for (data and order-only).
    package let dependencies: [String: [String]]
    /// Stage → the stages whose data it consumes.
    package let dataDependencies: [String: [String]]
    /// Stage → the stages that wait for it.
    package let dependents: [String: [String]]
    private let spec: PipelineSpec

    package init(_ spec: PipelineSpec) {
        var deps: [String: [String]] = [:]
        var data: [String: [String]] = [:]
        var rdeps: [String: [String]] = [:]
        for s in spec.stages {
            deps[s.name] = s.dependencies
            data[s.name] = Array(Set(s.inputs.values.flatMap { $0 })).sorted()
            rdeps[s.name] = rdeps[s.name] ?? []
            for d in s.dependencies { rdeps[d, default: []].append(s.name) }
        }
        dependencies = deps
        dataDependencies = data
        dependents = rdeps
        order = spec.topologicalOrder()
        self.spec = spec
    }

    /// The given stages and everything they (transitively) depend on; with `dataOnly`, only
    /// through data inputs (not `after:` order edges).
    package func upstream(of names: some Sequence<String>, dataOnly: Bool = false) -> Set<String> {
        guard dataOnly else { return spec.upstream(of: Set(names)) }
        var seen = Set<String>()
        var stack = Array(names)
        while let n = stack.popLast() {
            guard seen.insert(n).inserted else { continue }
            stack.append(contentsOf: dataDependencies[n] ?? [])
        }
        return seen
    }

    /// The given stages and everything that (transitively) depends on them.
    package func downstream(of names: some Sequence<String>) -> Set<String> {
        spec.downstream(of: Set(names))
    }
}
