import ArgumentParser
import RecpipeCore
import RecpipeSpec

/// Picks the stage of a kind a query command reads: the one named by its flag, else the
/// pipeline's only stage of that kind, else the only one that feeds a `rank` stage (the model
/// that serves, rather than an evaluation copy trained on a split). Every wrong choice is a usage
/// error (exit 2) that says what to pass instead.
enum StageChoice {
    /// - Parameters:
    ///   - name: the flag's value, if given.
    ///   - flag: the flag's spelling, for messages (`--stage`, `--als-stage`).
    ///   - purpose: what the stage is for, for messages (`factors reads an als stage`).
    ///   - required: when false, no stage or several stages give nil instead of an error.
    static func choose(
        _ spec: PipelineSpec, kind: String, name: String?, flag: String, purpose: String, required: Bool = true
    ) throws -> StageSpec? {
        let all = spec.stages.filter { $0.kind == kind && $0.derivedFrom == nil }  // not evaluation refits
        let names = all.isEmpty ? "none" : all.map(\.name).joined(separator: ", ")
        if let name {
            guard let s = spec.stage(name) else {
                let hint = Suggestions.hint(for: name, in: spec.stages.map(\.name)).map { " (\($0))" } ?? ""
                Console.error("error: the pipeline has no stage '\(name)'\(hint)")
                throw ExitCode(2)
            }
            guard s.kind == kind else {
                let article = s.kind.first.map { "aeiou".contains($0) } == true ? "an" : "a"
                Console.error(
                    "error: stage '\(name)' is \(article) \(s.kind) stage; \(purpose) (\(kind) stages: \(names))")
                throw ExitCode(2)
            }
            return s
        }
        if all.count == 1 { return all[0] }
        let serving = upstream(
            of: spec.stages.filter { $0.kind == "rank" && $0.derivedFrom == nil }.map(\.name), in: spec)
        let feeding = all.filter { serving.contains($0.name) }
        if feeding.count == 1 { return feeding[0] }
        guard required else { return nil }
        if all.isEmpty {
            Console.error("error: the pipeline has no \(kind) stage; \(purpose)")
        } else {
            let why = feeding.isEmpty ? "none of them feeds a rank stage" : "several feed a rank stage"
            Console.error(
                "error: the pipeline has several \(kind) stages (\(names)) and \(why); choose one with \(flag)")
        }
        throw ExitCode(2)
    }

    /// Every stage that `stages` read from, directly or through others (inputs only, not `after`).
    static func upstream(of stages: [String], in spec: PipelineSpec) -> Set<String> {
        var seen = Set<String>()
        var stack = stages
        while let name = stack.popLast() {
            guard let stage = spec.stage(name) else { continue }
            for input in stage.inputs.values.joined() where seen.insert(input).inserted {
                stack.append(input)
            }
        }
        return seen
    }
}
