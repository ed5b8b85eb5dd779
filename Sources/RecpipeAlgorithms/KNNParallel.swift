import Dispatch

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Parallel loops for the kNN, similarity and metric kernels of this module.
///
/// Work is cut into contiguous chunks that `DispatchQueue.concurrentPerform` runs on all cores.
/// Each chunk writes only its own slots of the output, so the result never depends on scheduling.
enum KNNParallel {
    /// The number of worker threads used (online processors, at least 1).
    static var workerCount: Int {
        #if canImport(Glibc) || canImport(Darwin)
        let n = sysconf(Int32(_SC_NPROCESSORS_ONLN))
        return n > 0 ? Int(n) : 1
        #else
        return 1
        #endif
    }

    /// Splits `0..<count` into disjoint contiguous chunks (at most `4 × workerCount`), runs
    /// `body` on each in parallel, and returns the chunk results in range order. Runs inline when
    /// the work is small or there is one core.
    static func mapChunks<T>(count: Int, minimumChunk: Int = 16, _ body: @Sendable (Range<Int>) -> T) -> [T] {
        guard count > 0 else { return [] }
        let workers = workerCount
        let chunks = max(1, min(workers * 4, count / max(1, minimumChunk)))
        if chunks == 1 || workers == 1 {
            return [body(0..<count)]
        }
        let size = (count + chunks - 1) / chunks
        var results = [T?](repeating: nil, count: chunks)
        results.withUnsafeMutableBufferPointer { buf in
            let shared = KNNSharedBuffer(buf)
            DispatchQueue.concurrentPerform(iterations: chunks) { c in
                let lo = min(count, c * size)
                let hi = min(count, lo + size)
                shared[c] = body(lo..<hi)
            }
        }
        return results.map { $0! }
    }

    /// Like `mapChunks` for bodies that write their own disjoint output slots.
    static func forEachChunk(count: Int, minimumChunk: Int = 16, _ body: @Sendable (Range<Int>) -> Void) {
        _ = mapChunks(count: count, minimumChunk: minimumChunk, body)
    }
}

/// A raw pointer that parallel chunks write through at disjoint offsets.
///
/// Only used inside `KNNParallel.forEachChunk` bodies, where each chunk owns its own slots.
struct KNNSharedBuffer<Element>: @unchecked Sendable {
    let buffer: UnsafeMutableBufferPointer<Element>
    init(_ buffer: UnsafeMutableBufferPointer<Element>) { self.buffer = buffer }
    @inline(__always) subscript(i: Int) -> Element {
        get { buffer[i] }
        nonmutating set { buffer[i] = newValue }
    }
}
