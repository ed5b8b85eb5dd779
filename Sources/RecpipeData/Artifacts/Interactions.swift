import RecpipeAlgorithms
import RecpipeCore

/// The user × item interaction matrix (CSR) with its id maps: what `encode target: interactions`
/// produces and what `cf`, `als`, `split` and `rank` (as the seen set) consume.
///
/// A stored entry (u, i) means user u interacted with item i: it is in u's seen set.
package struct Interactions: Artifact, Equatable {
    package static var kind: ArtifactKind { .interactions }

    package var users: IDMap
    package var items: IDMap
    /// users × items, aggregated weights (≥ 0 for implicit data, ratings for explicit data).
    package var matrix: SparseMatrix
    /// Latest event time (Unix seconds) per stored entry, parallel to `matrix.values`, when known.
    /// Decoded from the cache, it stays in the file until first used (``DeferredArray``): `als` and
    /// `cf` never read it, so their process does not hold 8 bytes per entry for it.
    package var timestamps: [Int64]? {
        get { storedTimestamps?.values }
        set { storedTimestamps = newValue.map(DeferredArray.init) }
    }
    private var storedTimestamps: DeferredArray<Int64>?

    package init(users: IDMap, items: IDMap, matrix: SparseMatrix, timestamps: [Int64]? = nil) {
        precondition(matrix.rows == users.count && matrix.cols == items.count, "matrix shape must match id maps")
        self.users = users
        self.items = items
        self.matrix = matrix
        self.timestamps = timestamps
    }

    package var rowCount: Int { matrix.nonZeroCount }

    /// Items user `u` interacted with (column indices, ascending).
    package func seen(user u: Int) -> ArraySlice<Int32> { matrix.columns[matrix.rowRange(u)] }

    /// Whether user `u` interacted with item `i`. O(log row length).
    package func hasSeen(user u: Int, item i: Int) -> Bool {
        seen(user: u).withContiguousStorageIfAvailable { buf -> Bool in
            var lo = 0, hi = buf.count
            let t = Int32(i)
            while lo < hi {
                let mid = (lo + hi) / 2
                if buf[mid] < t { lo = mid + 1 } else { hi = mid }
            }
            return lo < buf.count && buf[lo] == t
        } ?? false
    }

    package func encode(into w: inout ByteWriter) {
        w.write(UInt8(1))
        w.write(users.ids)
        w.write(items.ids)
        matrix.encode(into: &w)
        w.write(timestamps != nil)
        if let timestamps { w.writeArray(timestamps) }
    }

    package init(decoding r: inout ByteReader) throws {
        guard try r.read(UInt8.self) == 1 else { throw ArtifactDecodeError("unknown interactions encoding") }
        users = IDMap(try r.readStrings())
        items = IDMap(try r.readStrings())
        matrix = try SparseMatrix(decoding: &r)
        storedTimestamps = try r.readBool() ? try r.readDeferredArray(Int64.self) : nil
        guard matrix.rows == users.count, matrix.cols == items.count,
            storedTimestamps.map({ $0.count == matrix.nonZeroCount }) ?? true
        else { throw ArtifactDecodeError("interaction matrix shape does not match its id maps") }
    }

    /// `user_id, item_id, weight[, last_event]`, one row per stored entry.
    package func exportTable() -> Table {
        var u: [String] = [], i: [String] = []
        u.reserveCapacity(rowCount)
        i.reserveCapacity(rowCount)
        for row in 0..<matrix.rows {
            for k in matrix.rowRange(row) {
                u.append(users[row])
                i.append(items[Int(matrix.columns[k])])
            }
        }
        var cols = [Column.strings("user_id", u), Column.strings("item_id", i), Column.floats("weight", matrix.values)]
        if let timestamps { cols.append(Column(name: "last_event", data: .timestamp(timestamps))) }
        return .assemble(cols)
    }
}

extension SparseMatrix {
    package func encode(into w: inout ByteWriter) {
        w.write(UInt64(rows))
        w.write(UInt64(cols))
        w.writeArray(rowPointers)
        w.writeArray(columns)
        w.writeArray(values)
    }

    package init(decoding r: inout ByteReader) throws {
        let rows = Int(try r.read(UInt64.self)), cols = Int(try r.read(UInt64.self))
        let ptr = try r.readArray(Int.self)
        let c = try r.readArray(Int32.self)
        let v = try r.readArray(Float.self)
        guard ptr.count == rows + 1, c.count == v.count, ptr.last == c.count, ptr.first == 0,
            c.allSatisfy({ $0 >= 0 && Int($0) < cols })
        else { throw ArtifactDecodeError("inconsistent sparse matrix") }
        self.init(rows: rows, cols: cols, rowPointers: ptr, columns: c, values: v)
    }
}
