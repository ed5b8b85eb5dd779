import RecpipeCore

extension PipelineDecoder {
    // MARK: - References

    /// Checks every reference (unknown stage, self-reference), every cycle, and the artifact kind
    /// on every data edge.
    mutating func checkGraph() {
        var index: [String: Int] = [:]
        for (i, d) in drafts.enumerated() where index[d.name] == nil { index[d.name] = i }
        let names = drafts.map(\.name)
        // dependents[p] = stages that consume p's output or run after it, in file order.
        var dependents = [[Int]](repeating: [], count: drafts.count)
        for i in drafts.indices {
            for ref in drafts[i].references {
                if ref.name == drafts[i].name {
                    report(
                        .error(
                            "self-input",
                            ref.port == nil && drafts[i].after.contains(ref.name)
                                ? "stage '\(ref.name)' cannot run after itself"
                                : "stage '\(ref.name)' names itself as an input",
                            at: ref.location, hint: "name the stage that produces this stage's input"), stage: i)
                } else if let p = index[ref.name] {
                    // Stages are visited in order, so a repeat of i can only be the last entry.
                    if dependents[p].last != i { dependents[p].append(i) }
                } else {
                    report(
                        .error(
                            "unknown-stage", "stage '\(drafts[i].name)' refers to unknown stage '\(ref.name)'",
                            at: ref.location,
                            hint: Suggestions.hint(for: ref.name, in: names) ?? "stages: "
                                + names.joined(separator: ", ")),
                        stage: i)
                }
            }
        }
        for i in dependents.indices { dependents[i].sort() }
        reportCycles(dependents)
        checkArtifacts(index)
    }

    // MARK: - Cycles

    /// Reports one cycle per strongly connected component of more than one stage, as
    /// `a -> b -> c -> a` (data flow direction: `a` feeds `b`), starting and located at the
    /// component's first stage in file order. Uses Tarjan's algorithm, then a BFS for the
    /// shortest cycle through that stage. Complexity: O(V + E).
    private mutating func reportCycles(_ dependents: [[Int]]) {
        var components = StronglyConnected(dependents).components.filter { $0.count > 1 }
        components.sort { $0.min()! < $1.min()! }
        for component in components {
            let members = Set(component)
            let start = component.min()!
            // BFS from start's successors back to start, inside the component.
            var parent: [Int: Int] = [:]
            var queue = [start]
            var head = 0
            var closing: Int?
            search: while head < queue.count {
                let u = queue[head]
                head += 1
                for v in dependents[u] where members.contains(v) {
                    if v == start { closing = u; break search }
                    if parent[v] == nil { parent[v] = u; queue.append(v) }
                }
            }
            var path = [start]
            var node = closing!
            while node != start {
                path.append(node)
                node = parent[node]!
            }
            let cycle = [start] + path.dropFirst().reversed() + [start]
            report(
                .error(
                    "cycle", "stages form a cycle: " + cycle.map { drafts[$0].name }.joined(separator: " -> "),
                    at: drafts[start].location,
                    hint: "a stage runs after its inputs; remove one of these `input`/`inputs`/`after` references"))
            for m in component { drafts[m].failed = true }
        }
    }

    // MARK: - Artifact kinds

    /// For each data edge whose producer decoded cleanly, checks that the producer's output kind
    /// is accepted by the consumer's port.
    private mutating func checkArtifacts(_ index: [String: Int]) {
        for i in drafts.indices {
            guard let declaration = drafts[i].declaration else { continue }
            for ref in drafts[i].references {
                guard let portName = ref.port, let port = declaration.inputs.first(where: { $0.name == portName }),
                    let p = index[ref.name], p != i, !drafts[p].failed, let producer = drafts[p].declaration
                else { continue }
                let produced = producer.output(drafts[p].params)
                guard !port.accepts.contains(produced) else { continue }
                let accepts = port.accepts.map { "'\($0)'" }.joined(separator: " or ")
                report(
                    .error(
                        "artifact-mismatch",
                        "stage '\(drafts[i].name)' input '\(ref.name)' produces '\(produced)', but port '\(port.name)' of '\(drafts[i].name)' accepts \(accepts)",
                        at: ref.location,
                        hint: adapterHint(from: produced, to: port.accepts, between: ref.name, and: drafts[i].name)),
                    stage: i)
            }
        }
    }

    /// Suggests a catalog kind that turns `produced` into an accepted kind: one whose first port
    /// accepts `produced` and whose output is accepted, either with one choice parameter that
    /// selects the output set to the right value (named in the hint), or with its defaults.
    /// Kinds are tried in name order.
    func adapterHint(
        from produced: ArtifactKind, to accepts: [ArtifactKind], between upstream: String, and consumer: String
    ) -> String {
        for declaration in catalog.kinds.compactMap({ catalog[$0] }) {
            guard let first = declaration.inputs.first, first.accepts.contains(produced) else { continue }
            var defaults: [String: ParamValue] = [:]
            for p in declaration.params { if let d = p.defaultValue { defaults[p.name] = d } }
            let kind = "\(Self.article(declaration.kind)) `\(declaration.kind)` stage"
            for p in declaration.params {
                let outputs = Self.choices(of: p.type).map { choice in
                    var params = defaults
                    params[p.name] = .string(choice)
                    return (choice, declaration.output(params))
                }
                guard Set(outputs.map(\.1)).count > 1, let hit = outputs.first(where: { accepts.contains($0.1) }) else {
                    continue
                }
                return "insert \(kind) with \(p.name): \(hit.0) between '\(upstream)' and '\(consumer)'"
            }
            if accepts.contains(declaration.output(defaults)) {
                return "insert \(kind) between '\(upstream)' and '\(consumer)'"
            }
        }
        return "connect a stage that produces \(accepts.map(\.rawValue).joined(separator: " or "))"
    }

    private static func article(_ word: String) -> String {
        word.first.map { "aeiouAEIOU".contains($0) } == true ? "an" : "a"
    }

    private static func choices(of type: ParamType) -> [String] {
        switch type {
        case .choice(let c): c
        case .oneOf(let ts): ts.flatMap(choices)
        default: []
        }
    }
}

// MARK: - Tarjan

/// Strongly connected components of a directed graph given as adjacency lists (Tarjan, iterative).
/// Complexity: O(V + E).
struct StronglyConnected {
    private(set) var components: [[Int]] = []

    init(_ adjacency: [[Int]]) {
        let n = adjacency.count
        var index = [Int](repeating: -1, count: n)
        var low = [Int](repeating: 0, count: n)
        var onStack = [Bool](repeating: false, count: n)
        var stack: [Int] = []
        var counter = 0
        for root in 0..<n where index[root] < 0 {
            // Each frame: node and the position of the next edge to explore.
            var frames: [(node: Int, edge: Int)] = [(root, 0)]
            index[root] = counter; low[root] = counter; counter += 1
            stack.append(root); onStack[root] = true
            while let (v, e) = frames.last {
                if e < adjacency[v].count {
                    frames[frames.count - 1].edge += 1
                    let w = adjacency[v][e]
                    if index[w] < 0 {
                        index[w] = counter; low[w] = counter; counter += 1
                        stack.append(w); onStack[w] = true
                        frames.append((w, 0))
                    } else if onStack[w] {
                        low[v] = min(low[v], index[w])
                    }
                } else {
                    frames.removeLast()
                    if let parent = frames.last { low[parent.node] = min(low[parent.node], low[v]) }
                    if low[v] == index[v] {
                        var component: [Int] = []
                        while let w = stack.popLast() {
                            onStack[w] = false
                            component.append(w)
                            if w == v { break }
                        }
                        components.append(component)
                    }
                }
            }
        }
    }
}
