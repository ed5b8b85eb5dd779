import Synchronization

/// The one parallel loop of the Lua stages (`tag`, `rank`, `lua`): `workers` tasks each build
/// their own worker (one Lua state, scripts loaded once), then pull fixed chunks of `count`
/// entities until none is left. Parts come back in chunk order, so a stage whose chunks do not
/// depend on the worker count (a fixed chunk size, Lua reseeded per chunk) gives the same result
/// for any number of threads.
struct LuaWorkerPool: Sendable {
    /// Entities (users, rows, groups) to process.
    var count: Int
    /// Entities per chunk (at least 1).
    var chunkSize: Int
    /// Tasks started (at least 1, even with nothing to do, so a worker that cannot be built
    /// fails the stage the same way for every input size).
    var workers: Int

    /// A pool of `min(threads, chunks)` workers (at least 1) over chunks of `chunkSize`.
    init(count: Int, chunkSize: Int, threads: Int) {
        self.init(
            count: count, chunkSize: chunkSize, workers: max(1, min(threads, (count + chunkSize - 1) / chunkSize)))
    }

    init(count: Int, chunkSize: Int, workers: Int) {
        self.count = count
        self.chunkSize = max(1, chunkSize)
        self.workers = max(1, workers)
    }

    var chunks: Int { (count + chunkSize - 1) / chunkSize }

    /// The entities of chunk `c`.
    func range(of c: Int) -> Range<Int> { c * chunkSize..<min(count, (c + 1) * chunkSize) }

    /// Runs `work` on every chunk; each task calls `makeWorker` once and uses its worker only.
    /// Progress reports the share of chunks done and `"<entities done> <unit>"`.
    func run<Worker, Part: Sendable>(
        unit: String = "users",
        progress: @escaping @Sendable (Double?, String) -> Void = { _, _ in },
        makeWorker: @escaping @Sendable () throws -> Worker,
        work: @escaping @Sendable (Worker, _ chunk: Int, _ range: Range<Int>) throws -> Part
    ) async throws -> [Part] {
        let chunks = self.chunks
        let next = ChunkCounter()
        let parts = try await withThrowingTaskGroup(of: [(Int, Part)].self) { group in
            for _ in 0..<workers {
                group.addTask {
                    let worker = try makeWorker()
                    var done: [(Int, Part)] = []
                    while let c = next.claim(below: chunks) {
                        let r = range(of: c)
                        done.append((c, try work(worker, c, r)))
                        progress(Double(c + 1) / Double(max(1, chunks)), "\(r.upperBound) \(unit)")
                    }
                    return done
                }
            }
            var all: [(Int, Part)] = []
            for try await part in group { all += part }
            return all
        }
        return parts.sorted { $0.0 < $1.0 }.map(\.1)
    }
}

/// Hands out chunk numbers to the workers of a ``LuaWorkerPool``.
final class ChunkCounter: Sendable {
    private let value = Mutex(0)

    /// The next unclaimed chunk below `limit`, or nil when all are taken.
    func claim(below limit: Int) -> Int? {
        value.withLock { v in
            guard v < limit else { return nil }
            defer { v += 1 }
            return v
        }
    }
}
