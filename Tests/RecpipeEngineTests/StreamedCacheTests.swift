import Foundation
import RecpipeAlgorithms
import RecpipeCore
import RecpipeData
import Testing

@testable import RecpipeEngine

/// The cache writes artifacts streamed and reads them back from the file: the same values, the
/// same bytes as the in-memory envelope, and a timestamp column read only when used.
@Suite struct StreamedCacheTests {
    static func interactions() -> Interactions {
        var triplets: [(row: Int, col: Int, value: Float)] = []
        for u in 0..<400 {
            for i in stride(from: u % 7, to: 300, by: 7) { triplets.append((u, i, Float(1 + (u + i) % 5))) }
        }
        let m = SparseMatrix(rows: 400, cols: 300, triplets: triplets)
        return Interactions(
            users: IDMap((0..<400).map { "u\($0)" }), items: IDMap((0..<300).map { "i\($0)" }), matrix: m,
            timestamps: (0..<m.nonZeroCount).map { Int64(1_700_000_000 + $0) })
    }

    @Test func savedArtifactLoadsBackEqualWithTheInMemoryBytes() throws {
        let root = NSTemporaryDirectory() + "recpipe-streamed-cache-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: root) }
        let store = ArtifactStore(root: root, artifactTypes: [.interactions: Interactions.self], pipeline: "p")
        let original = Self.interactions()
        let meta = CachedMeta(
            kind: .interactions, rowsIn: 1, rowsOut: 1, counters: [], notes: [], warnings: [], seconds: 0)
        try store.save(original, kind: .interactions, meta: meta, fingerprint: "abc")
        // The file holds exactly the envelope of the in-memory encoding.
        var w = ByteWriter()
        original.encode(into: &w)
        let file = try #require(FileManager.default.contents(atPath: store.artifactPath("abc")))
        #expect([UInt8](file) == ArtifactEnvelope.wrap(kind: .interactions, payload: w.bytes))
        guard case .hit = store.lookup("abc") else {
            Issue.record("a saved artifact is not a cache hit")
            return
        }
        let loaded = try #require(try store.load("abc").artifact as? Interactions)
        #expect(loaded.matrix == original.matrix)
        #expect(loaded.users == original.users && loaded.items == original.items)
        #expect(loaded.timestamps == original.timestamps)  // read from the file on first use
        #expect(loaded == original)
    }
}
