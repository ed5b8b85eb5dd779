import ArgumentParser
import Foundation
import RecpipeEngine
import RecpipeStages

/// `recpipe runs P`: the pipeline's past runs from their manifests, newest first — id, start
/// time, production or experiment, outcome, stage tally, as-of date and `--set` overrides. An id
/// goes to `recpipe run P --diff --against ID`.
struct RunsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "runs",
        abstract: "List past runs of a pipeline: settings and outcome, newest first.",
        discussion: """
            Examples:
              recpipe runs pipelines/demo.yaml
              recpipe run pipelines/demo.yaml --diff --against 20261123T175615Z-3efd
            """)

    @OptionGroup var pipeline: PipelineArguments

    @Option(name: .short, help: "How many runs to list (default 20).")
    var n = 20

    @Option(help: "Cache directory (default: .recpipe/ beside the pipeline file).")
    var cacheDir: String?

    func run() throws {
        let spec = try pipeline.load()
        var options = RunOptions()
        options.cacheDirectory = cacheDir
        let history = RunHistory(
            runsDirectory: StageRegistry.runner.store(for: spec, options: options).runsDirectory, pipeline: spec.name)
        Console.print(Self.render(history, limit: n))
    }

    static func render(_ history: RunHistory, limit: Int) -> String {
        guard !history.runs.isEmpty else { return "no runs yet" }
        let header = ["run", "started (UTC)", "kind", "outcome", "stages", "as_of", "overrides"]
        var rows = [header]
        for r in history.runs.prefix(limit) {
            let count = { (s: StageStatus) in r.stages.count { $0.status == s } }
            var tally = "\(count(.ran)) ran, \(count(.cached)) cached"
            if count(.failed) > 0 { tally += ", \(count(.failed)) failed" }
            rows.append([
                r.runID, RunRecord.iso8601(r.startedAt), r.record.experiment.map { "experiment \($0)" } ?? "production",
                r.exitCode == 0 ? "ok" : "failed", tally, r.record.asOf ?? "",
                r.record.overrides.joined(separator: " "),
            ])
        }
        var widths = header.map { _ in 0 }
        for row in rows { for (i, c) in row.enumerated() { widths[i] = max(widths[i], c.count) } }
        return rows.map { row in
            row.enumerated().map { i, c in
                i == row.count - 1 ? c : c.padding(toLength: widths[i], withPad: " ", startingAt: 0)
            }
            .joined(separator: "  ").trimmingCharacters(in: .whitespaces)
        }.joined(separator: "\n")
    }
}
