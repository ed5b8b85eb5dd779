import ArgumentParser
import Foundation
import RecpipeCore
import RecpipeEngine
import RecpipeServe
import RecpipeSpec
import RecpipeStages

/// `recpipe serve PIPELINE`: recommendations and profiles of the last run over HTTP, updated by
/// each new event (see RecpipeServe).
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve the last run's recommendations and profiles over HTTP, updated by each new event.",
        discussion: """
            Loads the last successful run of the pipeline's rank stage (run the pipeline first) and \
            answers GET /v1/users/{id}/recommendations, /v1/users/{id}/profile, \
            /v1/items/{id}/similar, /v1/status, /healthz, /metrics and /openapi.yaml. \
            POST /v1/events appends events to the event log (fsync'ed before the answer), then \
            updates the user's profile, tags, ALS vector and ranked list. Rules files are reloaded \
            when they change (or on POST /v1/rules/reload); a broken file keeps the old rules.

            The event log is JSON Lines in the pipeline's event schema, one per pipeline file \
            (serve-log/demo/events.jsonl for pipelines/demo.yaml); let the next `recpipe run` read \
            it with `include: serve-log/demo` on the events ingest stage (see pipelines/demo.yaml). \
            On start, the lines the loaded run did not read are replayed.

            Bound to anything but 127.0.0.1/localhost, writes need a bearer token \
            (RECPIPE_SERVE_TOKEN or --token-file).

            Examples:
              recpipe serve pipelines/demo.yaml
              curl -s localhost:8080/v1/users/U1043/recommendations?explain=true
              RECPIPE_SERVE_TOKEN=secret recpipe serve pipelines/demo.yaml --host 0.0.0.0 --port 9000
            """)

    @OptionGroup var pipeline: PipelineArguments

    @Option(help: "Address to bind (anything but 127.0.0.1/localhost/::1 needs a token).")
    var host = "127.0.0.1"

    @Option(help: "Port to listen on (0: any free port).")
    var port = 8080

    @Option(help: "The rank stage to serve (default: the pipeline's only rank stage).")
    var stage: String?

    @Option(
        help:
            "The event log (JSON Lines; default: serve-log/<pipeline file name without .yaml>/events.jsonl beside the pipeline file)."
    )
    var eventLog: String?

    @Option(help: "A file whose first line is the bearer token for writes (else RECPIPE_SERVE_TOKEN).")
    var tokenFile: String?

    @Option(help: "Largest request body in bytes.")
    var maxBody = 1 << 20

    @Option(help: "Cache directory (default: .recpipe/ beside the pipeline file).")
    var cacheDir: String?

    @Option(
        help: """
            Memory bound of the response cache of recommendations and profile answers, in MiB \
            (0: no cache; answers are dropped when an event changes their user or the rules reload).
            """)
    var cacheMb = ServeOptions.defaultCacheBytes >> 20

    func validate() throws {
        guard (0...65535).contains(port) else { throw ValidationError("--port must be 0…65535 (got \(port))") }
        guard maxBody >= 1024 else { throw ValidationError("--max-body must be at least 1024 bytes (got \(maxBody))") }
        guard (0...1 << 20).contains(cacheMb) else {
            throw ValidationError("--cache-mb must be 0 (off) … 1048576 MiB (got \(cacheMb))")
        }
    }

    func run() async throws {
        let spec = try pipeline.load()
        var options = ServeOptions()
        options.host = host
        options.port = port
        options.maxBodyBytes = maxBody
        options.cacheBytes = cacheMb << 20
        options.logPath =
            eventLog.map { StageContext.resolve($0, base: FileManager.default.currentDirectoryPath) }
            ?? EventLogPlace.defaultPath(spec)
        var runOptions = RunOptions()
        runOptions.cacheDirectory = cacheDir
        let store = StageRegistry.runner.store(for: spec, options: runOptions)
        do {
            try options.resolveToken(environment: ProcessInfo.processInfo.environment, tokenFile: tokenFile)
            if eventLog == nil { try EventLogPlace.checkNoSharedLog(spec) }
            let clock = ContinuousClock.now
            let (state, log, replay) = try ServeServer.prepare(
                spec, store: store, pipelinePath: pipeline.pipeline, options: options, rankStage: stage)
            let p = state.pipeline
            Console.error(
                "loaded '\(p.rankStage)' of \(spec.name) (\(p.ranker.userCount) users, \(p.ranker.itemIDs.count) items, as of \(p.ranker.asOf)) in \((ContinuousClock.now - clock).milliseconds) ms"
            )
            Console.error(
                "event log \(options.logPath!): \(replay.lines) line(s), \(replay.replayed) replayed, \(replay.inRun) already in the run"
                    + (replay.readingStage.map { " (read by '\($0)')" } ?? ""))
            if let warning = replay.warning { Console.error("warning: \(warning)") }
            for u in replay.unreadable.prefix(5) { Console.error("warning: \(u)") }
            if replay.unreadable.count > 5 {
                Console.error("warning: … \(replay.unreadable.count - 5) more unreadable line(s)")
            }
            if replay.unknownItems > 0 {
                let examples = replay.unknownExamples.map { "'\($0.item)' ×\($0.events)" }.joined(separator: ", ")
                Console.error(
                    "warning: \(replay.unknownItems) logged event(s) not replayed: their item is not in the catalogue of '\(p.rankStage)' "
                        + "(\(examples)); they stay in the log for the next `recpipe run`")
            }
            for f in state.ruleFiles { Console.error("rules \(f.kind): \(f.file)") }
            Console.error(
                "similar items: \(state.similarBasis.text)"
                    + (p.similarItemsNotRun.isEmpty
                        ? ""
                        : "; \(p.similarItemsNotRun.map { "'\($0)'" }.joined(separator: ", ")) (output: similar_items) "
                            + "has no result yet: run the pipeline without --to to serve its lists"))
            Console.error(
                cacheMb > 0
                    ? "response cache: up to \(cacheMb) MiB (--cache-mb), not warmed: each answer is stored on its first read"
                    : "response cache: off (--cache-mb 0)")
            var refreshed = p.featuresStage.map { ["profile '\($0)'"] } ?? []
            if let als = p.factorsStage { refreshed.append("ALS fold-in '\(als)'") }
            refreshed += p.itemKNN.map { "item-kNN '\($0.knn.stage)'" }
            Console.error(
                "per event: " + (refreshed.isEmpty ? "the list only" : refreshed.joined(separator: ", "))
                    + (p.keptSources.isEmpty
                        ? "" : "; lists kept from the run: \(p.keptSources.joined(separator: ", "))"))
            let unapplied = Set(p.events.rowFilters.flatMap(\.unapplied)).sorted()
            if !unapplied.isEmpty {
                Console.error(
                    "note: table-wide clean steps are not applied to single events: \(unapplied.joined(separator: "; "))"
                )
            }
            try await ServeServer.run(state, log: log, options: options) { address in
                Console.error(
                    "serving on http://\(address) — Ctrl-C or SIGTERM stops (requests drain, the log is closed)")
            }
        } catch let e as ServeError {
            Console.error("error: \(e.description)")
            throw ExitCode(e.isSetup ? 2 : 1)
        }
    }
}
