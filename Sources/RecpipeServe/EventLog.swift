import Dispatch
import Foundation
import RecpipeData
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// The server's event log: one JSON Lines file the events are appended to, each line the event
/// as received plus `_received_ms` (the server's clock, Unix milliseconds). `append` returns only
/// once its lines are written and on disk (`fdatasync`: for a file only appended to it flushes
/// the data and the new size, all a reader needs). Group commit: one long-lived writer thread;
/// while it syncs, later appends queue and share its next write and sync.
package final class EventLog: Sendable {
    package let path: String
    private let writer: Writer
    /// The key each log line carries besides the event's own fields.
    package static let receivedKey = JSONLinesReader.receivedKey

    /// Opens (creating it and its folder when needed) the log at `path` for appending, and starts
    /// its writer thread.
    package init(path: String) throws {
        self.path = path
        let dir = (path as NSString).deletingLastPathComponent
        if !dir.isEmpty { try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true) }
        let fd = open(path, O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            throw ServeError.setup("cannot open the event log '\(path)': \(String(cString: strerror(errno)))")
        }
        // A last line without its newline was torn by a crash of the machine mid-write (it was
        // never acknowledged): end it, so that the next event starts a line of its own instead of
        // joining an unreadable one. The replay and the batch count the torn line as unreadable.
        var last: UInt8 = 0
        if lseek(fd, -1, SEEK_END) >= 0, read(fd, &last, 1) == 1, last != UInt8(ascii: "\n") {
            var newline = UInt8(ascii: "\n")
            guard Glibc.write(fd, &newline, 1) == 1, fdatasync(fd) == 0 else {
                let reason = String(cString: strerror(errno))
                Glibc.close(fd)
                throw ServeError.setup("cannot end the torn last line of the event log '\(path)': \(reason)")
            }
        }
        writer = Writer(fd: fd, path: path)
        let writer = writer
        let thread = Thread { writer.run() }
        thread.name = "recpipe-event-log"
        thread.start()
    }

    /// The writer thread ends (after writing what is queued) when the log goes.
    deinit { writer.finish() }

    /// Figures for `/v1/status`: bytes in the file, lines and syncs since start.
    package var figures: (bytes: Int64, lines: Int, commits: Int) {
        writer.state.withLock { ($0.bytes, $0.lines, $0.commits) }
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

    /// Appends `data` (whole lines) durably; throws when the write or sync fails.
    package func append(_ data: Data, lines: Int) async throws {
        try await withCheckedThrowingContinuation { (c: CheckedContinuation<Void, any Error>) in
            writer.enqueue(data, lines: lines, c)
        }
    }

    /// Refuses later appends and returns once those already queued are written.
    package func close() { writer.finish(wait: true) }
}

// MARK: - The writer thread

extension EventLog {
    /// The file, the queue and the thread's loop: batches of whatever queued while the last
    /// write and sync ran. Owned by the log and by its thread, so the log can go first.
    final class Writer: Sendable {
        let fd: Int32
        let path: String
        let state = Mutex(State())
        /// Signalled once per wake-up of an idle writer, and at finish.
        private let wake = DispatchSemaphore(value: 0)
        private let finished = DispatchSemaphore(value: 0)

        struct State: ~Copyable {
            var pending: [(Data, CheckedContinuation<Void, any Error>)] = []
            var idle = false
            var closed = false
            var bytes: Int64 = 0
            var lines = 0
            var commits = 0
        }

        init(fd: Int32, path: String) {
            self.fd = fd
            self.path = path
            var st = stat()
            let size = fstat(fd, &st) == 0 ? Int64(st.st_size) : 0
            state.withLock { $0.bytes = size }
        }

        deinit { Glibc.close(fd) }

        func enqueue(_ data: Data, lines: Int, _ c: CheckedContinuation<Void, any Error>) {
            let signal = state.withLock { s -> Bool in
                if s.closed {
                    c.resume(throwing: ServeError.failed("the event log is closed (the server is stopping)"))
                    return false
                }
                s.pending.append((data, c))
                s.lines += lines
                guard s.idle else { return false }
                s.idle = false
                return true
            }
            if signal { wake.signal() }
        }

        /// Closes the queue; with `wait`, returns once the thread has written it all and ended.
        func finish(wait: Bool = false) {
            let signal = state.withLock { s -> Bool in
                guard !s.closed else { return false }
                s.closed = true
                let idle = s.idle
                s.idle = false
                return idle
            }
            if signal { wake.signal() }
            if wait {
                finished.wait()
                finished.signal()
            }
        }

        /// The thread: write and sync each batch; sleep when nothing is queued; end once closed
        /// and drained.
        func run() {
            while true {
                let (batch, done) = state.withLock { s -> ([(Data, CheckedContinuation<Void, any Error>)], Bool) in
                    let b = s.pending
                    s.pending = []
                    if b.isEmpty && !s.closed { s.idle = true }
                    return (b, b.isEmpty && s.closed)
                }
                if done { break }
                if batch.isEmpty {
                    wake.wait()
                    continue
                }
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
            finished.signal()
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
            guard fdatasync(fd) == 0 else {
                return .failed("cannot sync the event log '\(path)': \(String(cString: strerror(errno)))")
            }
            return nil
        }
    }
}
