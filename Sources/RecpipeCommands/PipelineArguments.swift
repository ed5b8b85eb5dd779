import ArgumentParser
import Foundation
import RecpipeCore
import RecpipeSpec
import RecpipeStages

/// The pipeline file and `--set` overrides, shared by run/validate/graph.
struct PipelineArguments: ParsableArguments {
    @Argument(help: "The pipeline YAML file.", completion: .file(extensions: ["yaml", "yml"]))
    var pipeline: String

    @Option(
        name: .customLong("set"),
        help: ArgumentHelp(
            "Override a value: vars.NAME=V, STAGE.PARAM=V, STAGE.PARAM.KEY=V (one key of a mapping), seed=N or as_of=YYYY-MM-DD (repeatable).",
            valueName: "KEY=VALUE"))
    var overrides: [String] = []

    /// Loads and validates the pipeline; prints every diagnostic and throws exit code 2 on error.
    func load() throws -> PipelineSpec {
        let result = PipelineLoader.load(path: pipeline, overrides: overrides, catalog: StageRegistry.catalog)
        let renderer = Self.renderer(for: result.diagnostics, sources: result.sources)
        for d in result.diagnostics {
            Console.error(renderer.render(d))
        }
        guard let spec = result.spec else {
            let errors = result.diagnostics.filter { $0.severity == .error }.count
            Console.error("\(pipeline): \(errors) error\(errors == 1 ? "" : "s"); nothing was run")
            throw ExitCode(2)
        }
        return spec
    }

    /// A renderer that echoes the source line of each diagnostic: `sources` (the pipeline file as
    /// loaded), plus the Lua scripts and other files the diagnostics name, read from disk.
    static func renderer(for diagnostics: [Diagnostic], sources: [String: String] = [:]) -> DiagnosticRenderer {
        var sources = sources
        for file in Set(diagnostics.compactMap(\.location?.file)) where sources[file] == nil {
            if let text = try? String(contentsOfFile: file, encoding: .utf8), text.utf8.count < 4 << 20 {
                sources[file] = text
            }
        }
        return DiagnosticRenderer(sources: sources)
    }
}
