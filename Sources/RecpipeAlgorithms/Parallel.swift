import Dispatch
import Foundation

/// Small data-parallel loops over `DispatchQueue.concurrentPerform`, shared by the numeric kernels.
///
/// Two shapes:
/// - ``forEachChunk(count:minChunk:threads:_:)`` splits `0..<count` into one contiguous chunk per
///   worker. Use it when every index writes only its own output (row-wise maps): the split may
///   depend on the worker count without changing the result.
/// - ``forEachBlock(count:blockSize:threads:_:)`` splits `0..<count` into fixed-size blocks whose
///   boundaries depend only on `count` and `blockSize`, never on the worker count. A reduction that
///   writes one partial result per block and then combines the partials in block order is therefore
///   bit-identical whatever the number of threads and however the scheduler interleaves them.
package enum Parallel {
    /// The default number of workers: the cores this process may run on (``cores``), or the cap
    /// of ``workerLimit`` (`recpipe run --threads N`, `RECPIPE_THREADS`) when that is lower.
    package static var defaultWorkers: Int {
        let cap = workerLimit
        return cap > 0 ? min(cap, cores) : cores
    }

    /// The cores this process may run on, at least 1: on Linux its CPU affinity (`taskset -c 0`,
    /// a container's cpuset: `Cpus_allowed_list` in /proc/self/status), which Foundation's active
    /// processor count ignores; two workers on one core only take turns and evict each other's
    /// caches. Elsewhere, or when the list cannot be read, the active processor count.
    package static let cores: Int = {
        let active = max(1, ProcessInfo.processInfo.activeProcessorCount)
        #if os(Linux)
            guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
                let line = status.split(separator: "\n").first(where: { $0.hasPrefix("Cpus_allowed_list:") }),
                let allowed = cpuCount(list: line.dropFirst("Cpus_allowed_list:".count))
            else { return active }
            return max(1, min(allowed, active))
        #else
            return active
        #endif
    }()

    /// The number of CPUs in a Linux CPU list (`0-3,8,10-11` → 7); nil when it is not one.
    package static func cpuCount(list: Substring) -> Int? {
        var count = 0
        for part in list.split(separator: ",", omittingEmptySubsequences: false) {
            let bounds = part.split(separator: "-", omittingEmptySubsequences: false)
                .map { Int($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
            switch bounds.count {
            case 1:
                guard bounds[0] != nil else { return nil }
                count += 1
            case 2:
                guard let lo = bounds[0], let hi = bounds[1], hi >= lo else { return nil }
                count += hi - lo + 1
            default: return nil
            }
        }
        return count > 0 ? count : nil
    }

    /// The cap on ``defaultWorkers`` for the current task and the tasks it starts (a run's stages
    /// are child tasks of the command's); 0 means none. Task-local, so a cap never reaches work
    /// outside the run that set it (another command in the same process, a test beside it).
    @TaskLocal package static var workerLimit = 0

    /// Runs `body` with every loop that uses the default worker count (stages, the CSV parser, ALS
    /// with `threads: 0`, kNN) capped at `threads` workers; 0 removes the cap. Results do not
    /// depend on it: every parallel reduction here is independent of the worker count.
    package static func withWorkerLimit<T>(_ threads: Int, _ body: () async throws -> T) async rethrows -> T {
        try await $workerLimit.withValue(max(0, threads), operation: body)
    }

    /// Calls `body` on disjoint contiguous ranges covering `0..<count`, concurrently.
    ///
    /// - Parameters:
    ///   - count: number of indices.
    ///   - minChunk: the smallest range worth a worker; fewer workers are used for small counts
    ///     (a count below `2 * minChunk` runs inline on the calling thread).
    ///   - threads: worker cap; `nil` uses ``defaultWorkers``.
    ///   - body: called once per chunk; must only write state owned by its range.
    package static func forEachChunk(
        count: Int, minChunk: Int, threads: Int? = nil, _ body: @Sendable (Range<Int>) -> Void
    ) {
        guard count > 0 else { return }
        let cap = max(1, threads ?? defaultWorkers)
        let workers = min(cap, max(1, count / max(1, minChunk)))
        if workers == 1 {
            body(0..<count)
            return
        }
        let base = count / workers, extra = count % workers
        DispatchQueue.concurrentPerform(iterations: workers) { w in
            let start = w * base + min(w, extra)
            let end = start + base + (w < extra ? 1 : 0)
            body(start..<end)
        }
    }

    /// The number of blocks ``forEachBlock(count:blockSize:threads:_:)`` uses for `count` indices.
    package static func blockCount(count: Int, blockSize: Int) -> Int {
        count <= 0 ? 0 : (count + blockSize - 1) / blockSize
    }

    /// Calls `body(block, range)` for every fixed-size block `block * blockSize ..< min(count, …)`,
    /// spreading blocks round-robin over up to `threads` workers.
    ///
    /// Block boundaries depend only on `count` and `blockSize`, so per-block partial results
    /// combined in block order give the same bits for any `threads`.
    package static func forEachBlock(
        count: Int, blockSize: Int, threads: Int? = nil,
        _ body: @Sendable (_ block: Int, _ range: Range<Int>) -> Void
    ) {
        precondition(blockSize > 0, "blockSize must be positive")
        let blocks = blockCount(count: count, blockSize: blockSize)
        guard blocks > 0 else { return }
        let workers = min(max(1, threads ?? defaultWorkers), blocks)
        if workers == 1 {
            for b in 0..<blocks { body(b, (b * blockSize)..<min(count, (b + 1) * blockSize)) }
            return
        }
        DispatchQueue.concurrentPerform(iterations: workers) { w in
            var b = w
            while b < blocks {
                body(b, (b * blockSize)..<min(count, (b + 1) * blockSize))
                b += workers
            }
        }
    }

    /// The worker count for a `threads` option where 0 means all cores.
    package static func workers(_ threads: Int) -> Int { threads > 0 ? threads : defaultWorkers }

    /// Splits `0..<count` into contiguous chunks (at most 4 per worker, at least `minChunk` indices
    /// each), runs `body` on them concurrently and returns the chunk results in range order.
    /// Chunk boundaries depend only on `count`, `minChunk` and the worker count.
    package static func mapChunks<T>(
        count: Int, minChunk: Int = 16, threads: Int? = nil, _ body: @Sendable (Range<Int>) -> T
    ) -> [T] {
        guard count > 0 else { return [] }
        let workers = max(1, threads ?? defaultWorkers)
        let chunks = max(1, min(workers * 4, count / max(1, minChunk)))
        if chunks == 1 || workers == 1 { return [body(0..<count)] }
        let size = (count + chunks - 1) / chunks
        var results = [T?](repeating: nil, count: chunks)
        results.withUnsafeMutableBufferPointer { buf in
            let out = ParallelPointer(buf)
            DispatchQueue.concurrentPerform(iterations: chunks) { c in
                let lo = min(count, c * size)
                out[c] = body(lo..<min(count, lo + size))
            }
        }
        return results.map { $0! }
    }

    /// Calls `body(k)` for every `k` in `0..<count`; item `k` always runs on worker
    /// `k % workers(threads)` (static interleaving). `body` may capture non-Sendable state: it
    /// must only write memory owned by item `k`.
    package static func forEachInterleaved(count: Int, threads: Int, _ body: (Int) -> Void) {
        interleave(count: count, threads: threads) { k, _ in body(k) }
    }

    /// Runs `body(range, worker)` over chunks of `chunk` indices of `0..<count`, chunk `c` on
    /// worker `c % workers`; `worker` indexes per-thread scratch (`worker < workers(threads)`).
    /// The chunks are the same for any thread count (one worker runs them in order), so a body
    /// that groups indices within its range groups them the same way for any thread count.
    package static func forEachInterleavedChunk(
        count: Int, chunk: Int, threads: Int, _ body: (Range<Int>, Int) -> Void
    ) {
        let chunks = (count + chunk - 1) / chunk
        interleave(count: chunks, threads: threads) { c, w in body(c * chunk..<min(count, (c + 1) * chunk), w) }
    }

    /// `body(k, worker)` for every `k` in `0..<count`, item `k` on worker `k % workers` (in
    /// order on the calling thread when there is one worker).
    private static func interleave(count: Int, threads: Int, _ body: (Int, Int) -> Void) {
        let workers = min(workers(threads), count)
        if workers <= 1 {
            for k in 0..<count { body(k, 0) }
            return
        }
        withoutActuallyEscaping(body) { body in
            let box = UncheckedSendableBox(body)
            DispatchQueue.concurrentPerform(iterations: workers) { w in
                var k = w
                while k < count {
                    box.value(k, w)
                    k += workers
                }
            }
        }
    }
}

/// A raw pointer that parallel workers may share. Safe only when workers write disjoint
/// elements (one row, one block) and the owner outlives the parallel loop; every use in this
/// module follows that rule.
struct ParallelPointer<Element>: @unchecked Sendable {
    let base: UnsafeMutablePointer<Element>

    init(_ base: UnsafeMutablePointer<Element>) { self.base = base }
    init(_ base: UnsafePointer<Element>) { self.base = UnsafeMutablePointer(mutating: base) }
    init(_ buffer: UnsafeMutableBufferPointer<Element>) { self.base = buffer.baseAddress! }

    /// The same address, read-only.
    var pointer: UnsafePointer<Element> { UnsafePointer(base) }

    @inline(__always) subscript(i: Int) -> Element {
        get { base[i] }
        nonmutating set { base[i] = newValue }
    }
}

/// A read-only shared pointer (input matrices) for parallel workers.
struct ParallelReadPointer<Element>: @unchecked Sendable {
    let base: UnsafePointer<Element>

    init(_ base: UnsafePointer<Element>) { self.base = base }

    @inline(__always) subscript(i: Int) -> Element { base[i] }
}

/// Carries a non-Sendable closure into `concurrentPerform`; the closures passed through it only
/// write disjoint memory.
struct UncheckedSendableBox<T>: @unchecked Sendable {
    let value: T
    init(_ value: T) { self.value = value }
}
