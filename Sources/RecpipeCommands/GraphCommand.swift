import ArgumentParser
import RecpipeEngine
import RecpipeSpec
import RecpipeStages

struct GraphCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "graph",
        abstract: "Print the pipeline's DAG as Mermaid or Graphviz dot.",
        discussion: """
            Examples:
              recpipe graph pipelines/demo.yaml > dag.mmd
              recpipe graph pipelines/demo.yaml --format dot | dot -Tsvg > dag.svg
            """)

    enum Format: String, ExpressibleByArgument, CaseIterable {
        case mermaid, dot, text
    }

    @OptionGroup var pipeline: PipelineArguments

    @Option(help: "Output format: mermaid, dot or text.")
    var format: Format = .mermaid

    func run() throws {
        let spec = try pipeline.load()
        Console.print(GraphRenderer.render(spec, format: format))
    }
}

/// Renders a pipeline's stages and edges (each labelled with its input port).
enum GraphRenderer {
    static func render(_ spec: PipelineSpec, format: GraphCommand.Format) -> String {
        let order = PipelineGraph(spec).order
        let stages = order.compactMap { spec.stage($0) }
        var edges: [(from: String, to: String, label: String, dashed: Bool)] = []
        for s in stages {
            for port in s.inputs.keys.sorted() {
                for up in s.inputs[port]! { edges.append((up, s.name, port, false)) }
            }
            for up in s.after { edges.append((up, s.name, "after", true)) }
        }
        func output(_ s: StageSpec) -> String {
            StageRegistry.catalog[s.kind].map { $0.output(s.params).rawValue } ?? "?"
        }
        switch format {
        case .mermaid:
            var lines = ["flowchart LR"]
            for s in stages {
                lines.append("  \(mermaidID(s.name))[\"\(s.name)<br/><small>\(s.kind) → \(output(s))</small>\"]")
            }
            for e in edges {
                let arrow = e.dashed ? "-.->" : "-->"
                lines.append("  \(mermaidID(e.from)) \(arrow)|\(e.label)| \(mermaidID(e.to))")
            }
            return lines.joined(separator: "\n")
        case .dot:
            var lines = ["digraph \"\(escape(spec.name))\" {", "  rankdir=LR;", "  node [shape=box, style=rounded];"]
            for s in stages {
                lines.append("  \"\(escape(s.name))\" [label=\"\(escape(s.name))\\n\(s.kind) → \(output(s))\"];")
            }
            for e in edges {
                let style = e.dashed ? ", style=dashed" : ""
                lines.append("  \"\(escape(e.from))\" -> \"\(escape(e.to))\" [label=\"\(e.label)\"\(style)];")
            }
            lines.append("}")
            return lines.joined(separator: "\n")
        case .text:
            return stages.map { s in
                let ins = s.inputs.keys.sorted().map { "\($0)=\(s.inputs[$0]!.joined(separator: ","))" }
                let deps = ins + (s.after.isEmpty ? [] : ["after=\(s.after.joined(separator: ","))"])
                return "\(s.name) (\(s.kind) → \(output(s)))"
                    + (deps.isEmpty ? "" : " ← " + deps.joined(separator: " "))
            }.joined(separator: "\n")
        }
    }

    static func mermaidID(_ name: String) -> String {
        "s_" + name.map { $0.isLetter || $0.isNumber || $0 == "_" ? String($0) : "_" }.joined()
    }

    static func escape(_ s: String) -> String {
        s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
    }
}
