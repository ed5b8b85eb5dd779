import ArgumentParser
import Foundation
import RecpipeAlgorithms

/// `recpipe`: the root command. Exit codes: 0 success, 1 a stage failed, 2 invalid pipeline or usage.
package struct RecpipeCommand: AsyncParsableCommand {
    package static let configuration = CommandConfiguration(
        commandName: "recpipe",
        abstract: "Run e-commerce user-profiling and recommendation pipelines described in YAML.",
        discussion: """
            A pipeline wires built-in stages (ingest, clean, encode, cluster, cf, als, rank, …) and \
            Lua rules into a DAG. Unchanged stages are reused from the cache in .recpipe/ beside \
            the pipeline file.

            Worker threads: each stage uses every core; RECPIPE_THREADS=N (or `run --threads N`) caps \
            them, for a shared machine or a per-core benchmark. Results do not depend on it.

            Exit codes: 0 success, 1 a stage failed, 2 invalid pipeline or usage. A run also exits 1 \
            when a result, its state or its manifest cannot be saved; recommend and factors exit 1 \
            when the stored result they need is missing, unreadable or corrupt.

            Examples:
              recpipe demo-data --out data/demo
              recpipe validate pipelines/demo.yaml
              recpipe run pipelines/demo.yaml --set vars.top_n=50
              recpipe graph pipelines/demo.yaml --format mermaid
              recpipe stages als
              recpipe report pipelines/demo.yaml --out report.html
            """,
        version: RecpipeVersion.string,
        subcommands: commandTypes)

    static let commandTypes: [any ParsableCommand.Type] = [
        RunCommand.self, ValidateCommand.self, GraphCommand.self, StagesCommand.self, ColumnsCommand.self,
        DemoDataCommand.self,
        RecommendCommand.self, FactorsCommand.self, RulesCommand.self, ReportCommand.self, RunsCommand.self,
        ServeCommand.self,
    ]

    package init() {}

    /// Parses and runs `arguments`, printing errors the way users expect, and returns the exit
    /// code instead of exiting (tests call this).
    package static func execute(_ arguments: [String]) async -> Int32 {
        do {
            var command = try parseAsRoot(arguments)
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
            return 0
        } catch {
            return report(error)
        }
    }

    static func report(_ error: any Error) -> Int32 {
        let code = exitCode(for: error)
        if let exit = error as? ExitCode { return exit.rawValue }
        if code == .success {
            Console.print(fullMessage(for: error))
            return 0
        }
        Console.error(fullMessage(for: error))
        // Usage errors are exit 2, like validation errors.
        return code == .validationFailure || code.rawValue == 64 ? 2 : code.rawValue
    }

    /// The executable's entry point: runs the command line and returns the exit code.
    package static func mainEntry() async -> Int32 {
        if let value = ProcessInfo.processInfo.environment["RECPIPE_THREADS"], !value.isEmpty {
            guard let threads = Int(value), threads >= 1 else {
                Console.error("error: RECPIPE_THREADS must be a whole number of at least 1 (got '\(value)')")
                return 2
            }
            return await Parallel.withWorkerLimit(threads) { await execute(Array(CommandLine.arguments.dropFirst())) }
        }
        return await execute(Array(CommandLine.arguments.dropFirst()))
    }
}

package enum RecpipeVersion {
    package static let string = "0.1.0"
}
