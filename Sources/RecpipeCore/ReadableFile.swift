#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A file opened for positioned reads (`pread(2)`), so that a ``ByteReader`` decodes a cached
/// artifact straight from disk, each large array read into its own storage, and a
/// ``DeferredArray`` reads a column only when it is first used. Immutable (reads are positioned),
/// hence `Sendable`; the descriptor closes when the last user releases the file.
package final class ReadableFile: Sendable {
    /// The file's size in bytes when it was opened.
    package let size: Int
    package let path: String
    private let fd: Int32

    /// Opens `path` for reading; nil when it cannot be opened (missing, unreadable, not a file).
    package init?(path: String) {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        var info = stat()
        guard fstat(fd, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else {
            close(fd)
            return nil
        }
        self.fd = fd
        self.path = path
        size = Int(info.st_size)
    }

    deinit { close(fd) }

    /// Fills `destination` with the bytes at `offset ..< offset + destination.count`.
    /// Throws ``ByteReader/Truncated`` when the file ends first, a ``ReadError`` when reading fails.
    package func read(into destination: UnsafeMutableRawBufferPointer, at offset: Int) throws {
        let n = try read(upTo: destination, at: offset)
        guard n == destination.count else { throw ByteReader.Truncated() }
    }

    /// Reads up to `destination.count` bytes at `offset`, fewer only at the end of the file.
    /// Returns how many.
    package func read(upTo destination: UnsafeMutableRawBufferPointer, at offset: Int) throws -> Int {
        var done = 0
        while done < destination.count {
            let n = pread(fd, destination.baseAddress! + done, destination.count - done, off_t(offset + done))
            if n < 0 {
                if errno == EINTR { continue }
                throw ReadError(path: path, code: errno)
            }
            if n == 0 { break }
            done += n
        }
        return done
    }

    /// Feeds the bytes `offset ..< size` to `body` in blocks of `blockSize` (one reused buffer).
    package func forEachBlock(
        from offset: Int, blockSize: Int = 4 << 20, _ body: (UnsafeRawBufferPointer) throws -> Void
    ) throws {
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: blockSize, alignment: 16)
        defer { buffer.deallocate() }
        var at = offset
        while at < size {
            let chunk = UnsafeMutableRawBufferPointer(rebasing: buffer[0..<min(blockSize, size - at)])
            try read(into: chunk, at: at)
            try body(UnsafeRawBufferPointer(chunk))
            at += chunk.count
        }
    }

    /// A read that failed (`pread` set `errno`).
    package struct ReadError: Error, CustomStringConvertible, Sendable {
        package let path: String
        package let code: Int32
        package var description: String { "cannot read '\(path)': \(String(cString: strerror(code)))" }
    }
}
