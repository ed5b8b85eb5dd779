import Foundation
import RecpipeAlgorithms
import Synchronization
import Testing

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

    @Test("mapChunks returns chunk results in range order", arguments: [0, 1, 15, 1000], [1, 2, 5])
    func mapChunksInOrder(count: Int, threads: Int) {
        let parts = Parallel.mapChunks(count: count, minChunk: 4, threads: threads) { Array($0) }
        #expect(parts.flatMap { $0 } == Array(0..<count))
    }

    @Test("interleaved loops visit every index once, on worker k % workers", arguments: [0, 1, 9, 100], [0, 1, 3])
    func interleavedCover(count: Int, threads: Int) {
        let hits = Hits(count)
        Parallel.forEachInterleaved(count: count, threads: threads) { hits.add($0..<$0 + 1) }
        #expect(hits.all == [Int](repeating: 1, count: count))

        let chunkHits = Hits(count)
        let workers = Parallel.workers(threads)
        let badWorker = Mutex(false)
        Parallel.forEachInterleavedChunk(count: count, chunk: 4, threads: threads) { range, w in
            chunkHits.add(range)
            if w >= workers { badWorker.withLock { $0 = true } }
        }
        #expect(chunkHits.all == [Int](repeating: 1, count: count))
        #expect(!badWorker.withLock { $0 })
    }

    @Test("interleaved chunks are the same ranges for any thread count", arguments: [1, 2, 3])
    func interleavedChunksDoNotDependOnThreads(threads: Int) {
        let ranges = Mutex<[Range<Int>]>([])
        Parallel.forEachInterleavedChunk(count: 10, chunk: 4, threads: threads) { range, _ in
            ranges.withLock { $0.append(range) }
        }
        #expect(ranges.withLock { $0 }.sorted { $0.lowerBound < $1.lowerBound } == [0..<4, 4..<8, 8..<10])
    }

    @Test("a Linux CPU list counts its CPUs; anything else is not a list")
    func cpuListsAreCounted() {
        #expect(Parallel.cpuCount(list: "\t0-3,8,10-11") == 7)
        #expect(Parallel.cpuCount(list: " 0") == 1)
        #expect(Parallel.cpuCount(list: "0-1\n") == 2)
        for bad in ["", "x", "3-1", "0-", "-2", "0-1-2", "1,,2"] {
            #expect(Parallel.cpuCount(list: Substring(bad)) == nil, "\(bad)")
        }
        #expect(Parallel.cores >= 1 && Parallel.cores <= max(1, ProcessInfo.processInfo.activeProcessorCount))
    }

    @Test("a worker limit caps the default worker count and a default loop, in its task only")
    func workerLimitCapsTheDefault() async {
        let cores = Parallel.cores
        let chunks = await Parallel.withWorkerLimit(1) { () async -> Int in
            #expect(Parallel.defaultWorkers == 1)
            #expect(Parallel.workers(0) == 1)
            // A child task (a run's stage) sees the cap too.
            let child = await Task { Parallel.defaultWorkers }.value
            #expect(child == 1)
            let n = Mutex(0)
            Parallel.forEachChunk(count: 10_000, minChunk: 1) { _ in n.withLock { $0 += 1 } }
            return n.withLock { $0 }
        }
        #expect(chunks == 1)
        await Parallel.withWorkerLimit(cores + 5) { #expect(Parallel.defaultWorkers == cores) }
        await Parallel.withWorkerLimit(0) { #expect(Parallel.defaultWorkers == cores) }
        // Outside, nothing is capped.
        #expect(Parallel.workerLimit == 0)
        #expect(Parallel.defaultWorkers == cores)
    }
}
