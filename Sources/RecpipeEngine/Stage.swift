import RecpipeCore
import RecpipeData
import RecpipeSpec

/// A stage kind: one type per kind, declared once (parameters, ports, output) and run by the
/// scheduler. Stages are pure functions of their context: they read inputs and parameters, may
/// read files named by `path` parameters, and return an artifact. Anything they write outside the
/// cache goes through `AtomicFile`.
package protocol Stage: Sendable {
    /// The single declaration that drives validation, defaults, `recpipe stages` and fingerprints.
    static var declaration: StageDeclaration { get }
    init()
    func run(_ context: StageContext) async throws -> StageOutput
    /// The state of what the stage reads from outside files (a database query's
    /// `changes_with:` value), evaluated at plan time and made part of its fingerprint; nil for
    /// stages that read only their inputs and `path` files.
    static func sourceState(_ spec: StageSpec, pipeline: PipelineSpec) async throws -> String?
}

extension Stage {
    package static func sourceState(_ spec: StageSpec, pipeline: PipelineSpec) async throws -> String? { nil }
}

/// What a stage returns: its artifact and the figures the run summary and manifest show.
package struct StageOutput: Sendable {
    package var artifact: any Artifact
    /// The artifact kind, when it differs from the type's default (e.g. a `Table` used as `profiles`).
    package var kind: ArtifactKind
    package var rowsIn: Int?
    package var rowsOut: Int?
    /// Named counts in the order they should be shown ("rows_rejected", "removed by quantity > 0").
    package var counters: [Counter]
    /// Extra lines for the run summary (inferred schema, segment table, metrics block …).
    package var notes: [String]
    package var warnings: [String]

    package struct Counter: Sendable, Codable, Hashable {
        package var name: String
        package var value: Int
        package init(_ name: String, _ value: Int) {
            self.name = name
            self.value = value
        }
    }

    package init(
        _ artifact: some Artifact, kind: ArtifactKind? = nil, rowsIn: Int? = nil, rowsOut: Int? = nil,
        counters: [Counter] = [], notes: [String] = [], warnings: [String] = []
    ) {
        self.artifact = artifact
        self.kind = kind ?? type(of: artifact).kind
        self.rowsIn = rowsIn
        self.rowsOut = rowsOut ?? artifact.rowCount
        self.counters = counters
        self.notes = notes
        self.warnings = warnings
    }
}

/// An artifact whose real content lives in files outside the cache (the `export` stage's result).
/// A cached result is only reused while those files are still what the stage wrote.
package protocol ExternalOutputs {
    /// Whether the files are still what the stage wrote; relative paths are resolved against
    /// `base`, the pipeline file's directory in this run.
    func isIntact(base: String) -> Bool
    /// The files, as the pipeline names them (relative to `base` unless absolute): the run
    /// manifest lists each with its size and checksum.
    var outputPaths: [String] { get }
}

extension ExternalOutputs {
    package var outputPaths: [String] { [] }
}
