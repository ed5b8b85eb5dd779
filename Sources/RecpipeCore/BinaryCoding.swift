import Foundation

/// Little-endian byte writer for artifact cache encodings.
public struct ByteWriter: Sendable {
    public private(set) var bytes: [UInt8] = []

    public init(capacity: Int = 0) { bytes.reserveCapacity(capacity) }

    public mutating func write<T: FixedWidthInteger>(_ v: T) {
        withUnsafeBytes(of: v.littleEndian) { bytes.append(contentsOf: $0) }
    }
    public mutating func write(_ v: Double) { write(v.bitPattern) }
    public mutating func write(_ v: Float) { write(v.bitPattern) }
    public mutating func write(_ v: Bool) { write(UInt8(v ? 1 : 0)) }
    public mutating func write(_ s: String) {
        var s = s
        s.withUTF8 { u in
            write(UInt64(u.count))
            bytes.append(contentsOf: u)
        }
    }
    /// Raw contiguous numeric array with a count prefix (fast path for columns and factors).
    public mutating func writeArray<T: BitwiseCopyable>(_ a: [T]) {
        write(UInt64(a.count))
        a.withUnsafeBytes { bytes.append(contentsOf: $0) }
    }
    public mutating func write(_ strings: [String]) {
        write(UInt64(strings.count))
        for s in strings { write(s) }
    }
}

/// Reads what `ByteWriter` wrote; every read is bounds-checked and throws on truncation.
public struct ByteReader: Sendable {
    public struct Truncated: Error, CustomStringConvertible, Sendable {
        public var description: String { "truncated or corrupt binary data" }
    }

    public let bytes: [UInt8]
    public private(set) var offset: Int

    public init(_ bytes: [UInt8], offset: Int = 0) {
        self.bytes = bytes
        self.offset = offset
    }

    public var isAtEnd: Bool { offset >= bytes.count }

    public mutating func read<T: FixedWidthInteger>(_: T.Type = T.self) throws -> T {
        let n = MemoryLayout<T>.size
        guard offset + n <= bytes.count else { throw Truncated() }
        let v = bytes.withUnsafeBytes { T(littleEndian: $0.loadUnaligned(fromByteOffset: offset, as: T.self)) }
        offset += n
        return v
    }
    public mutating func readDouble() throws -> Double { Double(bitPattern: try read(UInt64.self)) }
    public mutating func readFloat() throws -> Float { Float(bitPattern: try read(UInt32.self)) }
    public mutating func readBool() throws -> Bool { try read(UInt8.self) != 0 }
    public mutating func readCount(elementSize: Int = 1) throws -> Int {
        let c = try read(UInt64.self)
        guard c <= UInt64(bytes.count - offset) / UInt64(max(1, elementSize)) else { throw Truncated() }
        return Int(c)
    }
    public mutating func readString() throws -> String {
        let n = try readCount()
        let s = String(decoding: bytes[offset..<offset + n], as: UTF8.self)
        offset += n
        return s
    }
    public mutating func readArray<T: BitwiseCopyable>(_: T.Type = T.self) throws -> [T] {
        let size = MemoryLayout<T>.stride
        let n = try readCount(elementSize: size)
        let a = [T](unsafeUninitializedCapacity: n) { buf, count in
            bytes.withUnsafeBytes { src in
                UnsafeMutableRawBufferPointer(buf).copyMemory(
                    from: UnsafeRawBufferPointer(rebasing: src[offset..<offset + n * size]))
            }
            count = n
        }
        offset += n * size
        return a
    }
    public mutating func readStrings() throws -> [String] {
        let n = try readCount()
        var out: [String] = []
        out.reserveCapacity(n)
        for _ in 0..<n { out.append(try readString()) }
        return out
    }
}

/// The on-disk envelope of a cached artifact:
/// `RCPA` magic, format version, artifact kind, payload length, XXH64 of the payload, payload.
/// A wrong magic, version, length or checksum is reported as corruption, so the caller can re-run.
public enum ArtifactEnvelope {
    public static let magic: [UInt8] = Array("RCPA".utf8)
    public static let formatVersion: UInt32 = 1

    public enum DecodeError: Error, CustomStringConvertible, Sendable, Equatable {
        case badMagic
        case unsupportedVersion(UInt32)
        case truncated
        case checksumMismatch
        case wrongKind(expected: String, found: String)

        public var description: String {
            switch self {
            case .badMagic: "not a recpipe artifact (bad magic)"
            case .unsupportedVersion(let v): "artifact format version \(v) is not supported (this build reads \(ArtifactEnvelope.formatVersion))"
            case .truncated: "artifact file is truncated"
            case .checksumMismatch: "artifact checksum does not match its contents (corrupt file)"
            case .wrongKind(let e, let f): "artifact is a '\(f)', expected '\(e)'"
            }
        }
    }

    public static func wrap(kind: ArtifactKind, payload: [UInt8]) -> [UInt8] {
        header(kind: kind, payload: payload) + payload
    }

    /// The bytes that precede `payload` in an envelope; writing them and then the payload to a file
    /// gives the same bytes as `wrap` without a second copy of a large payload in memory.
    public static func header(kind: ArtifactKind, payload: [UInt8]) -> [UInt8] {
        var w = ByteWriter(capacity: 64)
        for b in magic { w.write(b) }
        w.write(formatVersion)
        w.write(kind.rawValue)
        w.write(UInt64(payload.count))
        w.write(ContentHasher.hash(payload))
        return w.bytes
    }

    /// Returns the kind and the payload, or throws `DecodeError`.
    public static func unwrap(_ bytes: [UInt8]) throws -> (kind: String, payload: [UInt8]) {
        let (kind, offset) = try open(bytes)
        return (kind, Array(bytes[offset...]))
    }

    /// Checks an envelope in place and returns its kind and where its payload starts, without
    /// copying the payload.
    public static func open(_ bytes: [UInt8]) throws -> (kind: String, payloadOffset: Int) {
        let header = try readHeader(bytes)
        guard UInt64(bytes.count - header.payloadOffset) == header.length else { throw DecodeError.truncated }
        guard ContentHasher.hash(bytes[header.payloadOffset...]) == header.checksum else {
            throw DecodeError.checksumMismatch
        }
        return (header.kind, header.payloadOffset)
    }

    /// The fields before the payload. `bytes` may hold just the start of a file.
    public static func readHeader(_ bytes: [UInt8]) throws -> (kind: String, length: UInt64, checksum: UInt64, payloadOffset: Int) {
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
