import ArgumentParser
import Foundation
import RecpipeCore
import RecpipeEngine
import RecpipeSpec
import RecpipeStages

struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run a pipeline: stages in parallel, unchanged stages from the cache.",
        discussion: """
            Every stage's result is cached under a fingerprint of its kind, parameters, inputs and \
            the files it reads; a stage whose fingerprint is unchanged is not run again. After a \
            failure, fix the cause and run the same command: finished stages are reused.

            Examples:
              recpipe run pipelines/demo.yaml
              recpipe run pipelines/demo.yaml --set als.factors=128 --jobs 2
              recpipe run pipelines/demo.yaml --only recs        # re-run one stage from cached inputs
              recpipe run pipelines/demo.yaml --from als         # re-run als and everything after it
              recpipe run pipelines/demo.yaml --dry-run          # what would run, and why
              recpipe run pipelines/demo.yaml --diff             # what a rule change did to the recommendations
            """)

    @OptionGroup var pipeline: PipelineArguments

    @Option(help: "Stages to run at once (default: the number of cores).")
    var jobs: Int?

    @Flag(help: "Re-run every selected stage even when its result is cached.")
    var force = false

    @Option(help: "Run only this stage (repeatable); its inputs must be cached.")
    var only: [String] = []

    @Option(help: "Re-run this stage and everything downstream of it (repeatable).")
    var from: [String] = []

    @Option(help: "Run only this stage and what it depends on (repeatable).")
    var to: [String] = []

    @Flag(help: "Show what would run and why, without running anything.")
    var dryRun = false

    @Option(help: "Cache directory (default: .recpipe/ beside the pipeline file).")
    var cacheDir: String?

    @Flag(help: "After the run, compare each rank stage's recommendations, and each evaluate stage's metrics, with its previous result.")
    var diff = false

    @Flag(help: "If another run is using the same cache directory, wait for it to finish (default: exit 1 at once).")
    var wait = false

    func validate() throws {
        if let jobs, jobs < 1 { throw ValidationError("--jobs must be at least 1 (got \(jobs))") }
    }

    func run() async throws {
        let spec = try pipeline.load()
        var options = RunOptions()
        if let jobs { options.jobs = jobs }
        options.force = force
        options.only = only
        options.from = from
        options.to = to
        options.dryRun = dryRun
        options.cacheDirectory = cacheDir
        options.waitForLock = wait

        let console = Console.current
        let report: RunReport
        do {
            report = try await StageRegistry.runner.run(spec, options: options, observer: ConsoleObserver(console: console))
        } catch {
            for d in error.diagnostics { Console.error(DiagnosticRenderer().render(d)) }
            // Another run holding the cache is not a problem in the pipeline: exit 1, like a failed run.
            throw ExitCode(error.diagnostics.allSatisfy { $0.code == "run-locked" } ? 1 : 2)
        }
        Console.print("")
        Console.print(SummaryTable.render(report))
        if let notes = SummaryTable.notes(report) {
            Console.print("")
            Console.print(notes)
        }
        for w in SummaryTable.warnings(report) { Console.error(w) }
        if let manifest = report.manifestPath { Console.print("\nmanifest: \(manifest)") }
        if diff && !report.dryRun {
            for block in RankResults.diffReport(spec, options: options, report: report) { Console.print("\n" + block) }
        }
        if report.exitCode != 0 {
            for f in report.failed {
                Console.error("\nerror: stage '\(f.stage)' (\(f.kind)) failed: \(f.error ?? "unknown error")")
            }
            for e in report.errors { Console.error("\nerror: \(e)") }
            Console.error(
                "\nFix the problem, then resume with:\n  recpipe run \(CommandLine.shellQuoted([pipeline.pipeline] + pipeline.overrides.flatMap { ["--set", $0] }))\n(finished stages are reused from the cache)"
            )
            throw ExitCode(report.exitCode)
        }
    }
}

extension CommandLine {
    static func shellQuoted(_ args: [String]) -> String {
        args.map { a in
            a.allSatisfy { $0.isLetter || $0.isNumber || "-_./=,:@".contains($0) } ? a : "'" + a.replacingOccurrences(of: "'", with: "'\\''") + "'"
        }.joined(separator: " ")
    }
}
