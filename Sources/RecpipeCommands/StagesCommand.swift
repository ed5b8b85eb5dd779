import ArgumentParser
import RecpipeCore
import RecpipeSpec
import RecpipeStages

struct StagesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stages",
        abstract: "List stage kinds, or show one kind's inputs, output and parameters.",
        discussion: "The same declarations drive validation and defaults, so this is always current.")

    @Argument(help: "A stage kind to describe in full (default: list all kinds).")
    var kind: String?

    func run() throws {
        let catalog = StageRegistry.catalog
        guard let kind else {
            let width = catalog.kinds.map(\.count).max() ?? 0
            for k in catalog.kinds {
                let d = catalog[k]!
                Console.print(k.padding(toLength: width + 2, withPad: " ", startingAt: 0) + d.summary)
            }
            Console.print("\nRun `recpipe stages KIND` for a kind's parameters.")
            return
        }
        guard let d = catalog[kind] else {
            let hint =
                Suggestions.hint(for: kind, in: catalog.kinds) ?? "kinds: \(catalog.kinds.joined(separator: ", "))"
            Console.error("error: unknown stage kind '\(kind)' (\(hint))")
            throw ExitCode(2)
        }
        Console.print(Self.describe(d))
    }

    static func describe(_ d: StageDeclaration) -> String {
        var lines = ["\(d.kind) — \(d.summary)", ""]
        if d.inputs.isEmpty {
            lines.append("inputs: none")
        } else {
            lines.append("inputs:")
            for (i, p) in d.inputs.enumerated() {
                let accepts = p.accepts.map(\.rawValue).joined(separator: " | ")
                var flags: [String] = []
                if i == 0 { flags.append("`input:` binds here") }
                if !p.required { flags.append("optional") }
                if p.multiple { flags.append("list") }
                let f = flags.isEmpty ? "" : " (\(flags.joined(separator: ", ")))"
                lines.append("  \(p.name): \(accepts)\(f) — \(p.doc)")
            }
        }
        let sample = d.params.reduce(into: [String: ParamValue]()) { $0[$1.name] = $1.defaultValue }
        lines.append("output: \(d.output(sample).rawValue)")
        lines.append("")
        lines.append("parameters:")
        let width = d.params.map(\.name.count).max() ?? 0
        for p in d.params {
            var facts = [p.type.description]
            if p.required { facts.append("required") }
            if let v = p.defaultValue { facts.append("default \(v)") }
            if let r = p.range { facts.append("range \(fmt(r.lowerBound))…\(fmt(r.upperBound))") }
            lines.append(
                "  " + p.name.padding(toLength: width + 2, withPad: " ", startingAt: 0)
                    + "\(p.doc) [\(facts.joined(separator: ", "))]")
        }
        if let (title, known) = StageColumns.documented(kind: d.kind) {
            lines += ["", "columns (\(title); `recpipe columns PIPELINE STAGE` for one stage's):"]
            lines += ColumnsCommand.table(known).map { "  " + $0 }
        }
        return lines.joined(separator: "\n")
    }

    static func fmt(_ x: Double) -> String {
        if x == .infinity { return "∞" }
        if x == -.infinity { return "-∞" }
        return x == x.rounded() && abs(x) < 1e15 ? String(Int(x)) : String(x)
    }
}
