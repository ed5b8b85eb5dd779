import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// The server's event log: one JSON Lines file the events are appended to, each line the event
/// as received plus `_received_ms` (the server's clock, Unix milliseconds). `append` returns only
/// once its lines are written and fsync'ed. Group commit: while one fsync runs, later appends
/// queue and share the next write and fsync.
package final class EventLog: Sendable {
    package let path: String
    private let fd: Int32
    private let state = Mutex(State())
    /// The key each log line carries besides the event's own fields.
    package static let receivedKey = "_received_ms"

    private struct State: ~Copyable {
        var pending: [(Data, CheckedContinuation<Void, any Error>)] = []
        var writing = false
        var closed = false
        var bytes: Int64 = 0
        var lines = 0
        var commits = 0
    }

    /// Opens (creating it and its folder when needed) the log at `path` for appending.
    package init(path: String) throws {
        self.path = path
        let dir = (path as NSString).deletingLastPathComponent
        if !dir.isEmpty { try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true) }
        fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            throw ServeError.setup("cannot open the event log '\(path)': \(String(cString: strerror(errno)))")
        }
        var st = stat()
        let size = fstat(fd, &st) == 0 ? Int64(st.st_size) : 0
        state.withLock { $0.bytes = size }
    }

    deinit { Glibc.close(fd) }

    /// Figures for `/v1/status`: bytes in the file, lines and fsyncs since start.
    package var figures: (bytes: Int64, lines: Int, commits: Int) {
        state.withLock { ($0.bytes, $0.lines, $0.commits) }
    }

    /// One log line per event (`lines` are compact JSON objects), with the receive time added.
    package static func stamp(_ lines: [String], at ms: Int64) -> Data {
        var out = Data()
        for line in lines {
            var l = line
            if l.hasSuffix("}") {
                l.removeLast()
                l += (l == "{" ? "" : ",") + "\"\(receivedKey)\":\(ms)}"
            }
            out.append(contentsOf: Array(l.utf8))
            out.append(UInt8(ascii: "\n"))
        }
        return out
    }

    /// Appends `data` (whole lines) durably; throws when the write or fsync fails.
    package func append(_ data: Data, lines: Int) async throws {
        try await withCheckedThrowingContinuation { (c: CheckedContinuation<Void, any Error>) in
            let lead = state.withLock { s -> Bool in
                if s.closed {
                    c.resume(throwing: ServeError.failed("the event log is closed (the server is stopping)"))
                    return false
                }
                s.pending.append((data, c))
                s.lines += lines
                guard !s.writing else { return false }
                s.writing = true
                return true
            }
            if lead { Thread.detachNewThread { self.drain() } }
        }
    }

    /// Writes and fsyncs batches until nothing is pending.
    private func drain() {
        while true {
            let batch = state.withLock { s -> [(Data, CheckedContinuation<Void, any Error>)] in
                let b = s.pending
                s.pending = []
                if b.isEmpty { s.writing = false }
                return b
            }
            if batch.isEmpty { return }
            var all = Data()
            for (d, _) in batch { all.append(d) }
            let error = write(all)
            state.withLock {
                $0.commits += 1
                if error == nil { $0.bytes += Int64(all.count) }
            }
            for (_, c) in batch {
                if let error { c.resume(throwing: error) } else { c.resume() }
            }
        }
    }

    private func write(_ data: Data) -> ServeError? {
        let failed: String? = data.withUnsafeBytes { raw -> String? in
            var offset = 0
            while offset < raw.count {
                let n = Glibc.write(fd, raw.baseAddress! + offset, raw.count - offset)
                if n < 0 {
                    if errno == EINTR { continue }
                    return String(cString: strerror(errno))
                }
                offset += n
            }
            return nil
        }
        if let failed { return .failed("cannot write the event log '\(path)': \(failed)") }
        guard fsync(fd) == 0 else {
            return .failed("cannot fsync the event log '\(path)': \(String(cString: strerror(errno)))")
        }
        return nil
    }

    /// Refuses later appends; appends already queued are still written.
    package func close() {
        state.withLock { $0.closed = true }
        while state.withLock({ $0.writing }) { usleep(1000) }
    }
}
