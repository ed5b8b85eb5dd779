import Foundation
import RecpipeCore
import RecpipeEngine
import Synchronization
import Testing

/// One run at a time per cache directory.
@Suite struct RunLockTests {
    func directory() -> String {
        NSTemporaryDirectory() + "recpipe-lock-\(UUID().uuidString)/.recpipe"
    }

    @Test func secondRunIsRefusedWithTheHolderThenAllowedAfterRelease() throws {
        let dir = directory()
        var first: RunLock? = try RunLock.acquire(cacheDirectory: dir, pipeline: "nightly", wait: false)
        #expect(first?.path == dir + "/run.lock")
        do {
            _ = try RunLock.acquire(cacheDirectory: dir, pipeline: "other", wait: false)
            Issue.record("a second lock was granted")
        } catch {
            let d = try #require(error.diagnostics.first)
            #expect(d.code == "run-locked")
            #expect(
                d.message.hasPrefix(
                    "another run is using the cache '\(dir)' (pid \(getpid()), pipeline 'nightly', since "))
            #expect(d.hint == "wait for it to finish, or pass --wait to start when it does")
        }
        first = nil  // released
        _ = try RunLock.acquire(cacheDirectory: dir, pipeline: "other", wait: false)
    }

    @Test func waitingRunStartsWhenTheHolderFinishes() async throws {
        let dir = directory()
        var first: RunLock? = try RunLock.acquire(cacheDirectory: dir, pipeline: "nightly", wait: false)
        let told = Mutex<String?>(nil)
        // The waiter blocks in flock: on its own thread, not on the concurrency pool (2 threads
        // on 2 cores), whose other tests it could otherwise starve.
        let acquired = Mutex<Result<RunLock, any Error>?>(nil)
        Thread.detachNewThread {
            let r = Result<RunLock, any Error> {
                try RunLock.acquire(cacheDirectory: dir, pipeline: "later", wait: true) { holder in
                    told.withLock { $0 = holder }
                }
            }
            acquired.withLock { $0 = r }
        }
        // Wait (without a deadline) until the second run reports that it is waiting.
        while told.withLock({ $0 }) == nil { try await Task.sleep(for: .milliseconds(5)) }
        #expect(told.withLock { $0 }?.contains("pipeline 'nightly'") == true)
        first = nil
        while acquired.withLock({ $0 }) == nil { try await Task.sleep(for: .milliseconds(5)) }
        let second = try acquired.withLock { $0! }.get()
        #expect(try String(contentsOfFile: second.path, encoding: .utf8).contains("pipeline 'later'"))
        #expect(first == nil)
    }
}
