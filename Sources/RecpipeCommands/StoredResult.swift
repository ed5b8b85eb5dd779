import Foundation
import RecpipeCore
import RecpipeData
import RecpipeEngine
import RecpipeSpec
import RecpipeStages

/// A stage's current result in the cache, as the query commands (`recommend`, `factors`,
/// `run --diff`) read it. A result that is missing or unreadable is an error that says which and
/// how to get it back — never a quiet `nil` that lets a command answer from another result.
struct StoredResult {
    let store: ArtifactStore
    let state: ArtifactStore.State
    /// The pipeline file as the user typed it, for the `recpipe run …` hint.
    let pipelineFile: String

    init(_ spec: PipelineSpec, cacheDirectory: String?, pipelineFile: String) {
        var options = RunOptions()
        options.cacheDirectory = cacheDirectory
        store = StageRegistry.runner.store(for: spec, options: options)
        state = store.loadState()
        self.pipelineFile = pipelineFile
    }

    /// Why a stage's result cannot be used. Exit code 1, like a failed stage.
    struct Unavailable: Error, CustomStringConvertible {
        var message: String
        var description: String { message }
    }

    /// Whether the stage has a result recorded at all (it ran, or came from the cache, in some run).
    func hasResult(_ stage: String) -> Bool { state.stages[stage] != nil }

    /// The stage's current result as `T`.
    func load<T>(_ stage: String, as _: T.Type, what: String) throws(Unavailable) -> T {
        guard let fingerprint = state.stages[stage]?.current.value else {
            throw Unavailable(
                message: "stage '\(stage)' has no result yet; run the pipeline first:\n  recpipe run \(pipelineFile)")
        }
        return try load(stage, fingerprint: fingerprint, as: T.self, what: what)
    }

    /// The stage's previous result (for `--diff`), nil when it has none.
    func loadPrevious<T>(_ stage: String, as _: T.Type, what: String) throws(Unavailable) -> T? {
        guard let fingerprint = state.stages[stage]?.previous?.value else { return nil }
        return try load(stage, fingerprint: fingerprint, as: T.self, what: what, previous: true)
    }

    func load<T>(_ stage: String, fingerprint: String, as _: T.Type, what: String, previous: Bool = false)
        throws(Unavailable) -> T
    {
        let which = previous ? "previous result" : "stored result"
        let artifact: any Artifact
        do {
            artifact = try store.load(fingerprint).artifact
        } catch {
            throw Unavailable(
                message:
                    "the \(which) of stage '\(stage)' cannot be read (\(error)); nothing is answered from other results. "
                    + "Run the pipeline again to rebuild it:\n  recpipe run \(pipelineFile)")
        }
        guard let value = artifact as? T else {
            throw Unavailable(
                message:
                    "the \(which) of stage '\(stage)' is \(type(of: artifact).kind.rawValue), not \(what); run the pipeline again:\n  recpipe run \(pipelineFile)"
            )
        }
        return value
    }
}
