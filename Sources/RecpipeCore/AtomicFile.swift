import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Writes files so that a reader never sees a half-written one: bytes go to a temporary file in
/// the same directory (`.tmp-<name>-<pid>-<random>`), are flushed, then `rename(2)` replaces the
/// target in one step. A crash leaves either the old file or the new one, plus at worst a stray
/// temporary that ``removeDeadTemporaries(in:)`` deletes once its writer's pid is gone.
///
/// Every failure is a ``WriteError`` with the OS reason and the file:
/// `no space left on device (writing out/demo.runs/…/recs.csv)`.
package enum AtomicFile {
    /// Streams content through `body`, which receives a ``Writer`` on the temporary file.
    /// If `body` throws, the temporary file is removed and the target is untouched.
    package static func write(to path: String, _ body: (Writer) throws -> Void) throws {
        let url = URL(fileURLWithPath: path)
        let dir = url.deletingLastPathComponent().path
        try WriteError.createDirectory(dir)
        let tmp = dir + "/" + temporaryName(for: url.lastPathComponent)
        let fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw WriteError(code: errno, operation: "writing", path: path) }
        let writer = Writer(fd: fd, path: path)
        do {
            try body(writer)
            try writer.finish()
            try WriteError.check(rename(tmp, path), "writing", path)
        } catch {
            writer.abandon()
            unlink(tmp)
            throw error
        }
        // The rename itself reaches the disk, so a manifest never outlives the files it names.
        WriteError.syncDirectory(dir)
    }

    package static func write(_ data: some DataProtocol, to path: String) throws {
        try write(to: path) { try $0.write(contentsOf: data) }
    }

    package static func write(_ string: String, to path: String) throws {
        try write(Data(string.utf8), to: path)
    }

    /// `.tmp-<name>-<pid>-<random>`: the pid lets a later run tell a dead writer's leftovers
    /// from a live writer's file.
    package static func temporaryName(for name: String) -> String {
        ".tmp-\(name)-\(getpid())-\(UInt64.random(in: 0...UInt64.max))"
    }

    // MARK: - Writer

    /// The temporary file being written. Errors name the target file, not the temporary.
    package final class Writer {
        private var fd: Int32
        /// The file this write will replace.
        package let path: String

        init(fd: Int32, path: String) {
            self.fd = fd
            self.path = path
        }

        deinit { abandon() }

        /// Appends bytes; a short write is retried, a failed one throws (`no space left on device`).
        package func write(contentsOf data: some DataProtocol) throws {
            if try data.withContiguousStorageIfAvailable({ try write(UnsafeRawBufferPointer($0)) }) != nil { return }
            try [UInt8](data).withUnsafeBytes { try write($0) }
        }

        package func write(_ raw: UnsafeRawBufferPointer) throws(WriteError) {
            var offset = 0
            while offset < raw.count {
                let n = systemWrite(fd, raw.baseAddress! + offset, raw.count - offset)
                if n < 0 {
                    if errno == EINTR { continue }
                    throw WriteError(code: errno, operation: "writing", path: path)
                }
                offset += n
            }
        }

        /// Flushes to the disk and closes (a full disk may only show here).
        func finish() throws(WriteError) {
            let fd = self.fd
            self.fd = -1
            if fsync(fd) != 0 {
                let code = errno
                close(fd)
                throw WriteError(code: code, operation: "writing", path: path)
            }
            try WriteError.check(close(fd), "writing", path)
        }

        func abandon() {
            if fd >= 0 { close(fd) }
            fd = -1
        }
    }
}

#if canImport(Glibc)
    private let systemWrite = Glibc.write
#elseif canImport(Darwin)
    private let systemWrite = Darwin.write
#endif
