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
        var sources = result.sources
        // Lua scripts and other files named by diagnostics: echo their lines too.
        for file in Set(result.diagnostics.compactMap(\.location?.file)) where sources[file] == nil {
            if let text = try? String(contentsOfFile: file, encoding: .utf8), text.utf8.count < 4 << 20 {
                sources[file] = text
            }
        }
        let renderer = DiagnosticRenderer(sources: sources)
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
}
