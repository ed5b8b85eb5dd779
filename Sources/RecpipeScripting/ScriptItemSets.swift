import CLua

/// A record source's `u:seen` and `u:purchased` sets in item numbers (the numbering of the
/// plugin context's ``PluginContext/knownItems``), for the C fast path: with the context's
/// item-number table bound, `u:seen(id)` is one Lua table probe and a binary search in the
/// user's sorted row, with no host call and no host string.
///
/// Built once per stage and shared read-only by every worker (the buffers never change).
package final class ScriptItemSets: @unchecked Sendable {
    /// One set: per user record row its matrix row (-1: none), and per matrix row its item
    /// numbers ascending.
    package struct Rows: Sendable {
        package var rowOf: [Int32]
        package var pointers: [Int]
        package var columns: [Int32]

        package init(rowOf: [Int32], pointers: [Int], columns: [Int32]) {
            self.rowOf = rowOf
            self.pointers = pointers
            self.columns = columns
        }
    }

    private struct Buffers {
        let rowOf: UnsafeMutableBufferPointer<Int32>
        let pointers: UnsafeMutableBufferPointer<Int64>
        let columns: UnsafeMutableBufferPointer<Int32>
        let rows: Int
    }

    private var buffers: [ScriptRecordSet: Buffers] = [:]

    /// - Parameter sets: each set's rows; a row's numbers need not be sorted (they are sorted here).
    package init(_ sets: [ScriptRecordSet: Rows]) {
        for (set, rows) in sets {
            let b = Buffers(
                rowOf: .allocate(capacity: max(1, rows.rowOf.count)),
                pointers: .allocate(capacity: max(1, rows.pointers.count)),
                columns: .allocate(capacity: max(1, rows.columns.count)), rows: rows.rowOf.count)
            b.rowOf.initialize(repeating: -1)
            b.pointers.initialize(repeating: 0)
            b.columns.initialize(repeating: 0)
            for (i, r) in rows.rowOf.enumerated() { b.rowOf[i] = r }
            for (i, p) in rows.pointers.enumerated() { b.pointers[i] = Int64(p) }
            for (i, c) in rows.columns.enumerated() { b.columns[i] = c }
            for r in 0..<max(0, rows.pointers.count - 1) {
                b.columns[rows.pointers[r]..<rows.pointers[r + 1]].sort()
            }
            buffers[set] = b
        }
    }

    deinit {
        for b in buffers.values {
            b.rowOf.deallocate()
            b.pointers.deallocate()
            b.columns.deallocate()
        }
    }

    /// The C description of `set` (columns NULL: no fast path for it).
    func itemset(_ set: ScriptRecordSet) -> recpipe_itemset {
        var s = recpipe_itemset()
        guard let b = buffers[set], b.rows > 0 else { return s }
        s.pointers = UnsafePointer(b.pointers.baseAddress)
        s.columns = UnsafePointer(b.columns.baseAddress)
        s.row_of = UnsafePointer(b.rowOf.baseAddress)
        s.rows = lua_Integer(b.rows)
        return s
    }
}
