import Dispatch

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A raw pointer that may cross into worker closures. Workers only ever touch disjoint rows
/// (or read shared, unchanging data), which is what makes this sound.
struct ALSPointer<T>: @unchecked Sendable {
    let mutable: UnsafeMutablePointer<T>
    init(_ p: UnsafeMutablePointer<T>) { mutable = p }
    init(_ p: UnsafePointer<T>) { mutable = UnsafeMutablePointer(mutating: p) }
    var pointer: UnsafePointer<T> { UnsafePointer(mutable) }
}

/// Fork–join helpers of ALS: static interleaved scheduling over `DispatchQueue.concurrentPerform`.
///
/// Work item `k` is always processed by worker `k % workers` and every item's output depends only
/// on its inputs, so results never depend on scheduling.
enum ALSParallel {
    /// Logical CPUs available to this process.
    static var processorCount: Int {
        #if canImport(Glibc) || canImport(Darwin)
        return max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))
        #else
        return 1
        #endif
    }

    /// The worker count for a `threads` option (0 = all cores).
    static func workers(_ threads: Int) -> Int { threads > 0 ? threads : processorCount }

    /// Calls `body(k)` for every `k` in `0..<count`, spread over `threads` workers.
    static func forEach(count: Int, threads: Int, _ body: (Int) -> Void) {
        let workers = min(workers(threads), count)
        if workers <= 1 {
            for k in 0..<count { body(k) }
            return
        }
        withoutActuallyEscaping(body) { body in
            let box = ALSUncheckedBox(body)
            DispatchQueue.concurrentPerform(iterations: workers) { w in
                var k = w
                while k < count {
                    box.value(k)
                    k += workers
                }
            }
        }
    }

    /// Runs `body(range, worker)` over chunks of `0..<count` rows (about `chunk` rows each), with a
    /// worker index for per-thread scratch buffers (`worker < workers(threads)`).
    static func forEachChunk(
        count: Int, chunk: Int, threads: Int, _ body: (Range<Int>, Int) -> Void
    ) {
        let chunks = (count + chunk - 1) / chunk
        let workers = max(1, min(workers(threads), chunks))
        if workers <= 1 {
            if count > 0 { body(0..<count, 0) }
            return
        }
        withoutActuallyEscaping(body) { body in
            let box = ALSUncheckedBox(body)
            DispatchQueue.concurrentPerform(iterations: workers) { w in
                var c = w
                while c < chunks {
                    box.value(c * chunk..<min(count, (c + 1) * chunk), w)
                    c += workers
                }
            }
        }
    }
}

/// Carries a non-Sendable closure into `concurrentPerform`; the closures passed here only write
/// disjoint memory.
struct ALSUncheckedBox<T>: @unchecked Sendable {
    let value: T
    init(_ value: T) { self.value = value }
}
