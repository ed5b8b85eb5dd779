import Foundation
import RecpipeCore
import RecpipeData
import RecpipeSpec

/// Everything a running stage may use: its resolved spec, its inputs, run-wide settings, a place
/// for side files (rejects), and a progress reporter.
package struct StageContext: Sendable {
    package let spec: StageSpec
    /// The parameters with their declared defaults: `int("k")` for a defaulted parameter,
    /// `optionalInt("seed")` for one that may be absent.
    package let params: StageParameters
    package let pipeline: PipelineSpec
    /// Port name → the upstream artifacts, in the order written in the YAML.
    package let inputs: [String: [Input]]
    /// This run's directory (`.recpipe/runs/<id>/`) for rejects files and logs.
    package let runDirectory: String
    /// Worker threads a stage may use for its own parallel loops.
    package let threads: Int
    /// The reports of this run's stages that had finished when this stage started, in pipeline
    /// order (a `report` stage shows them; every stage it depends on is among them).
    package let finishedStages: [StageReport]
    let progressSink: @Sendable (Double?, String) -> Void

    package struct Input: Sendable {
        package var stage: String
        package var kind: ArtifactKind
        package var artifact: any Artifact

        package init(stage: String, kind: ArtifactKind, artifact: any Artifact) {
            self.stage = stage
            self.kind = kind
            self.artifact = artifact
        }
    }

    /// `spec`'s parameters are completed with `declaration`'s defaults here (a validated spec
    /// already has them; a hand-built one in a test gets them the same way).
    package init(
        spec: StageSpec, declaration: StageDeclaration, pipeline: PipelineSpec, inputs: [String: [Input]],
        runDirectory: String, threads: Int, finishedStages: [StageReport] = [],
        progress: @escaping @Sendable (Double?, String) -> Void = { _, _ in }
    ) {
        self.params = StageParameters(spec, declaration: declaration)
        var spec = spec
        spec.params = params.values
        self.finishedStages = finishedStages
        self.spec = spec
        self.pipeline = pipeline
        self.inputs = inputs
        self.runDirectory = runDirectory
        self.threads = threads
        self.progressSink = progress
    }

    package var stageName: String { spec.name }
    /// This run's id (`20261123T175615Z-3efd`), the last part of ``runDirectory``.
    package var runID: String { (runDirectory as NSString).lastPathComponent }
    package var seed: Int { pipeline.seed }
    package var asOf: String? { pipeline.asOf }

    /// Reports progress (fraction 0…1 when known) and a short status shown beside the stage.
    package func progress(_ fraction: Double?, _ message: String = "") {
        progressSink(fraction, message)
    }

    // MARK: - Inputs

    /// The single artifact on `port`, cast to `T`.
    package func input<T: Artifact>(_ port: String, as type: T.Type = T.self) throws -> T {
        guard let first = inputs[port]?.first else {
            throw StageError(
                "stage '\(spec.name)' has no input on port '\(port)'", code: .missingInput, at: spec.location)
        }
        guard let value = first.artifact as? T else {
            throw StageError(
                "input '\(first.stage)' on port '\(port)' is a \(first.kind), which stage '\(spec.name)' cannot use here",
                code: .wrongInput, at: spec.location)
        }
        return value
    }

    /// The artifact on an optional port, or nil when the port is not connected.
    package func optionalInput<T: Artifact>(_ port: String, as type: T.Type = T.self) throws -> T? {
        guard inputs[port]?.first != nil else { return nil }
        return try input(port, as: type)
    }

    /// Every artifact on a multi-valued port with the upstream stage names.
    package func inputList<T: Artifact>(_ port: String, as type: T.Type = T.self) throws -> [(stage: String, value: T)]
    {
        try (inputs[port] ?? []).map { input in
            guard let v = input.artifact as? T else {
                throw StageError(
                    "input '\(input.stage)' on port '\(port)' is a \(input.kind), which stage '\(spec.name)' cannot use here",
                    code: .wrongInput, at: spec.location)
            }
            return (input.stage, v)
        }
    }

    // MARK: - Parameters (type-checked by validation, defaults from the declaration)

    package func param(_ name: String) -> ParamValue? { params.param(name) }
    package func int(_ name: String) -> Int { params.int(name) }
    package func double(_ name: String) -> Double { params.double(name) }
    package func bool(_ name: String) -> Bool { params.bool(name) }
    package func string(_ name: String) -> String { params.string(name) }
    package func strings(_ name: String) -> [String] { params.strings(name) }
    package func ints(_ name: String) -> [Int] { params.ints(name) }
    package func doubles(_ name: String) -> [Double] { params.doubles(name) }
    package func choice<T: RawRepresentable>(_ name: String, as type: T.Type = T.self) -> T where T.RawValue == String {
        params.choice(name, as: type)
    }
    package func optionalInt(_ name: String) -> Int? { params.optionalInt(name) }
    package func optionalDouble(_ name: String) -> Double? { params.optionalDouble(name) }
    package func optionalBool(_ name: String) -> Bool? { params.optionalBool(name) }
    package func optionalString(_ name: String) -> String? { params.optionalString(name) }
    package func optionalStrings(_ name: String) -> [String]? { params.optionalStrings(name) }

    /// The stage's `seed` parameter when given, else the pipeline's seed.
    package var stageSeed: Int { params.optionalInt("seed") ?? pipeline.seed }

    /// Where the parameter was written, for errors that point back into the YAML.
    package func location(of name: String) -> SourceLocation {
        spec.paramLocations[name] ?? spec.location
    }

    /// A `path`/`outputPath` parameter resolved against the pipeline file's directory.
    package func path(_ name: String) -> String { resolve(string(name)) }
    /// A `path`/`outputPath` parameter that may be absent, resolved like ``path(_:)``.
    package func optionalPath(_ name: String) -> String? { optionalString(name).map { resolve($0) } }

    package func resolve(_ path: String) -> String {
        Self.resolve(path, base: pipeline.baseDirectory)
    }

    /// `path` as written in a pipeline (relative to the directory `base`, absolute, or `~/…`),
    /// made absolute and standardized.
    package static func resolve(_ path: String, base: String) -> String {
        PipelinePath.resolve(path, base: base)
    }

    /// How a pipeline names the file at `path` (absolute, standardized): relative to `base` when
    /// `written` (the parameter's text) was relative — `rules/tags.lua`, `../data/events.csv` —
    /// else `path` itself. Fingerprints and recorded outputs use it, so that moving or cloning a
    /// project keeps its cache valid and checks the outputs at their new place.
    package static func pipelinePath(_ path: String, written: String, base: String) -> String {
        written.hasPrefix("/") || written.hasPrefix("~/") ? path : relativePath(path, to: base)
    }

    /// `path` (absolute, standardized) relative to the directory `base`, with `..` steps where it
    /// lies outside: `rules/tags.lua`, `../data/events.csv`; `.` for `base` itself. O(length).
    package static func relativePath(_ path: String, to base: String) -> String {
        let target = path.split(separator: "/", omittingEmptySubsequences: true)
        let from = URL(fileURLWithPath: base, isDirectory: true).standardizedFileURL.path
            .split(separator: "/", omittingEmptySubsequences: true)
        var common = 0
        while common < min(target.count, from.count) && target[common] == from[common] { common += 1 }
        let parts = Array(repeating: "..", count: from.count - common) + target[common...].map(String.init)
        return parts.isEmpty ? "." : parts.joined(separator: "/")
    }
}
