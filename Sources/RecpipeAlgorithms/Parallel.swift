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
public enum Parallel {
    /// The default number of workers: the active processor count (at least 1).
    public static var defaultWorkers: Int { max(1, ProcessInfo.processInfo.activeProcessorCount) }

    /// Calls `body` on disjoint contiguous ranges covering `0..<count`, concurrently.
    ///
    /// - Parameters:
    ///   - count: number of indices.
    ///   - minChunk: the smallest range worth a worker; fewer workers are used for small counts
    ///     (a count below `2 * minChunk` runs inline on the calling thread).
    ///   - threads: worker cap; `nil` uses ``defaultWorkers``.
    ///   - body: called once per chunk; must only write state owned by its range.
    public static func forEachChunk(
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
    public static func blockCount(count: Int, blockSize: Int) -> Int {
        count <= 0 ? 0 : (count + blockSize - 1) / blockSize
    }

    /// Calls `body(block, range)` for every fixed-size block `block * blockSize ..< min(count, …)`,
    /// spreading blocks round-robin over up to `threads` workers.
    ///
    /// Block boundaries depend only on `count` and `blockSize`, so per-block partial results
    /// combined in block order give the same bits for any `threads`.
    public static func forEachBlock(
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
}

/// A raw pointer that parallel workers may share. Safe only when workers write disjoint
/// elements (one row, one block) and the owner outlives the parallel loop; every use in this
/// module follows that rule.
struct ParallelPointer<Element>: @unchecked Sendable {
    let base: UnsafeMutablePointer<Element>

    init(_ base: UnsafeMutablePointer<Element>) { self.base = base }
    init(_ buffer: UnsafeMutableBufferPointer<Element>) { self.base = buffer.baseAddress! }

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
