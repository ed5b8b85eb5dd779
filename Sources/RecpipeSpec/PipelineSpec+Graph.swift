extension PipelineSpec {
    // MARK: - Graph queries

    /// Stage names in an order where every stage comes after all its dependencies (data inputs and
    /// `after:`). Stable: among the stages that are ready, the earliest in file order goes first,
    /// so a file already written in dependency order comes back unchanged.
    ///
    /// Dependencies on names that are not stages are ignored. A loaded spec has no cycles; for a
    /// hand-built one with a cycle, the stages on or behind it are appended in file order.
    /// Complexity: O(V² + E), fine for pipelines of tens of stages.
    package func topologicalOrder() -> [String] {
        let index = stageIndex
        var remaining = [Int](repeating: 0, count: stages.count)
        var dependents = [[Int]](repeating: [], count: stages.count)
        for (i, stage) in stages.enumerated() {
            for dep in Set(stage.dependencies) {
                guard let d = index[dep], d != i else { continue }
                remaining[i] += 1
                dependents[d].append(i)
            }
        }
        var done = [Bool](repeating: false, count: stages.count)
        var order: [String] = []
        while let next = stages.indices.first(where: { !done[$0] && remaining[$0] == 0 }) {
            done[next] = true
            order.append(stages[next].name)
            for d in dependents[next] { remaining[d] -= 1 }
        }
        for i in stages.indices where !done[i] { order.append(stages[i].name) }
        return order
    }

    /// The given stages and every stage that depends on them, directly or transitively (what
    /// must re-run when they change). Names that are not stages are kept as given.
    /// Complexity: O(V + E).
    package func downstream(of names: Set<String>) -> Set<String> {
        var dependents: [String: [String]] = [:]
        for stage in stages {
            for dep in stage.dependencies { dependents[dep, default: []].append(stage.name) }
        }
        return closure(from: names) { dependents[$0] ?? [] }
    }

    /// The given stages and every stage they depend on, directly or transitively (what must run
    /// before them). Names that are not stages are kept as given. Complexity: O(V + E).
    package func upstream(of names: Set<String>) -> Set<String> {
        let index = stageIndex
        return closure(from: names) { name in index[name].map { stages[$0].dependencies } ?? [] }
    }

    // MARK: - Helpers

    private var stageIndex: [String: Int] {
        var index: [String: Int] = [:]
        for (i, s) in stages.enumerated() where index[s.name] == nil { index[s.name] = i }
        return index
    }

    private func closure(from start: Set<String>, next: (String) -> [String]) -> Set<String> {
        var seen = start
        var work = Array(start)
        while let name = work.popLast() {
            for n in next(name) where seen.insert(n).inserted { work.append(n) }
        }
        return seen
    }
}
