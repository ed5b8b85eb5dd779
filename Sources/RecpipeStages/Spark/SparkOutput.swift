import Foundation

/// Reads a running spark-submit: its stdout protocol lines (`recpipe-progress`, `recpipe-result`)
/// and its stderr, which goes to a log file and a short tail kept for the error message.
final class SparkOutput: @unchecked Sendable {
    private let lock = NSLock()
    private var tail: [String] = []
    private var parsedResult: [String: Any]?
    private let log: FileHandle?
    private let onProgress: @Sendable (Double?, String) -> Void
    static let tailLines = 200

    init(logPath: String, onProgress: @escaping @Sendable (Double?, String) -> Void) {
        // A log that cannot be created leaves `log` nil: the job runs, its tail is still kept.
        _ = FileManager.default.createFile(atPath: logPath, contents: nil)
        log = FileHandle(forWritingAtPath: logPath)
        self.onProgress = onProgress
    }

    var result: [String: Any]? { lock.withLock { parsedResult } }

    /// Starts `process`, reads both streams to their end and returns the exit status. Cancelling
    /// the task terminates the job.
    func run(_ process: Process) async throws -> Int32 {
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        try process.run()
        return await withTaskCancellationHandler {
            await withCheckedContinuation { (done: CheckedContinuation<Int32, Never>) in
                let group = DispatchGroup()
                for (pipe, isOut) in [(out, true), (err, false)] {
                    group.enter()
                    DispatchQueue.global().async {
                        self.readLines(pipe.fileHandleForReading) { isOut ? self.stdoutLine($0) : self.stderrLine($0) }
                        group.leave()
                    }
                }
                group.notify(queue: .global()) {
                    process.waitUntilExit()
                    try? self.log?.close()
                    done.resume(returning: process.terminationStatus)
                }
            }
        } onCancel: {
            process.terminate()
        }
    }

    private func readLines(_ handle: FileHandle, _ line: (String) -> Void) {
        var buffer = Data()
        while true {
            let chunk = handle.availableData
            if chunk.isEmpty { break }
            buffer.append(chunk)
            while let newline = buffer.firstIndex(of: UInt8(ascii: "\n")) {
                line(String(decoding: buffer[buffer.startIndex..<newline], as: UTF8.self))
                buffer.removeSubrange(buffer.startIndex...newline)
            }
        }
        if !buffer.isEmpty { line(String(decoding: buffer, as: UTF8.self)) }
    }

    // MARK: - Protocol lines

    func stdoutLine(_ line: String) {
        if line.hasPrefix("recpipe-progress ") {
            let rest = line.dropFirst("recpipe-progress ".count)
            let space = rest.firstIndex(of: " ") ?? rest.endIndex
            let fraction = Double(rest[..<space]).map { min(max($0, 0), 1) }
            onProgress(fraction, String(rest[space...].drop { $0 == " " }))
        } else if line.hasPrefix("recpipe-result ") {
            let json = Data(line.dropFirst("recpipe-result ".count).utf8)
            let object = (try? JSONSerialization.jsonObject(with: json)) as? [String: Any]
            lock.withLock { parsedResult = object }
        } else {
            stderrLine(line)
        }
    }

    func stderrLine(_ line: String) {
        log?.write(Data((line + "\n").utf8))
        lock.withLock {
            tail.append(line)
            if tail.count > Self.tailLines { tail.removeFirst(tail.count - Self.tailLines) }
        }
    }

    /// The last `limit` meaningful lines of the job's output: JVM stack frames (`at …`,
    /// `... N more`), Spark's INFO lines, the JVM's start-up banner and blank lines left out.
    func errorLines(limit: Int) -> [String] {
        let lines = lock.withLock { tail }
        let meaningful = lines.filter { Self.isMeaningful($0) }
        return Array(meaningful.suffix(limit))
    }

    /// What every JVM start prints, whatever happens next.
    static let startupNoise = ["WARNING: Using incubator modules", "Using Spark's default log4j profile"]

    static func isMeaningful(_ line: String) -> Bool {
        let t = line.trimmingCharacters(in: .whitespaces)
        if t.isEmpty || t.hasPrefix("at ") || (t.hasPrefix("... ") && t.hasSuffix(" more")) { return false }
        if startupNoise.contains(where: { t.hasPrefix($0) }) { return false }
        if line.range(of: #"^\d\d/\d\d/\d\d \d\d:\d\d:\d\d (INFO|DEBUG) "#, options: .regularExpression) != nil {
            return false
        }
        return true
    }
}
