import Synchronization
import Testing
import RecpipeAlgorithms

@Suite("parallel loops")
struct ParallelTests {
    final class Hits: Sendable {
        let counts: Mutex<[Int]>
        init(_ n: Int) { counts = Mutex([Int](repeating: 0, count: n)) }
        func add(_ range: Range<Int>) { counts.withLock { for i in range { $0[i] += 1 } } }
        var all: [Int] { counts.withLock { $0 } }
    }

    @Test("chunks cover every index exactly once", arguments: [0, 1, 7, 1000, 10_001], [1, 2, 5])
    func chunksCover(count: Int, threads: Int) {
        let hits = Hits(count)
        Parallel.forEachChunk(count: count, minChunk: 3, threads: threads) { hits.add($0) }
        #expect(hits.all == [Int](repeating: 1, count: count))
    }

    @Test("blocks are fixed by count and block size, whatever the thread count", arguments: [1, 2, 3, 8])
    func blocksFixed(threads: Int) {
        let seen = Mutex<[Int: Range<Int>]>([:])
        Parallel.forEachBlock(count: 10, blockSize: 4, threads: threads) { b, range in
            seen.withLock { $0[b] = range }
        }
        #expect(seen.withLock { $0 } == [0: 0..<4, 1: 4..<8, 2: 8..<10])
        #expect(Parallel.blockCount(count: 10, blockSize: 4) == 3)
        #expect(Parallel.blockCount(count: 0, blockSize: 4) == 0)
    }
}
