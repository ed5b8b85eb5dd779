import GRDB
import GRDBSQLite
import RecpipeData

/// Binds a table's typed columns straight into a prepared SQLite statement, row by row, with no
/// per-cell boxing: ints and floats from their arrays, strings from their dictionary (every entry
/// copied once into a NUL-terminated arena that outlives the loop, then bound without copying),
/// timestamps as `YYYY-MM-DD HH:MM:SS` text (so `date()` and friends work), bools as 0/1.
/// O(rows × columns).
struct SQLiteRowBinder {
    let export: TableExport

    init(_ t: TableExport) { export = t }

    func insertAll(_ stmt: SQLiteStatement, db: Database) throws {
        let table = export.data
        let columns = table.columns
        // One arena: the string dictionaries, then run_id and as_of.
        var texts: [[String]] = columns.map { c in
            if case .string(let d, _) = c.data { return d }
            return []
        }
        texts.append([export.runID, export.asOf])
        let arena = CStringArena(texts)
        defer { arena.deallocate() }
        let constants = texts.count - 1
        let n = Int32(columns.count)
        var stamp: [UInt8] = []
        for r in 0..<table.rowCount {
            for (j, c) in columns.enumerated() {
                let i = Int32(j + 1)
                if c.isNull(r) {
                    sqlite3_bind_null(stmt, i)
                    continue
                }
                switch c.data {
                case .int(let a): sqlite3_bind_int64(stmt, i, a[r])
                case .float(let a): sqlite3_bind_double(stmt, i, a[r])
                case .bool(let a): sqlite3_bind_int64(stmt, i, a[r] ? 1 : 0)
                case .timestamp(let a):
                    stamp.removeAll(keepingCapacity: true)
                    Timestamp.append(a[r], iso: false, to: &stamp)
                    stamp.withUnsafeBufferPointer { p in
                        _ = sqlite3_bind_text(
                            stmt, i, UnsafeRawPointer(p.baseAddress!).assumingMemoryBound(to: CChar.self),
                            Int32(p.count), SQLITE_TRANSIENT)
                    }
                case .string(_, let codes):
                    let (p, length) = arena.string(j, Int(codes[r]))
                    sqlite3_bind_text(stmt, i, p, length, nil)
                }
            }
            let (id, idLength) = arena.string(constants, 0), (day, dayLength) = arena.string(constants, 1)
            sqlite3_bind_text(stmt, n + 1, id, idLength, nil)
            sqlite3_bind_text(stmt, n + 2, day, dayLength, nil)
            let rc = sqlite3_step(stmt)
            sqlite3_reset(stmt)
            guard rc == SQLITE_DONE else {
                throw GRDB.DatabaseError(
                    resultCode: ResultCode(rawValue: rc), message: String(cString: sqlite3_errmsg(db.sqliteConnection)))
            }
        }
    }
}

/// SQLite's "copy this text now" destructor marker (the C macro `SQLITE_TRANSIENT`).
nonisolated(unsafe) let SQLITE_TRANSIENT = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

/// Groups of strings stored once as NUL-terminated UTF-8 in one allocation, so their pointers
/// stay valid (for SQLite's no-copy binding) until `deallocate()`.
final class CStringArena {
    private let base: UnsafeMutablePointer<CChar>
    /// `offsets[g][k]` and `lengths[g][k]`: where string `k` of group `g` starts, its byte count.
    private let offsets: [[Int]]
    private let lengths: [[Int32]]

    init(_ groups: [[String]]) {
        let total = groups.reduce(0) { $0 + $1.reduce(0) { $0 + $1.utf8.count + 1 } }
        base = .allocate(capacity: max(total, 1))
        var offsets: [[Int]] = [], lengths: [[Int32]] = []
        var at = 0
        for g in groups {
            var o: [Int] = [], l: [Int32] = []
            o.reserveCapacity(g.count)
            l.reserveCapacity(g.count)
            for s in g {
                o.append(at)
                var count = 0
                for b in s.utf8 {
                    base[at + count] = CChar(bitPattern: b)
                    count += 1
                }
                base[at + count] = 0
                l.append(Int32(count))
                at += count + 1
            }
            offsets.append(o)
            lengths.append(l)
        }
        self.offsets = offsets
        self.lengths = lengths
    }

    @inline(__always) func string(_ group: Int, _ index: Int) -> (UnsafePointer<CChar>, Int32) {
        (UnsafePointer(base + offsets[group][index]), lengths[group][index])
    }

    func deallocate() { base.deallocate() }
}
