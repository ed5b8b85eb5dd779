import Foundation

/// Throughput of rule evaluation with the instruction budget on (for `recpipe` benchmarks).
package enum RuleBenchmark {
    /// Times a 3-condition tag rule and a 2-condition filter over 10,000 synthetic users and
    /// 5,000 items, `evaluations` calls each, on the calling thread; rates are per CPU-second.
    package static func run(evaluations: Int) -> (tagEvalsPerSecond: Double, filterEvalsPerSecond: Double) {
        let users = ColumnarSource.users(count: 10_000)
        let items = ColumnarSource.items(count: 5_000)
        let script = """
            tag("vip", function(u) return u.monetary >= 500 and u.recency_days < 30 and u.frequency >= 3 end)
            filter("cheap_in_stock", function(u, item) return item.stock > 0 and item.price < 200 end)
            """
        guard let lua = try? LuaRuntime(context: .init(asOf: "2026-11-23")),
            (try? lua.load(source: script, chunkName: "bench.lua")) != nil
        else { return (0, 0) }
        lua.bind(users: users)
        lua.bind(items: items)
        let n = max(1, evaluations)
        var hits = 0
        var tags: [String] = []
        tags.reserveCapacity(8)
        // Warm up caches and the allocator before timing.
        for i in 0..<min(n, 20_000) {
            try? lua.evaluateTag(0, user: i % users.count, into: &tags)
            _ = try? lua.evaluateFilter(1, user: i % users.count, item: i % items.count)
        }
        let tagTime = cpuTime {
            for i in 0..<n {
                tags.removeAll(keepingCapacity: true)
                try? lua.evaluateTag(0, user: i % users.count, into: &tags)
                hits += tags.count
            }
        }
        let filterTime = cpuTime {
            for i in 0..<n where (try? lua.evaluateFilter(1, user: i % users.count, item: i % items.count)) == true {
                hits += 1
            }
        }
        precondition(hits >= 0)
        return (Double(n) / tagTime, Double(n) / filterTime)
    }

    /// CPU seconds the calling thread spends in `body` (not wall time: the figure is per core,
    /// and unaffected by other processes competing for the machine).
    private static func cpuTime(_ body: () -> Void) -> Double {
        var start = timespec()
        var end = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &start)
        body()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &end)
        let s = Double(end.tv_sec - start.tv_sec) + Double(end.tv_nsec - start.tv_nsec) * 1e-9
        return max(1e-9, s)
    }
}

/// Column-per-field records, the shape a profile table has in memory.
final class ColumnarSource: ScriptRecordSource {
    let fieldNames: [String]
    private var ints: [[Int64]]
    private var doubles: [[Double]]
    private let kinds: [(isInt: Bool, column: Int)]
    private let ids: [String]
    var count: Int { ids.count }

    init(ids: [String], intColumns: [(String, [Int64])], doubleColumns: [(String, [Double])]) {
        self.ids = ids
        fieldNames = intColumns.map(\.0) + doubleColumns.map(\.0)
        ints = intColumns.map(\.1)
        doubles = doubleColumns.map(\.1)
        kinds = intColumns.indices.map { (true, $0) } + doubleColumns.indices.map { (false, $0) }
    }

    /// Deterministic pseudo-random users: monetary, recency_days, frequency.
    static func users(count: Int) -> ColumnarSource {
        var g = SplitMix(seed: 1)
        return ColumnarSource(
            ids: (0..<count).map { "U\($0)" },
            intColumns: [
                ("recency_days", (0..<count).map { _ in Int64(g.next() % 365) }),
                ("frequency", (0..<count).map { _ in Int64(g.next() % 20) }),
            ],
            doubleColumns: [("monetary", (0..<count).map { _ in Double(g.next() % 200_000) / 100 })])
    }

    /// Deterministic pseudo-random items: stock, price.
    static func items(count: Int) -> ColumnarSource {
        var g = SplitMix(seed: 2)
        return ColumnarSource(
            ids: (0..<count).map { "SKU-\($0)" },
            intColumns: [("stock", (0..<count).map { _ in Int64(g.next() % 50) - 5 })],
            doubleColumns: [("price", (0..<count).map { _ in Double(g.next() % 50_000) / 100 })])
    }

    func value(row: Int, field: Int) -> ScriptValue {
        let k = kinds[field]
        return k.isInt ? .int(ints[k.column][row]) : .double(doubles[k.column][row])
    }

    func id(row: Int) -> String { ids[row] }

    func has(set: String, row: Int, key: String) -> Bool { false }
}

/// SplitMix64, for reproducible synthetic data.
struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
