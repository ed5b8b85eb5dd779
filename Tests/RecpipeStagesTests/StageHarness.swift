import Foundation
import RecpipeCore
import RecpipeData
import RecpipeEngine
import RecpipeSpec

@testable import RecpipeStages

/// The one way stage tests build a ``StageContext`` by hand: a stage of `kind` with the given
/// parameters (its declaration fills the defaults, as validation does), inputs by port, and the
/// pipeline settings a test varies. Tests that need a real YAML file load it with `PipelineLoader`.
enum StageHarness {
    /// Inputs as `(upstream stage, artifact)`; each artifact's kind is its type's.
    static func context(
        _ kind: String, name: String? = nil, params: [String: ParamValue] = [:],
        inputs: [String: [(stage: String, artifact: any Artifact)]] = [:], file: String = "test.yaml",
        location: SourceLocation? = nil, paramLocations: [String: SourceLocation] = [:], base: String = "/tmp",
        seed: Int = 42, asOf: String? = nil,
        engine: StageEngine? = nil, spark: SparkSettings? = nil, runDirectory: String = "/tmp", threads: Int = 2,
        progress: @escaping @Sendable (Double?, String) -> Void = { _, _ in }
    ) -> StageContext {
        context(
            kind, name: name, params: params,
            inputs: inputs.mapValues { list in
                list.map {
                    StageContext.Input(stage: $0.stage, kind: type(of: $0.artifact).kind, artifact: $0.artifact)
                }
            },
            file: file, location: location, paramLocations: paramLocations, base: base, seed: seed, asOf: asOf,
            engine: engine, spark: spark,
            runDirectory: runDirectory, threads: threads, progress: progress)
    }

    /// Inputs with their kinds given (a `Table` passed as `profiles`, say).
    static func context(
        _ kind: String, name: String? = nil, params: [String: ParamValue] = [:],
        inputs: [String: [StageContext.Input]], file: String = "test.yaml", location: SourceLocation? = nil,
        paramLocations: [String: SourceLocation] = [:], base: String = "/tmp", seed: Int = 42, asOf: String? = nil,
        engine: StageEngine? = nil,
        spark: SparkSettings? = nil, runDirectory: String = "/tmp", threads: Int = 2,
        progress: @escaping @Sendable (Double?, String) -> Void = { _, _ in }
    ) -> StageContext {
        guard let declaration = StageRegistry.catalog[kind] else { preconditionFailure("no stage kind '\(kind)'") }
        let spec = StageSpec(
            name: name ?? kind, kind: kind, location: location ?? SourceLocation(file: file, line: 1, column: 1),
            inputs: inputs.mapValues { $0.map(\.stage) }, params: params, paramLocations: paramLocations)
        var pipeline = PipelineSpec(
            name: "test", file: file, baseDirectory: base, seed: seed, asOf: asOf, stages: [spec])
        if let engine { pipeline.engine = engine }
        if let spark { pipeline.spark = spark }
        return StageContext(
            spec: spec, declaration: declaration, pipeline: pipeline, inputs: inputs, runDirectory: runDirectory,
            threads: threads, progress: progress)
    }
}
