import Foundation
import RecpipeAlgorithms
import RecpipeData
import RecpipeSpec

/// Builds the user × item matrix from an events table.
///
/// Per event: weight = `weights[event]` (or the `value` column, or 1), times
/// `0.5 ^ (age_days / half_life_days)` when a half-life is set; then per (user, item) the weights
/// are combined by `sum`, `max` or `last` (latest event wins), and optionally binarized to 1.
/// Events whose type has no weight, and rows with a null user/item, are counted and skipped.
///
/// Complexity: O(n + nnz log(row length)) with a counting sort by user.
struct InteractionsBuilder {
    enum Aggregate: String { case sum, max, last }

    var userColumn = "user_id"
    var itemColumn = "item_id"
    var eventColumn: String? = "event"
    var valueColumn: String?
    var timestampColumn: String? = "timestamp"
    var weights: [String: Double]?
    var halfLifeDays: Double?
    var aggregate: Aggregate = .sum
    var binarize = false
    /// Reference time for decay; default: the latest event.
    var asOf: Int64?

    struct Result {
        var interactions: Interactions
        var skippedNullIDs = 0
        var skippedUnweighted = 0
        var unweightedTypes: [String] = []
    }

    // MARK: - Summed or binarized

    /// Whether summing an encode stage's rows (its parameters as written) would only count each
    /// pair's rows: no value column, no decay, `sum`, and one weight for every counted type.
    /// `binarize: auto` then binarizes: on Online Retail invoice lines item-kNN precision@10 was
    /// 0.119 binarized vs 0.049 summed (scripts/bench_binarize.sh); where values carry strength
    /// (ratings, weights per event type) summing is kept.
    static func sumsCountLines(_ params: [String: ParamValue]) -> Bool {
        guard params["value_column"]?.stringValue == nil, params["half_life_days"]?.doubleValue == nil,
            (params["aggregate"]?.stringValue ?? "sum") == "sum"
        else { return false }
        let weights = Set((params["weights"]?.mapValue ?? []).compactMap(\.value.doubleValue).filter { $0 > 0 })
        return weights.count <= 1
    }

    /// `binarize` as given (true/false), or for `auto` (the default) ``sumsCountLines(_:)``; the
    /// batch stage and `recpipe serve` decide with this one function.
    static func binarizes(_ params: [String: ParamValue]) -> Bool {
        params["binarize"]?.boolValue ?? sumsCountLines(params)
    }

    func build(_ events: Table) throws -> Result {
        let n = events.rowCount
        let uc = try events.requireColumn(userColumn)
        let ic = try events.requireColumn(itemColumn)
        let ec = try eventColumn.flatMap { weights == nil ? nil : try events.requireColumn($0) }
        let vc = try valueColumn.map { try events.requireColumn($0) }
        let tc = try timestampColumn.flatMap { name -> Int? in
            // The timestamp is optional unless decay or `last` needs it.
            if halfLifeDays == nil && aggregate != .last { return events.columnIndex(name) }
            return try events.requireColumn(name)
        }

        var users = IDAssigner(), items = IDAssigner()
        var rowsUser = [Int32](repeating: -1, count: n)
        var rowsItem = [Int32](repeating: 0, count: n)
        var rowsWeight = [Double](repeating: 0, count: n)
        var rowsTime = [Int64](repeating: 0, count: n)
        var result = Result(
            interactions: Interactions(
                users: IDMap([]), items: IDMap([]),
                matrix: SparseMatrix(rows: 0, cols: 0, rowPointers: [0], columns: [], values: [])))
        var unweighted = Set<String>()
        var maxTime = Int64.min

        for r in 0..<n {
            guard let u = events.value(row: r, col: uc).idText, let i = events.value(row: r, col: ic).idText else {
                result.skippedNullIDs += 1
                continue
            }
            var w = 1.0
            if let ec, let weights {
                let type = events.string(row: r, col: ec) ?? ""
                guard let ww = weights[type] else {
                    result.skippedUnweighted += 1
                    unweighted.insert(type)
                    continue
                }
                w = ww
            }
            if let vc {
                guard let v = events.double(row: r, col: vc) else {
                    result.skippedNullIDs += 1
                    continue
                }
                w *= v
            }
            rowsUser[r] = Int32(users.index(u))
            rowsItem[r] = Int32(items.index(i))
            rowsWeight[r] = w
            if let tc { rowsTime[r] = events.timestamp(row: r, col: tc) ?? events.int(row: r, col: tc) ?? 0 }
            maxTime = max(maxTime, rowsTime[r])
        }
        if let half = halfLifeDays, half > 0 {
            let ref = asOf ?? maxTime
            for r in 0..<n where rowsUser[r] >= 0 {
                let ageDays = Double(ref - rowsTime[r]) / 86_400
                rowsWeight[r] *= pow(0.5, max(0, ageDays) / half)
            }
        }

        // Counting sort of rows by user, then per user by (item, time).
        let nu = users.ids.count
        var ptr = [Int](repeating: 0, count: nu + 1)
        for r in 0..<n where rowsUser[r] >= 0 { ptr[Int(rowsUser[r]) + 1] += 1 }
        for u in 0..<nu { ptr[u + 1] += ptr[u] }
        var order = [Int](repeating: 0, count: ptr[nu])
        var next = ptr
        for r in 0..<n where rowsUser[r] >= 0 {
            let u = Int(rowsUser[r])
            order[next[u]] = r
            next[u] += 1
        }
        var outPtr = [Int](repeating: 0, count: nu + 1)
        var outCols: [Int32] = [], outVals: [Float] = [], outTimes: [Int64] = []
        outCols.reserveCapacity(order.count)
        outVals.reserveCapacity(order.count)
        for u in 0..<nu {
            var seg = order[ptr[u]..<ptr[u + 1]].sorted {
                (rowsItem[$0], rowsTime[$0], $0) < (rowsItem[$1], rowsTime[$1], $1)
            }
            var k = 0
            while k < seg.count {
                let item = rowsItem[seg[k]]
                var acc = rowsWeight[seg[k]]
                var latest = rowsTime[seg[k]]
                var j = k + 1
                while j < seg.count && rowsItem[seg[j]] == item {
                    let w = rowsWeight[seg[j]]
                    switch aggregate {
                    case .sum: acc += w
                    case .max: acc = max(acc, w)
                    case .last: acc = w  // rows are in time order within the item
                    }
                    latest = max(latest, rowsTime[seg[j]])
                    j += 1
                }
                if acc > 0 || valueColumn != nil {
                    outCols.append(item)
                    outVals.append(binarize ? 1 : Float(acc))
                    outTimes.append(latest)
                }
                k = j
            }
            seg.removeAll()
            outPtr[u + 1] = outCols.count
        }
        let matrix = SparseMatrix(
            rows: nu, cols: items.ids.count, rowPointers: outPtr, columns: outCols, values: outVals)
        result.interactions = Interactions(
            users: IDMap(users.ids), items: IDMap(items.ids), matrix: matrix, timestamps: tc == nil ? nil : outTimes)
        result.unweightedTypes = unweighted.sorted()
        return result
    }
}

/// Assigns dense indices to ids in order of first appearance.
struct IDAssigner {
    private(set) var ids: [String] = []
    private var map: [String: Int] = [:]

    mutating func index(_ id: String) -> Int {
        if let i = map[id] { return i }
        map[id] = ids.count
        ids.append(id)
        return ids.count - 1
    }
}
