import Foundation

/// Little-endian byte writer for artifact cache encodings: into `bytes`, or streamed to a
/// ``ByteSink`` in blocks (``init(streamingTo:)``), so encoding a large artifact into a file never
/// holds a second copy of it.
package struct ByteWriter {
    /// What was written (streaming: what is not yet handed to the sink).
    package private(set) var bytes: [UInt8] = []
    private let sink: (any ByteSink)?
    /// Streaming hands `bytes` over when it reaches this size; larger arrays go over directly.
    private static let blockSize = 1 << 20

    package init(capacity: Int = 0) {
        sink = nil
        bytes.reserveCapacity(capacity)
    }

    /// A writer that hands everything to `sink`, in blocks of about 1 MiB; call ``flush()`` at the end.
    package init(streamingTo sink: any ByteSink) {
        self.sink = sink
        bytes.reserveCapacity(Self.blockSize)
    }

    private mutating func append(_ raw: UnsafeRawBufferPointer) {
        guard let sink else {
            bytes.append(contentsOf: raw)
            return
        }
        if raw.count >= Self.blockSize {
            flush()
            sink.consume(raw)
            return
        }
        bytes.append(contentsOf: raw)
        if bytes.count >= Self.blockSize { flush() }
    }

    /// Hands what is buffered to the sink (nothing to do without one).
    package mutating func flush() {
        guard let sink, !bytes.isEmpty else { return }
        bytes.withUnsafeBytes { sink.consume($0) }
        bytes.removeAll(keepingCapacity: true)
    }

    package mutating func write<T: FixedWidthInteger>(_ v: T) {
        withUnsafeBytes(of: v.littleEndian) { append($0) }
    }
    package mutating func write(_ v: Double) { write(v.bitPattern) }
    package mutating func write(_ v: Float) { write(v.bitPattern) }
    package mutating func write(_ v: Bool) { write(UInt8(v ? 1 : 0)) }
    package mutating func write(_ s: String) {
        var s = s
        s.withUTF8 { u in
            write(UInt64(u.count))
            append(UnsafeRawBufferPointer(u))
        }
    }
    /// Raw contiguous numeric array with a count prefix (fast path for columns and factors).
    package mutating func writeArray<T: BitwiseCopyable>(_ a: [T]) {
        write(UInt64(a.count))
        a.withUnsafeBytes { append($0) }
    }
    package mutating func write(_ strings: [String]) {
        write(UInt64(strings.count))
        for s in strings { write(s) }
    }
}

/// Where a streaming ``ByteWriter`` puts its bytes, in order.
package protocol ByteSink: AnyObject {
    func consume(_ bytes: UnsafeRawBufferPointer)
}

/// A sink that keeps only the length and the XXH64 checksum of what it was given.
package final class ByteDigest: ByteSink {
    package private(set) var length = 0
    private var hasher = ContentHasher()

    package init() {}

    package func consume(_ bytes: UnsafeRawBufferPointer) {
        length += bytes.count
        hasher.update(bytes)
    }

    package var checksum: UInt64 { hasher.finalize() }
}

/// The on-disk envelope of a cached artifact:
/// `RCPA` magic, format version, artifact kind, payload length, XXH64 of the payload, payload.
/// A wrong magic, version, length or checksum is reported as corruption, so the caller can re-run.
package enum ArtifactEnvelope {
    package static let magic: [UInt8] = Array("RCPA".utf8)
    package static let formatVersion: UInt32 = 1

    package enum DecodeError: Error, CustomStringConvertible, Sendable, Equatable {
        case badMagic
        case unsupportedVersion(UInt32)
        case truncated
        case checksumMismatch
        case wrongKind(expected: String, found: String)

        package var description: String {
            switch self {
            case .badMagic: "not a recpipe artifact (bad magic)"
            case .unsupportedVersion(let v):
                "artifact format version \(v) is not supported (this build reads \(ArtifactEnvelope.formatVersion))"
            case .truncated: "artifact file is truncated"
            case .checksumMismatch: "artifact checksum does not match its contents (corrupt file)"
            case .wrongKind(let e, let f): "artifact is a '\(f)', expected '\(e)'"
            }
        }
    }

    package static func wrap(kind: ArtifactKind, payload: [UInt8]) -> [UInt8] {
        header(kind: kind, payload: payload) + payload
    }

    /// The bytes that precede `payload` in an envelope; writing them and then the payload to a file
    /// gives the same bytes as `wrap` without a second copy of a large payload in memory.
    package static func header(kind: ArtifactKind, payload: [UInt8]) -> [UInt8] {
        header(kind: kind, length: payload.count, checksum: ContentHasher.hash(payload))
    }

    /// The header of a payload of `length` bytes with XXH64 `checksum`.
    package static func header(kind: ArtifactKind, length: Int, checksum: UInt64) -> [UInt8] {
        var w = ByteWriter(capacity: 64)
        for b in magic { w.write(b) }
        w.write(formatVersion)
        w.write(kind.rawValue)
        w.write(UInt64(length))
        w.write(checksum)
        return w.bytes
    }

    /// Returns the kind and the payload, or throws `DecodeError`.
    package static func unwrap(_ bytes: [UInt8]) throws -> (kind: String, payload: [UInt8]) {
        let (kind, offset) = try open(bytes)
        return (kind, Array(bytes[offset...]))
    }

    /// Checks an envelope in place and returns its kind and where its payload starts, without
    /// copying the payload.
    package static func open(_ bytes: [UInt8]) throws -> (kind: String, payloadOffset: Int) {
        let header = try readHeader(bytes)
        guard UInt64(bytes.count - header.payloadOffset) == header.length else { throw DecodeError.truncated }
        guard ContentHasher.hash(bytes[header.payloadOffset...]) == header.checksum else {
            throw DecodeError.checksumMismatch
        }
        return (header.kind, header.payloadOffset)
    }

    /// ``open(_:)`` for a file: checks the header, the length and the checksum (the payload
    /// streamed through the hash in 4 MiB blocks, none of it kept) and returns where the payload
    /// starts, for a ``ByteReader`` on the same file.
    package static func open(_ file: ReadableFile) throws -> (kind: String, payloadOffset: Int) {
        var head = [UInt8](repeating: 0, count: min(file.size, 4096))
        try head.withUnsafeMutableBytes { try file.read(into: $0, at: 0) }
        let header = try readHeader(head)
        guard UInt64(file.size - header.payloadOffset) == header.length else { throw DecodeError.truncated }
        var hasher = ContentHasher()
        try file.forEachBlock(from: header.payloadOffset) { hasher.update($0) }
        guard hasher.finalize() == header.checksum else { throw DecodeError.checksumMismatch }
        return (header.kind, header.payloadOffset)
    }

    /// The fields before the payload. `bytes` may hold just the start of a file.
    package static func readHeader(_ bytes: [UInt8]) throws -> (
        kind: String, length: UInt64, checksum: UInt64, payloadOffset: Int
    ) {
        var r = ByteReader(bytes)
        do {
            for b in magic { guard try r.read(UInt8.self) == b else { throw DecodeError.badMagic } }
            let v = try r.read(UInt32.self)
            guard v == formatVersion else { throw DecodeError.unsupportedVersion(v) }
            let kind = try r.readString()
            let len = try r.read(UInt64.self)
            let sum = try r.read(UInt64.self)
            return (kind, len, sum, r.offset)
        } catch is ByteReader.Truncated {
            throw DecodeError.truncated
        }
    }
}
