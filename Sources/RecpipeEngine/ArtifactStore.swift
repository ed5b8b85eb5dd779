import Foundation
import RecpipeCore
import RecpipeData
import RecpipeSpec
import Synchronization

/// The on-disk cache beside a pipeline (`.recpipe/` by default):
///
/// ```
/// .recpipe/
///   artifacts/<fingerprint>.rcpa   checksummed artifact (ArtifactEnvelope)
///   artifacts/<fingerprint>.json   the stage's figures (rows, counters, notes) for cached summaries
///   state/<pipeline>.json          per stage: current and previous fingerprint (with parts);
///                                  one file per pipeline, so pipelines can share a cache
///   file-hashes.json               remembered input-file hashes
///   runs/<run-id>/manifest.json    one per run, plus rejects files
///   runs/latest                    the last run's id
/// ```
package struct ArtifactStore: Sendable {
    package let root: String
    package let artifactTypes: [ArtifactKind: any Artifact.Type]
    /// The pipeline whose state this store reads and writes.
    package let pipeline: String

    package init(root: String, artifactTypes: [ArtifactKind: any Artifact.Type], pipeline: String) {
        self.root = root
        self.artifactTypes = artifactTypes
        self.pipeline = pipeline
    }

    var artifactsDirectory: String { root + "/artifacts" }
    package var runsDirectory: String { root + "/runs" }
    var stateDirectory: String { root + "/state" }
    var statePath: String {
        let safe = pipeline.map { $0.isLetter || $0.isNumber || "-_.".contains($0) ? $0 : "_" }
        return "\(stateDirectory)/\(String(safe)).json"
    }
    var fileHashesPath: String { root + "/file-hashes.json" }

    func artifactPath(_ fingerprint: String) -> String { "\(artifactsDirectory)/\(fingerprint).rcpa" }
    func metaPath(_ fingerprint: String) -> String { "\(artifactsDirectory)/\(fingerprint).json" }

    // MARK: - Artifacts

    /// Encodes and writes an artifact atomically, streamed: the envelope's header holds the
    /// payload's length and checksum, so the artifact is encoded twice in 1 MiB blocks — once to
    /// measure it, once into the file (checked against the first) — and memory stays at the
    /// artifact plus one block, never a second copy of it. O(payload) time, twice.
    func save(_ artifact: any Artifact, kind: ArtifactKind, meta: CachedMeta, fingerprint: String) throws {
        let measured = ByteDigest()
        var w = ByteWriter(streamingTo: measured)
        artifact.encode(into: &w)
        w.flush()
        try AtomicFile.write(to: artifactPath(fingerprint)) { handle in
            try handle.write(
                contentsOf: ArtifactEnvelope.header(kind: kind, length: measured.length, checksum: measured.checksum))
            let file = FileSink(handle)
            var out = ByteWriter(streamingTo: file)
            artifact.encode(into: &out)
            out.flush()
            try file.finish(expecting: measured)
        }
        try AtomicFile.write(try JSONEncoder.sorted.encode(meta), to: metaPath(fingerprint))
    }

    /// The cached figures of a fingerprint, when both the artifact and its figures exist and the
    /// artifact's envelope checks out (length and checksum, streamed: nothing is kept in memory).
    /// A corrupt file yields `.corrupt(reason)`.
    func lookup(_ fingerprint: String) -> Lookup {
        let path = artifactPath(fingerprint)
        guard FileManager.default.fileExists(atPath: path),
            let metaData = FileManager.default.contents(atPath: metaPath(fingerprint)),
            let meta = try? JSONDecoder().decode(CachedMeta.self, from: metaData)
        else { return .miss }
        do {
            try verify(path)
            return .hit(meta)
        } catch {
            return .corrupt("\(error)")
        }
    }

    enum Lookup {
        case miss
        case hit(CachedMeta)
        case corrupt(String)
    }

    /// Checks an artifact file's envelope by streaming it through the checksum in 4 MiB blocks.
    func verify(_ path: String) throws {
        guard let file = ReadableFile(path: path) else {
            throw StageError("cannot read cached artifact '\(path)'", code: .cacheUnreadable)
        }
        _ = try ArtifactEnvelope.open(file)
    }

    /// Loads and decodes a cached artifact: the envelope checked (checksum streamed over the file),
    /// then the payload decoded from the file, each array read straight into its own storage, so
    /// memory holds the artifact and a 64 KiB block, not the file's bytes beside it.
    package func load(_ fingerprint: String) throws -> (kind: ArtifactKind, artifact: any Artifact) {
        let path = artifactPath(fingerprint)
        guard let file = ReadableFile(path: path) else {
            throw StageError("cannot read cached artifact '\(path)'", code: .cacheUnreadable)
        }
        let (kindName, offset) = try ArtifactEnvelope.open(file)
        guard let kind = ArtifactKind(rawValue: kindName), let type = artifactTypes[kind] else {
            throw StageError("cached artifact has unknown kind '\(kindName)'", code: .cacheUnreadable)
        }
        var r = ByteReader(file, offset: offset)
        return (kind, try type.init(decoding: &r))
    }

    // MARK: - State

    /// Per stage: the fingerprint of its latest result and the one before it (for `--diff`).
    package struct State: Codable, Sendable {
        package var stages: [String: StageState] = [:]
        package init() {}
    }

    package struct StageState: Codable, Sendable {
        package var current: Fingerprint
        package var previous: Fingerprint?
        package var kind: ArtifactKind
    }

    /// Whether the cache still holds the artifact of `fingerprint` (older results are pruned).
    package func hasArtifact(_ fingerprint: String) -> Bool {
        FileManager.default.fileExists(atPath: artifactPath(fingerprint))
    }

    /// The store an experiment's results are remembered in: the same artifacts, its own state
    /// file (`state/<pipeline>@<experiment>.json`), so production's current and previous results
    /// never change and pruning keeps both.
    package func experiment(_ name: String) -> ArtifactStore {
        ArtifactStore(root: root, artifactTypes: artifactTypes, pipeline: "\(pipeline)@\(name)")
    }

    package func loadState() -> State {
        guard let data = FileManager.default.contents(atPath: statePath),
            let s = try? JSONDecoder().decode(State.self, from: data)
        else { return State() }
        return s
    }

    func saveState(_ state: State) throws {
        try AtomicFile.write(try JSONEncoder.sorted.encode(state), to: statePath)
    }

    /// Removes the temporary files of writers that died (a killed run's half-written artifact,
    /// state or manifest). Called while holding the run lock.
    func removeDeadTemporaries() {
        for dir in [root, artifactsDirectory, stateDirectory, runsDirectory] {
            AtomicFile.removeDeadTemporaries(in: dir)
        }
    }

    /// Removes artifacts that no stage's current or previous result refers to, in this pipeline's
    /// state or any other pipeline's sharing the cache.
    func prune(keeping state: State) {
        var keep = Set<String>()
        var states = [state]
        for name in (try? FileManager.default.contentsOfDirectory(atPath: stateDirectory)) ?? []
        where name.hasSuffix(".json") && "\(stateDirectory)/\(name)" != statePath {
            if let data = FileManager.default.contents(atPath: "\(stateDirectory)/\(name)"),
                let other = try? JSONDecoder().decode(State.self, from: data)
            {
                states.append(other)
            }
        }
        for st in states {
            for s in st.stages.values {
                keep.insert(s.current.value)
                if let p = s.previous { keep.insert(p.value) }
            }
        }
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: artifactsDirectory) else { return }
        for name in names {
            let fp = name.split(separator: ".").first.map(String.init) ?? name
            if !keep.contains(fp) && !name.hasPrefix(".tmp-") {
                try? FileManager.default.removeItem(atPath: "\(artifactsDirectory)/\(name)")
            }
        }
    }
}

/// The figures of a stage's result, stored beside the artifact so a cached stage can still show
/// rows and counters in the summary.
struct CachedMeta: Codable, Sendable {
    var kind: ArtifactKind
    var rowsIn: Int?
    var rowsOut: Int?
    var counters: [StageOutput.Counter]
    var notes: [String]
    var warnings: [String]
    var seconds: Double
}

extension JSONEncoder {
    static var sorted: JSONEncoder {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        return e
    }
}

// MARK: - Streaming into the file

/// Hands a streaming ``ByteWriter``'s blocks to the artifact's file, hashing them; the first write
/// error is kept and thrown by ``finish(expecting:)`` (a sink cannot throw).
private final class FileSink: ByteSink {
    private let handle: AtomicFile.Writer
    private let digest = ByteDigest()
    private var failure: (any Error)?

    init(_ handle: AtomicFile.Writer) { self.handle = handle }

    func consume(_ bytes: UnsafeRawBufferPointer) {
        guard failure == nil else { return }
        digest.consume(bytes)
        do { try handle.write(bytes) } catch { failure = error }
    }

    /// Throws the write error, if any, or when the bytes written differ from the measured ones.
    func finish(expecting measured: ByteDigest) throws {
        if let failure { throw failure }
        guard digest.length == measured.length, digest.checksum == measured.checksum else {
            throw StageError(
                "the artifact encoded differently twice while being cached ('\(handle.path)')", code: .cacheWriteFailed)
        }
    }
}
