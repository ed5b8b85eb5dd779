import ArgumentParser
import RecpipeSpec

struct ValidateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate",
        abstract: "Check a pipeline file and report every problem at once.",
        discussion: "Exit 0 when valid, 2 with located diagnostics when not. Nothing is run.")

    @OptionGroup var pipeline: PipelineArguments

    func run() throws {
        let spec = try pipeline.load()
        Console.print("\(pipeline.pipeline): ok — pipeline '\(spec.name)', \(spec.stages.count) stages")
    }
}
