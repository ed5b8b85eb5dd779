import Foundation
import RecpipeAlgorithms
import RecpipeEngine
import RecpipeSpec

/// Top-N scoring through two CSR hops, shared by user- and item-kNN candidate generation.
///
/// For each target user u: score(i) = Σ_{(a, w) ∈ first(u)} Σ_{(i, s) ∈ second(a)} w · s, where
/// - user-kNN: first = u's neighbour list (a = neighbour v, w = sim(u, v)), second = v's row of the
///   interaction matrix (s = x_vi);
/// - item-kNN: first = u's row (a = seen item j, w = x_uj), second = j's neighbour list (s = sim(j, i)).
/// Items in `seen(u)` are never scored; an item reached through fewer than `minContributions`
/// (a, ·) pairs is dropped. The best `count` are kept (score descending, ties by item ascending).
///
/// Complexity: O(Σ_{a ∈ first(u)} |second(a)|) per user plus O(log count) per scored item; users run in
/// parallel, each thread with O(items) scratch.
enum NeighborScoring {
    struct CSR: Sendable {
        var pointers: [Int]
        var indices: [Int32]
        var values: [Float]
        init(_ m: SparseMatrix) { (pointers, indices, values) = (m.rowPointers, m.columns, m.values) }
        init(_ l: RankedLists) { (pointers, indices, values) = (l.rowPointers, l.indices, l.scores) }
    }

    static func topN(
        first: CSR, second: CSR, seen: SparseMatrix, itemCount: Int, count: Int, minContributions: Int, threads: Int
    ) -> [[(item: Int32, score: Float)]] {
        let users = seen.rows
        let workers = max(1, min(threads, users / 64 + 1))
        let chunk = (users + workers - 1) / max(1, workers)
        let results = ResultBox(count: users)
        DispatchQueue.concurrentPerform(iterations: workers) { w in
            let lo = w * chunk, hi = min(users, lo + chunk)
            guard lo < hi else { return }
            var acc = [Double](repeating: 0, count: itemCount)
            var hits = [Int32](repeating: 0, count: itemCount)
            var blocked = [Bool](repeating: false, count: itemCount)
            var touched: [Int32] = []
            for u in lo..<hi {
                for p in seen.rowRange(u) { blocked[Int(seen.columns[p])] = true }
                for p in first.pointers[u]..<first.pointers[u + 1] {
                    let a = Int(first.indices[p])
                    let w = Double(first.values[p])
                    for q in second.pointers[a]..<second.pointers[a + 1] {
                        let i = Int(second.indices[q])
                        if blocked[i] { continue }
                        if hits[i] == 0 { touched.append(Int32(i)) }
                        hits[i] += 1
                        acc[i] += w * Double(second.values[q])
                    }
                }
                var scored: [(item: Int32, score: Float)] = []
                scored.reserveCapacity(touched.count)
                for i in touched {
                    if Int(hits[Int(i)]) >= minContributions { scored.append((i, Float(acc[Int(i)]))) }
                    acc[Int(i)] = 0
                    hits[Int(i)] = 0
                }
                touched.removeAll(keepingCapacity: true)
                for p in seen.rowRange(u) { blocked[Int(seen.columns[p])] = false }
                results.set(u, best(scored, count))
            }
        }
        return results.values
    }

    /// The `count` best of `scored` (score descending, then item ascending). O(n log n).
    static func best(_ scored: [(item: Int32, score: Float)], _ count: Int) -> [(item: Int32, score: Float)] {
        let sorted = scored.filter { !$0.score.isNaN }.sorted { ($0.score, -$0.item) > ($1.score, -$1.item) }
        return Array(sorted.prefix(count))
    }

    /// Per-user result slots written by disjoint workers.
    final class ResultBox: @unchecked Sendable {
        private(set) var values: [[(item: Int32, score: Float)]]
        private let lock = NSLock()
        init(count: Int) { values = Array(repeating: [], count: count) }
        func set(_ u: Int, _ list: [(item: Int32, score: Float)]) {
            lock.lock()
            values[u] = list
            lock.unlock()
        }
    }
}

/// The `max_memory` parameter: bytes as an int, or a string like "2GB", "512MB", "64KB".
enum MemoryLimit {
    /// Default: half of physical memory.
    static var defaultBytes: Int { Int(ProcessInfo.processInfo.physicalMemory / 2) }

    static func bytes(_ context: StageContext, param: String = "max_memory") throws -> Int {
        guard let value = context.param(param) else { return defaultBytes }
        if let i = value.intValue, i > 0 { return i }
        if let s = value.stringValue, let b = parse(s) { return b }
        throw StageError(
            "`\(param)` must be a positive byte count or a size like \"2GB\" or \"512MB\" (got \(value))",
            at: context.location(of: param), hint: "units: B, KB, MB, GB, TB (powers of 1000); KiB, MiB, GiB (1024)")
    }

    static func parse(_ text: String) -> Int? {
        let s = text.trimmingCharacters(in: .whitespaces).uppercased()
        let units: [(String, Double)] = [
            ("KIB", 1024), ("MIB", 1024 * 1024), ("GIB", 1024 * 1024 * 1024), ("TIB", 1024 * 1024 * 1024 * 1024),
            ("KB", 1e3), ("MB", 1e6), ("GB", 1e9), ("TB", 1e12), ("K", 1e3), ("M", 1e6), ("G", 1e9), ("B", 1),
        ]
        for (suffix, factor) in units where s.hasSuffix(suffix) {
            let number = s.dropLast(suffix.count).trimmingCharacters(in: .whitespaces)
            guard let v = Double(number), v > 0 else { return nil }
            return Int(v * factor)
        }
        guard let v = Int(s), v > 0 else { return nil }
        return v
    }
}
