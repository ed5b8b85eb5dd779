import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A file-system write that failed, said the way an operator needs it: the operating system's
/// reason, what was being done and the file — `no space left on device (writing
/// pipelines/.recpipe/artifacts/3f…a1.rcpa)`, `read-only file system (creating directory out)`.
///
/// Every write recpipe makes (artifacts, state, manifests, exports, rejects, the run lock) goes
/// through ``AtomicFile`` or ``WriteError/check(_:_:_:)``, so these are the only write errors a
/// user sees; never a Foundation error dump.
package struct WriteError: Error, CustomStringConvertible, Sendable, Equatable {
    /// `errno` of the failing call (`ENOSPC`, `EROFS`, …), or nil when no system call failed.
    package var code: Int32?
    /// What was being done: `writing`, `creating directory`, `renaming`, `linking`.
    package var operation: String
    /// The file or directory, as given (``description`` shortens it to the working directory).
    package var path: String
    /// The reason in words, `strerror` in lower case when `code` is set.
    package var reason: String

    package init(code: Int32, operation: String, path: String) {
        self.code = code
        self.operation = operation
        self.path = path
        reason = Self.reason(code)
    }

    package init(_ reason: String, operation: String, path: String) {
        code = nil
        self.operation = operation
        self.path = path
        self.reason = reason
    }

    package var description: String { "\(reason) (\(operation) \(Self.display(path)))" }

    /// `strerror(code)` with a lower-case first letter: `no space left on device`.
    package static func reason(_ code: Int32) -> String {
        let text = String(cString: strerror(code))
        guard let first = text.first, !text.hasPrefix("I/O") else { return text }
        return first.lowercased() + text.dropFirst()
    }

    /// `path` relative to the working directory when it lies under it, else as given.
    package static func display(_ path: String) -> String {
        let cwd = FileManager.default.currentDirectoryPath
        guard path.hasPrefix("/"), cwd != "/", path.hasPrefix(cwd + "/") else { return path }
        return String(path.dropFirst(cwd.count + 1))
    }

    /// Throws a `WriteError` with the current `errno` when `result` is negative (a failed system call).
    @discardableResult
    package static func check(_ result: Int32, _ operation: String, _ path: String) throws(WriteError) -> Int32 {
        guard result < 0 else { return result }
        throw WriteError(code: errno, operation: operation, path: path)
    }

    // MARK: - Directories

    /// `mkdir -p`: creates `path` and its missing parents; an existing directory is fine.
    package static func createDirectory(_ path: String) throws(WriteError) {
        var st = stat()
        if stat(path, &st) == 0 {
            guard (st.st_mode & S_IFMT) == S_IFDIR else {
                throw WriteError(code: ENOTDIR, operation: "creating directory", path: path)
            }
            return
        }
        let parent = (path as NSString).deletingLastPathComponent
        if !parent.isEmpty, parent != path { try createDirectory(parent) }
        if mkdir(path, 0o755) != 0, errno != EEXIST {
            throw WriteError(code: errno, operation: "creating directory", path: path)
        }
    }

    /// Flushes a directory's entries (a rename or a new file in it) to the disk.
    package static func syncDirectory(_ path: String) {
        let fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { return }
        _ = fsync(fd)
        close(fd)
    }
}
