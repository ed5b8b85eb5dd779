import Foundation
import Hummingbird
import Logging
import RecpipeData
import RecpipeEngine
import RecpipeSpec
import ServiceLifecycle

/// Starting and running the server: load the run, replay the event log written after it, then
/// serve until SIGTERM/SIGINT (in-flight requests drain; every acknowledged event is already
/// fsync'ed, and the log is closed last).
package enum ServeServer {
    /// The state and the open event log of a pipeline's last run, with the log replayed.
    package static func prepare(
        _ spec: PipelineSpec, store: ArtifactStore, pipelinePath: String, options: ServeOptions,
        rankStage: String? = nil
    ) throws -> (state: ServeState, log: EventLog?, replay: EventReplay.Result) {
        _ = try OpenAPIDocument.text()
        let pipeline = try ServedPipeline.load(spec, store: store, rankStage: rankStage, pipelinePath: pipelinePath)
        let state = ServeState(pipeline: pipeline, cacheBytes: options.cacheBytes)
        var replay = EventReplay.Result()
        var log: EventLog?
        if let path = options.logPath {
            replay = try EventReplay.replay(path: path, into: state, store: store)
            log = try EventLog(path: path)
        }
        return (state, log, replay)
    }

    /// Serves `state` until a termination signal; `onRunning` is called once the port is bound.
    package static func run(
        _ state: ServeState, log: EventLog?, options: ServeOptions,
        onRunning: @escaping @Sendable (String) -> Void = { _ in }
    ) async throws {
        var logger = Logger(label: "recpipe.serve")
        logger.logLevel = .warning
        let router = ServeRoutes.router(state, options: options, log: log)
        var services: [any Service] = []
        if let interval = options.watchInterval { services.append(RulesWatcher(state: state, interval: interval)) }
        let app = Application(
            router: router,
            configuration: .init(address: .hostname(options.host, port: options.port), serverName: "recpipe"),
            services: services,
            onServerRunning: { channel in onRunning("\(options.host):\(channel.localAddress?.port ?? options.port)") },
            logger: logger)
        try await app.runService(gracefulShutdownSignals: [.sigterm, .sigint])
        // The server has drained its requests: nothing more can be appended.
        log?.close()
    }
}

/// Checks the rules files every `interval` and reloads them when one changed.
struct RulesWatcher: Service {
    let state: ServeState
    let interval: Duration

    func run() async throws {
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            try? await Task.sleep(for: interval)
            if state.rulesChangedOnDisk() { state.reloadRules() }
        }
    }
}
