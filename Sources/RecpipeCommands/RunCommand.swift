import ArgumentParser
import Foundation
import RecpipeAlgorithms
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
              recpipe run pipelines/demo.yaml --strict           # warnings (a rule that matched nothing, …) fail the run
              recpipe run pipelines/demo.yaml --json --quiet     # cron: one JSON summary, warnings on stderr
              recpipe run pipelines/demo.yaml --set recs.top=5 --diff   # an experiment: beside production, diffed against it
              recpipe run pipelines/demo.yaml --diff --against 20261123T175615Z-3efd   # against a run from `recpipe runs`

            Exit codes: 0 success, 1 a stage failed (or warned, with --strict), 2 invalid pipeline \
            or usage, 75 another run is using the cache directory (try again later, or --wait).
            """)

    @OptionGroup var pipeline: PipelineArguments

    @Option(help: "Stages to run at once (default: the number of cores).")
    var jobs: Int?

    @Option(
        help: ArgumentHelp(
            "Worker threads each stage may use (default: the number of cores, or RECPIPE_THREADS).",
            discussion: "`--jobs 1 --threads 1` runs the whole pipeline on one core. Results do not depend on it."))
    var threads: Int?

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

    @Flag(
        help:
            "After the run, compare each rank stage's recommendations, and each evaluate stage's metrics, with its previous result."
    )
    var diff = false

    @Flag(
        help:
            "If another run is using the same cache directory, wait for it to finish (default: exit \(RunCommand.busyExitCode) at once)."
    )
    var wait = false

    @Flag(
        help:
            "Fail the run (exit 1) when a stage warns: a rule that matched nothing, a pinned id not in the items table, a number compared with a string (CI of rule files)."
    )
    var strict = false

    @Flag(help: "Print the run summary as one JSON document on standard output (the manifest's content), and no table.")
    var json = false

    @Flag(help: "Print only warnings and errors (no progress, table or notes).")
    var quiet = false

    @Option(
        help:
            "Run as the experiment NAME: outputs go to experiments/NAME/ beside each output path, and the run never becomes the production result or the --diff baseline. Runs with --set are experiments unless --production is given."
    )
    var experiment: String?

    @Flag(
        help:
            "Make this run's --set overrides production: its outputs replace the production outputs and it becomes the next --diff baseline."
    )
    var production = false

    @Option(
        help:
            "With --diff: compare with the result of this run (an id from `recpipe runs`) instead of the default baseline."
    )
    var against: String?

    /// Exit code when another run holds the cache directory: EX_TEMPFAIL, "try again later".
    static let busyExitCode: Int32 = 75

    func validate() throws {
        if let jobs, jobs < 1 { throw ValidationError("--jobs must be at least 1 (got \(jobs))") }
        if let threads, threads < 1 { throw ValidationError("--threads must be at least 1 (got \(threads))") }
        if production && experiment != nil { throw ValidationError("--production and --experiment exclude each other") }
        if let experiment,
            experiment.isEmpty || experiment.contains(where: { !($0.isLetter || $0.isNumber || "-_.=,".contains($0)) })
        {
            throw ValidationError("--experiment NAME: use letters, digits and - _ . = , (got '\(experiment)')")
        }
        if against != nil && !diff { throw ValidationError("--against RUN_ID goes with --diff") }
    }

    func run() async throws {
        guard let threads else { return try await runPipeline() }
        try await Parallel.withWorkerLimit(threads) { try await runPipeline() }
    }

    private func runPipeline() async throws {
        let spec = try pipeline.load()
        var options = RunOptions()
        if let jobs { options.jobs = jobs }
        if let threads { options.threads = threads }
        options.force = force
        options.only = only
        options.from = from
        options.to = to
        options.dryRun = dryRun
        options.cacheDirectory = cacheDir
        options.waitForLock = wait
        options.strict = strict
        options.overrides = pipeline.overrides
        options.toolVersion = RecpipeVersion.string
        options.experiment = experiment ?? (production ? nil : Self.experimentName(pipeline.overrides))

        let console = Console.current
        let report: RunReport
        do {
            let observer: any RunObserver = quiet || json ? SilentObserver() : ConsoleObserver(console: console)
            report = try await StageRegistry.runner.run(spec, options: options, observer: observer)
        } catch {
            for d in error.diagnostics { Console.error(DiagnosticRenderer().render(d)) }
            // Another run holding the cache is a temporary failure, not a problem in the pipeline:
            // its own code (75, EX_TEMPFAIL), so cron wrappers can retry instead of alerting.
            let codes = Set(error.diagnostics.map(\.code))
            throw ExitCode(codes == ["run-locked"] ? Self.busyExitCode : codes == ["run-lock-failed"] ? 1 : 2)
        }
        let diffBlocks =
            diff && !report.dryRun
            ? RankResults.diffReport(spec, options: options, report: report, against: against) : []
        if json {
            Console.print(RunSummaryJSON.render(report, diff: diffBlocks))
        } else if !quiet {
            Console.print("")
            Console.print(SummaryTable.render(report))
            if let notes = SummaryTable.notes(report) {
                Console.print("")
                Console.print(notes)
            }
        }
        for w in SummaryTable.warnings(report) { Console.error(w) }
        if let name = options.experiment, !json, !report.dryRun {
            Console.error(
                "experiment '\(name)': outputs are under experiments/\(name)/ beside each output path; the production results, "
                    + "`recommend` and the --diff baseline are unchanged (pass --production to make --set overrides production)"
            )
        }
        if !json && !quiet {
            if let manifest = report.manifestPath { Console.print("\nmanifest: \(manifest)") }
            for block in diffBlocks { Console.print("\n" + block) }
        }
        if report.exitCode != 0 {
            // Each failure as a diagnostic: location, message and code, the source line with a caret, the hint.
            let failures = report.failed.map { f in
                let d = f.failure ?? .error(f.errorCode ?? "stage-failed", f.error ?? "unknown error")
                return Diagnostic(
                    .error, code: d.code, "stage '\(f.stage)' (\(f.kind)) failed: \(d.message) [\(d.code)]",
                    at: d.location,
                    hint: d.hint)
            }
            let renderer = PipelineArguments.renderer(for: failures)
            for d in failures { Console.error("\n" + renderer.render(d)) }
            for e in report.errors { Console.error("\nerror: \(e)") }
            Console.error(
                "\nFix the problem, then resume with:\n  recpipe run \(CommandLine.shellQuoted([pipeline.pipeline] + pipeline.overrides.flatMap { ["--set", $0] }))\n(finished stages are reused from the cache)"
            )
            throw ExitCode(report.exitCode)
        }
    }
}

extension RunCommand {
    /// The experiment a run with `--set` overrides is: `recs.top=5,vars.n=3` (path-safe, at most
    /// 60 characters); nil without overrides.
    static func experimentName(_ overrides: [String]) -> String? {
        guard !overrides.isEmpty else { return nil }
        let text = overrides.sorted().joined(separator: ",")
        let safe = String(text.map { $0.isLetter || $0.isNumber || "-_.=,".contains($0) ? $0 : "_" }.prefix(60))
        return safe
    }
}

extension CommandLine {
    static func shellQuoted(_ args: [String]) -> String {
        args.map { a in
            a.allSatisfy { $0.isLetter || $0.isNumber || "-_./=,:@".contains($0) }
                ? a : "'" + a.replacingOccurrences(of: "'", with: "'\\''") + "'"
        }.joined(separator: " ")
    }
}
