/// Reads what `ByteWriter` wrote; every read is bounds-checked and throws on truncation.
///
/// Reads bytes in memory, or streams them from a ``ReadableFile`` (a cached artifact): there each
/// array is read straight into its own storage, so decoding holds no second copy of the file.
package struct ByteReader {
    package struct Truncated: Error, CustomStringConvertible, Sendable {
        package var description: String { "truncated or corrupt binary data" }
    }

    private enum Source {
        case memory([UInt8])
        case file(ReadableFile)
    }

    private let source: Source
    /// Where the readable bytes end (the array's count or the file's size).
    private let end: Int
    package private(set) var offset: Int
    /// File source: the last block read (small values come from it), starting at `blockStart`.
    private var block: [UInt8] = []
    private var blockStart = 0
    private static let blockSize = 64 << 10

    package init(_ bytes: [UInt8], offset: Int = 0) {
        source = .memory(bytes)
        end = bytes.count
        self.offset = offset
    }

    /// Reads `file` from `offset` on.
    package init(_ file: ReadableFile, offset: Int = 0) {
        source = .file(file)
        end = file.size
        self.offset = offset
    }

    package var isAtEnd: Bool { offset >= end }

    /// Copies the next `destination.count` bytes into `destination`.
    private mutating func copyNext(into destination: UnsafeMutableRawBufferPointer) throws {
        let count = destination.count
        guard count <= end - offset else { throw Truncated() }
        switch source {
        case .memory(let bytes):
            bytes.withUnsafeBytes { src in
                destination.copyMemory(from: UnsafeRawBufferPointer(rebasing: src[offset..<offset + count]))
            }
        case .file(let file):
            if count >= Self.blockSize {
                try file.read(into: destination, at: offset)  // straight into the destination
            } else {
                if offset < blockStart || offset + count > blockStart + block.count {
                    blockStart = offset
                    block = [UInt8](repeating: 0, count: Self.blockSize)
                    let n = try block.withUnsafeMutableBytes { try file.read(upTo: $0, at: offset) }
                    block.removeLast(Self.blockSize - n)
                    guard n >= count else { throw Truncated() }
                }
                block.withUnsafeBytes { src in
                    destination.copyMemory(
                        from: UnsafeRawBufferPointer(rebasing: src[offset - blockStart..<offset - blockStart + count]))
                }
            }
        }
        offset += count
    }

    /// Skips `count` bytes (bounds-checked).
    private mutating func skip(_ count: Int) throws {
        guard count <= end - offset else { throw Truncated() }
        offset += count
    }

    package mutating func read<T: FixedWidthInteger>(_: T.Type = T.self) throws -> T {
        var v: T = 0
        try withUnsafeMutableBytes(of: &v) { try copyNext(into: $0) }
        return T(littleEndian: v)
    }
    package mutating func readDouble() throws -> Double { Double(bitPattern: try read(UInt64.self)) }
    package mutating func readFloat() throws -> Float { Float(bitPattern: try read(UInt32.self)) }
    package mutating func readBool() throws -> Bool { try read(UInt8.self) != 0 }
    package mutating func readCount(elementSize: Int = 1) throws -> Int {
        let c = try read(UInt64.self)
        guard c <= UInt64(end - offset) / UInt64(max(1, elementSize)) else { throw Truncated() }
        return Int(c)
    }
    package mutating func readString() throws -> String {
        let n = try readCount()
        if case .memory(let bytes) = source {
            let s = String(decoding: bytes[offset..<offset + n], as: UTF8.self)
            offset += n
            return s
        }
        var failure: (any Error)?
        // Invalid UTF-8 is repaired, as `String(decoding:as:)` does.
        let s = String(unsafeUninitializedCapacity: n) { buf in
            do { try copyNext(into: UnsafeMutableRawBufferPointer(buf)) } catch { failure = error }
            return failure == nil ? n : 0
        }
        if let failure { throw failure }
        return s
    }
    package mutating func readArray<T: BitwiseCopyable>(_: T.Type = T.self) throws -> [T] {
        let n = try readCount(elementSize: MemoryLayout<T>.stride)
        var failure: (any Error)?
        let a = [T](unsafeUninitializedCapacity: n) { buf, count in
            do { try copyNext(into: UnsafeMutableRawBufferPointer(buf)) } catch { failure = error }
            count = failure == nil ? n : 0
        }
        if let failure { throw failure }
        return a
    }
    /// What ``readArray(_:)`` reads, left in the file until first used when reading from a file
    /// (a column few consumers need, such as an artifact's timestamps); read now from memory.
    package mutating func readDeferredArray<T: BitwiseCopyable & Sendable & Equatable>(
        _: T.Type = T.self
    ) throws -> DeferredArray<T> {
        guard case .file(let file) = source else { return DeferredArray(try readArray(T.self)) }
        let n = try readCount(elementSize: MemoryLayout<T>.stride)
        let start = offset
        try skip(n * MemoryLayout<T>.stride)
        return DeferredArray(file: file, offset: start, count: n)
    }

    package mutating func readStrings() throws -> [String] {
        let n = try readCount()
        var out: [String] = []
        out.reserveCapacity(n)
        for _ in 0..<n { out.append(try readString()) }
        return out
    }
}
