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
public struct ArtifactStore: Sendable {
    public let root: String
    public let artifactTypes: [ArtifactKind: any Artifact.Type]
    /// The pipeline whose state this store reads and writes.
    public let pipeline: String

    public init(root: String, artifactTypes: [ArtifactKind: any Artifact.Type], pipeline: String) {
        self.root = root
        self.artifactTypes = artifactTypes
        self.pipeline = pipeline
    }

    var artifactsDirectory: String { root + "/artifacts" }
    public var runsDirectory: String { root + "/runs" }
    var stateDirectory: String { root + "/state" }
    var statePath: String {
        let safe = pipeline.map { $0.isLetter || $0.isNumber || "-_.".contains($0) ? $0 : "_" }
        return "\(stateDirectory)/\(String(safe)).json"
    }
    var fileHashesPath: String { root + "/file-hashes.json" }

    func artifactPath(_ fingerprint: String) -> String { "\(artifactsDirectory)/\(fingerprint).rcpa" }
    func metaPath(_ fingerprint: String) -> String { "\(artifactsDirectory)/\(fingerprint).json" }

    // MARK: - Artifacts

    /// Encodes and writes an artifact atomically.
    func save(_ artifact: any Artifact, kind: ArtifactKind, meta: CachedMeta, fingerprint: String) throws {
        var w = ByteWriter()
        artifact.encode(into: &w)
        let payload = w.bytes
        w = ByteWriter()  // release the writer's reference so `payload` is the only copy
        try AtomicFile.write(to: artifactPath(fingerprint)) { handle in
            try handle.write(contentsOf: ArtifactEnvelope.header(kind: kind, payload: payload))
            try payload.withUnsafeBytes { raw in
                // In 64 MiB slices, so `Data` wrappers stay small.
                var offset = 0
                while offset < raw.count {
                    let end = min(raw.count, offset + (64 << 20))
                    try handle.write(contentsOf: Data(bytesNoCopy: UnsafeMutableRawPointer(mutating: raw.baseAddress! + offset), count: end - offset, deallocator: .none))
                    offset = end
                }
            }
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
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw StageError("cannot read cached artifact '\(path)'")
        }
        defer { try? handle.close() }
        let head = [UInt8](try handle.read(upToCount: 4096) ?? Data())
        let header = try ArtifactEnvelope.readHeader(head)
        var hasher = ContentHasher()
        var length: UInt64 = 0
        let first = head[header.payloadOffset...]
        hasher.update(first)
        length += UInt64(first.count)
        while let block = try handle.read(upToCount: 4 << 20), !block.isEmpty {
            block.withUnsafeBytes { hasher.update($0) }
            length += UInt64(block.count)
        }
        guard length == header.length else { throw ArtifactEnvelope.DecodeError.truncated }
        guard hasher.finalize() == header.checksum else { throw ArtifactEnvelope.DecodeError.checksumMismatch }
    }

    /// Loads and decodes a cached artifact (one read of the file; the payload is decoded in place).
    public func load(_ fingerprint: String) throws -> (kind: ArtifactKind, artifact: any Artifact) {
        let path = artifactPath(fingerprint)
        guard let data = FileManager.default.contents(atPath: path) else {
            throw StageError("cannot read cached artifact '\(path)'")
        }
        let bytes = [UInt8](data)
        let (kindName, offset) = try ArtifactEnvelope.open(bytes)
        guard let kind = ArtifactKind(rawValue: kindName), let type = artifactTypes[kind] else {
            throw StageError("cached artifact has unknown kind '\(kindName)'")
        }
        var r = ByteReader(bytes, offset: offset)
        return (kind, try type.init(decoding: &r))
    }

    // MARK: - State

    /// Per stage: the fingerprint of its latest result and the one before it (for `--diff`).
    public struct State: Codable, Sendable {
        public var stages: [String: StageState] = [:]
        public init() {}
    }

    public struct StageState: Codable, Sendable {
        public var current: Fingerprint
        public var previous: Fingerprint?
        public var kind: ArtifactKind
    }

    /// Whether the cache still holds the artifact of `fingerprint` (older results are pruned).
    public func hasArtifact(_ fingerprint: String) -> Bool { FileManager.default.fileExists(atPath: artifactPath(fingerprint)) }

    /// The store an experiment's results are remembered in: the same artifacts, its own state
    /// file (`state/<pipeline>@<experiment>.json`), so production's current and previous results
    /// never change and pruning keeps both.
    public func experiment(_ name: String) -> ArtifactStore {
        ArtifactStore(root: root, artifactTypes: artifactTypes, pipeline: "\(pipeline)@\(name)")
    }

    public func loadState() -> State {
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
        for dir in [root, artifactsDirectory, stateDirectory, runsDirectory] { AtomicFile.removeDeadTemporaries(in: dir) }
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
