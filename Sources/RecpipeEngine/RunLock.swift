import Foundation
import RecpipeCore

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// An exclusive lock on a cache directory for the length of a run: `flock` on `<cache>/run.lock`.
///
/// Two runs sharing a cache (a cron job firing while the previous run still goes, two pipelines
/// with one `.recpipe/`) would otherwise interleave their state files and prune each other's
/// fresh results. The kernel drops the lock when the process exits, however it exits, so a
/// crashed run never leaves a stale lock behind. The file holds a line naming the holder (pid,
/// pipeline, start time) for the message the next run shows.
package final class RunLock: Sendable {
    private let fd: Int32
    package let path: String

    private init(fd: Int32, path: String) {
        self.fd = fd
        self.path = path
    }

    deinit {
        _ = flock(fd, LOCK_UN)
        close(fd)
    }

    /// Takes the lock of `cacheDirectory` (creating the directory), or fails with a `run-locked`
    /// diagnostic naming the holder. With `wait`, calls `waiting(holder)` once and blocks until the
    /// holder finishes instead.
    package static func acquire(
        cacheDirectory: String, pipeline: String, wait: Bool, waiting: (String) -> Void = { _ in }
    ) throws(DiagnosticsError) -> RunLock {
        let path = cacheDirectory + "/run.lock"
        do {
            try WriteError.createDirectory(cacheDirectory)
        } catch {
            throw DiagnosticsError([
                .error(
                    "run-lock-failed", "cannot use the cache directory: \(error)",
                    hint: "the cache needs a writable directory; pass --cache-dir DIR to put it elsewhere")
            ])
        }
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            let error = WriteError(code: errno, operation: "writing", path: path)
            throw DiagnosticsError([
                .error(
                    "run-lock-failed", "cannot take the run lock: \(error)",
                    hint: "the cache needs a writable directory; pass --cache-dir DIR to put it elsewhere")
            ])
        }
        if flock(fd, LOCK_EX | LOCK_NB) != 0 {
            let holder = Self.holder(path)
            guard wait else {
                close(fd)
                throw DiagnosticsError([
                    .error(
                        "run-locked", "another run is using the cache '\(cacheDirectory)' (\(holder))",
                        hint: "wait for it to finish, or pass --wait to start when it does")
                ])
            }
            waiting(holder)
            while flock(fd, LOCK_EX) != 0 {
                guard errno == EINTR else {
                    close(fd)
                    throw DiagnosticsError([
                        .error("run-lock-failed", "cannot lock '\(path)': \(String(cString: strerror(errno)))")
                    ])
                }
            }
        }
        let line = "pid \(getpid()), pipeline '\(pipeline)', since \(ISO8601DateFormatter().string(from: Date()))\n"
        _ = ftruncate(fd, 0)
        _ = line.withCString { pwrite(fd, $0, strlen($0), 0) }
        return RunLock(fd: fd, path: path)
    }

    /// The holder line of a lock file, or a placeholder when it cannot be read yet.
    static func holder(_ path: String) -> String {
        let text = (try? String(contentsOfFile: path, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines)
        return text.flatMap { $0.isEmpty ? nil : $0 } ?? "holder unknown"
    }
}
