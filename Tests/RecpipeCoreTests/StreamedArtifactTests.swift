import Foundation
import RecpipeCore
import Testing

/// Artifacts written and read in blocks (`ByteWriter(streamingTo:)`, `ByteReader(ReadableFile)`):
/// the same bytes and values as in memory, and the same errors.
@Suite struct StreamedArtifactTests {
    /// A payload with small values, strings and arrays both below and above the reader's 64 KiB block.
    static func encode(into w: inout ByteWriter) {
        w.write(UInt8(1))
        w.write("上海 and more")
        w.writeArray((0..<300_000).map { Int64($0 * 3 - 7) })  // 2.4 MB: straight into the array
        w.write(["a", "", "ccc"])
        w.writeArray([Float(1.5), -2])
        w.write(Int32(-7))
        w.writeArray((0..<40_000).map { Int32($0) })  // 160 KB
    }

    static func check(_ r: inout ByteReader) throws {
        #expect(try r.read(UInt8.self) == 1)
        #expect(try r.readString() == "上海 and more")
        #expect(try r.readArray(Int64.self) == (0..<300_000).map { Int64($0 * 3 - 7) })
        #expect(try r.readStrings() == ["a", "", "ccc"])
        #expect(try r.readArray(Float.self) == [1.5, -2])
        #expect(try r.read(Int32.self) == -7)
        #expect(try r.readArray(Int32.self) == (0..<40_000).map { Int32($0) })
        #expect(r.isAtEnd)
    }

    static func temporaryFile(_ bytes: [UInt8]) throws -> String {
        let path = NSTemporaryDirectory() + "recpipe-streamed-\(UUID().uuidString).rcpa"
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return path
    }

    @Test func streamingWriterHandsOverTheSameBytesAsInMemory() {
        var memory = ByteWriter()
        Self.encode(into: &memory)
        let digest = ByteDigest()
        var streamed = ByteWriter(streamingTo: digest)
        Self.encode(into: &streamed)
        streamed.flush()
        #expect(streamed.bytes.isEmpty)
        #expect(digest.length == memory.bytes.count)
        #expect(digest.checksum == ContentHasher.hash(memory.bytes))
    }

    @Test func fileReaderReadsWhatTheWriterWrote() throws {
        var w = ByteWriter()
        Self.encode(into: &w)
        let path = try Self.temporaryFile(ArtifactEnvelope.wrap(kind: .table, payload: w.bytes))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let file = try #require(ReadableFile(path: path))
        let (kind, offset) = try ArtifactEnvelope.open(file)
        #expect(kind == "table")
        var r = ByteReader(file, offset: offset)
        try Self.check(&r)
        var m = ByteReader(w.bytes)
        try Self.check(&m)
    }

    @Test func fileEnvelopeDetectsCorruptionAndTruncation() throws {
        var w = ByteWriter()
        Self.encode(into: &w)
        var wrapped = ArtifactEnvelope.wrap(kind: .table, payload: w.bytes)
        wrapped[wrapped.count - 2] ^= 1
        let flipped = try Self.temporaryFile(wrapped)
        let short = try Self.temporaryFile(Array(wrapped.dropLast()))
        defer {
            try? FileManager.default.removeItem(atPath: flipped)
            try? FileManager.default.removeItem(atPath: short)
        }
        let flippedFile = try #require(ReadableFile(path: flipped))
        let shortFile = try #require(ReadableFile(path: short))
        #expect(throws: ArtifactEnvelope.DecodeError.checksumMismatch) { try ArtifactEnvelope.open(flippedFile) }
        #expect(throws: ArtifactEnvelope.DecodeError.truncated) { try ArtifactEnvelope.open(shortFile) }
        #expect(ReadableFile(path: flipped + ".missing") == nil)
        #expect(ReadableFile(path: NSTemporaryDirectory()) == nil)
    }

    @Test func fileReaderRejectsImpossibleCounts() throws {
        var w = ByteWriter()
        w.write(UInt64.max)
        let path = try Self.temporaryFile(w.bytes)
        defer { try? FileManager.default.removeItem(atPath: path) }
        var r = ByteReader(try #require(ReadableFile(path: path)))
        #expect(throws: ByteReader.Truncated.self) { try r.readArray(Double.self) }
    }

    @Test func deferredArrayReadsTheFileOnFirstUse() throws {
        var w = ByteWriter()
        w.writeArray([Int64(5), -1, 9])
        w.write(UInt8(42))
        let path = try Self.temporaryFile(w.bytes)
        let file = try #require(ReadableFile(path: path))
        var r = ByteReader(file)
        let deferred = try r.readDeferredArray(Int64.self)
        #expect(try r.read(UInt8.self) == 42)  // skipped over, not read
        #expect(deferred.count == 3)
        // The open file still has the bytes after the cache prunes it.
        try FileManager.default.removeItem(atPath: path)
        #expect(deferred.values == [5, -1, 9])
        #expect(deferred == DeferredArray([5, -1, 9]))
        #expect(deferred != DeferredArray([5, -1]))
        var m = ByteReader(w.bytes)
        #expect(try m.readDeferredArray(Int64.self).values == [5, -1, 9])
    }
}
