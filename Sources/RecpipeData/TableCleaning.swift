import RecpipeCore

/// The outcome of a cleaning step: the new table, rows removed, and cells changed (clipped or
/// failed casts turned null).
package struct CleanResult: Sendable {
    package var table: Table
    package var removed: Int
    package var changed: Int

    package init(table: Table, removed: Int, changed: Int = 0) {
        self.table = table
        self.removed = removed
        self.changed = changed
    }
}

package enum DedupKeep: String, Sendable, Hashable { case first, last }

package enum OutlierMethod: Sendable, Hashable {
    /// Outside `[Q1 − k·IQR, Q3 + k·IQR]` (quartiles by linear interpolation).
    case iqr(k: Double = 1.5)
    /// `|x − mean| / std > threshold` (population standard deviation).
    case zscore(threshold: Double = 3)
}

package enum OutlierAction: String, Sendable, Hashable { case clip, drop }

package enum CastFailure: String, Sendable, Hashable {
    /// A value that does not convert becomes null (counted in `changed`).
    case null
    /// The row is removed (counted in `removed`).
    case reject
}

/// Cleaning operations. Each is O(rows) unless noted and leaves the input table untouched.
extension Table {
    // MARK: - Nulls and duplicates

    /// Drops rows with a null in any of `columns`.
    package func droppingNulls(in columns: [String]) throws -> CleanResult {
        let cols = try columns.map { self.columns[try requireColumn($0)] }
        let mask = (0..<rowCount).map { r in !cols.contains { $0.isNull(r) } }
        let t = filter(mask: mask)
        return CleanResult(table: t, removed: rowCount - t.rowCount)
    }

    /// Keeps one row per distinct key (nulls compare equal to each other). With `orderBy`,
    /// "first"/"last" refer to that column's ascending order (stable, nulls first); the kept rows
    /// stay in their original order. O(n log n) with `orderBy`, else O(n).
    package func deduplicated(on keys: [String], keep: DedupKeep = .first, orderBy: String? = nil) throws -> CleanResult
    {
        let cols = try keys.map { self.columns[try requireColumn($0)] }
        var order = Array(0..<rowCount)
        if let orderBy {
            let c = self.columns[try requireColumn(orderBy)]
            order.sort { a, b in
                let (x, y) = (c.value(a), c.value(b))
                return Self.less(x, y) || (!Self.less(y, x) && a < b)
            }
        }
        if keep == .last { order.reverse() }
        var seen = Set<[Value]>()
        var kept: [Int] = []
        for r in order where seen.insert(cols.map { $0.value(r) }).inserted { kept.append(r) }
        kept.sort()
        return CleanResult(table: take(rows: kept), removed: rowCount - kept.count)
    }

    static func less(_ a: Value, _ b: Value) -> Bool {
        switch (a, b) {
        case (.null, .null): return false
        case (.null, _): return true
        case (_, .null): return false
        case (.string(let x), .string(let y)): return x < y
        default: return (a.doubleValue ?? 0) < (b.doubleValue ?? 0)
        }
    }

    // MARK: - Filters

    /// Keeps rows where every expression holds.
    package func filtered(by expressions: [FilterExpression]) throws -> CleanResult {
        var mask = [Bool](repeating: true, count: rowCount)
        for e in expressions {
            let m = try e.mask(self)
            for r in 0..<rowCount where !m[r] { mask[r] = false }
        }
        let t = filter(mask: mask)
        return CleanResult(table: t, removed: rowCount - t.rowCount)
    }

    // MARK: - Outliers

    /// Clips or drops outliers of a numeric column; nulls are left alone.
    /// O(n log n) for IQR (sorting), O(n) for z-score.
    package func handlingOutliers(in column: String, method: OutlierMethod = .iqr(), action: OutlierAction = .drop)
        throws
        -> CleanResult
    {
        let j = try requireColumn(column)
        let c = columns[j]
        guard c.type == .int || c.type == .float else {
            throw TableError.wrongColumnType(column: column, expected: "int or float", found: c.type)
        }
        let xs = (0..<rowCount).compactMap { c.double($0) }
        guard !xs.isEmpty else { return CleanResult(table: self, removed: 0) }
        let (lo, hi) = Self.bounds(xs, method)
        if action == .drop {
            let mask = (0..<rowCount).map { r in c.double(r).map { $0 >= lo && $0 <= hi } ?? true }
            let t = filter(mask: mask)
            return CleanResult(table: t, removed: rowCount - t.rowCount)
        }
        var changed = 0
        var col = c
        switch c.data {
        case .float(var a):
            for r in 0..<rowCount where !c.isNull(r) && (a[r] < lo || a[r] > hi) {
                a[r] = min(max(a[r], lo), hi)
                changed += 1
            }
            col.data = .float(a)
        case .int(var a):
            let (ilo, ihi) = (Int64(lo.rounded(.up)), Int64(hi.rounded(.down)))
            for r in 0..<rowCount where !c.isNull(r) && (Double(a[r]) < lo || Double(a[r]) > hi) {
                a[r] = min(max(a[r], ilo), ihi)
                changed += 1
            }
            col.data = .int(a)
        default: break
        }
        return CleanResult(table: try appending(col), removed: 0, changed: changed)
    }

    static func bounds(_ xs: [Double], _ method: OutlierMethod) -> (Double, Double) {
        switch method {
        case .iqr(let k):
            let s = xs.sorted()
            func q(_ p: Double) -> Double {
                let h = Double(s.count - 1) * p
                let i = Int(h)
                return i + 1 < s.count ? s[i] + (h - Double(i)) * (s[i + 1] - s[i]) : s[i]
            }
            let (q1, q3) = (q(0.25), q(0.75))
            return (q1 - k * (q3 - q1), q3 + k * (q3 - q1))
        case .zscore(let z):
            let mean = xs.reduce(0, +) / Double(xs.count)
            let sd = (xs.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(xs.count)).squareRoot()
            return (mean - z * sd, mean + z * sd)
        }
    }

    // MARK: - k-core

    /// Iteratively drops rows of users with fewer than `minUserEvents` rows and items with fewer
    /// than `minItemEvents`, until every remaining user and item meets its minimum (a fixed
    /// point). Rows with a null user or item are dropped. O(rounds × n).
    package func kCore(userColumn: String, itemColumn: String, minUserEvents: Int, minItemEvents: Int) throws
        -> CleanResult
    {
        let users = Self.denseIDs(columns[try requireColumn(userColumn)])
        let items = Self.denseIDs(columns[try requireColumn(itemColumn)])
        var alive = (0..<rowCount).filter { users.ids[$0] >= 0 && items.ids[$0] >= 0 }
        while true {
            var uc = [Int](repeating: 0, count: users.count), ic = [Int](repeating: 0, count: items.count)
            for r in alive {
                uc[users.ids[r]] += 1
                ic[items.ids[r]] += 1
            }
            let next = alive.filter { uc[users.ids[$0]] >= minUserEvents && ic[items.ids[$0]] >= minItemEvents }
            if next.count == alive.count { break }
            alive = next
        }
        return CleanResult(table: take(rows: alive), removed: rowCount - alive.count)
    }

    /// Dense ids per distinct value (-1 for null).
    static func denseIDs(_ c: Column) -> (ids: [Int], count: Int) {
        if case .string(let dict, let codes) = c.data {
            return ((0..<c.count).map { c.isNull($0) ? -1 : Int(codes[$0]) }, dict.count)
        }
        var map: [Value: Int] = [:]
        let ids = (0..<c.count).map { r -> Int in
            let v = c.value(r)
            if v.isNull { return -1 }
            if let id = map[v] { return id }
            map[v] = map.count
            return map.count - 1
        }
        return (ids, map.count)
    }
}
