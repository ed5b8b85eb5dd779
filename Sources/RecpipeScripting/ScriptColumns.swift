import CLua

/// Columns of a record source that a record view reads in C, with no host call and no
/// ``ScriptValue`` per field: `row.Quantity` is one table probe for the field's index and one
/// push from these buffers. A column left as ``Data/host`` is read through
/// ``ScriptRecordSource/value(row:field:)`` as before (the answers are the same either way).
///
/// Built once per stage from the columns a plugin reads and shared read-only by every worker
/// (the buffers never change); the order is the source's ``ScriptRecordSource/fieldNames``.
package final class ScriptColumns: @unchecked Sendable {
    package enum Data {
        case int([Int64])
        case double([Double])
        case bool([Bool])
        /// Row `r` holds `dictionary[codes[r]]`.
        case string(dictionary: [String], codes: [UInt32])
        /// Row `r` holds the list `dictionary[codes[i]]` for `i` in `offsets[r] ..< offsets[r + 1]`
        /// (a new Lua table per read).
        case stringLists(dictionary: [String], offsets: [Int64], codes: [UInt32])
        /// Not copied: read through the source.
        case host
    }

    package struct Column {
        package var data: Data
        /// Per row false for null (nil: no nulls).
        package var valid: [Bool]?

        package init(_ data: Data, valid: [Bool]? = nil) {
            self.data = data
            self.valid = valid
        }
    }

    let descriptors: UnsafeMutableBufferPointer<recpipe_column>
    let rows: Int
    private var owned: [UnsafeMutableRawPointer] = []

    /// - Parameter rows: the source's row count (every column holds that many).
    package init(rows: Int, columns: [Column]) {
        self.rows = rows
        descriptors = .allocate(capacity: max(1, columns.count))
        descriptors.initialize(repeating: recpipe_column())
        for (i, column) in columns.enumerated() {
            var d = recpipe_column()
            switch column.data {
            case .int(let a):
                d.type = Int32(RECPIPE_INT)
                d.ints = UnsafePointer(copy(a))
            case .double(let a):
                d.type = Int32(RECPIPE_DOUBLE)
                d.doubles = UnsafePointer(copy(a))
            case .bool(let a):
                d.type = Int32(RECPIPE_BOOL)
                d.bools = UnsafePointer(copy(a.map { $0 ? UInt8(1) : 0 }))
            case .string(let dictionary, let codes):
                d.type = Int32(RECPIPE_STRING)
                d.codes = UnsafePointer(copy(codes))
                (d.offsets, d.bytes) = strings(dictionary)
            case .stringLists(let dictionary, let offsets, let codes):
                d.type = Int32(RECPIPE_LIST)
                d.ints = UnsafePointer(copy(offsets))
                d.codes = UnsafePointer(copy(codes))
                (d.offsets, d.bytes) = strings(dictionary)
            case .host:
                d.type = Int32(RECPIPE_NIL)
            }
            if let valid = column.valid, d.type != Int32(RECPIPE_NIL) {
                d.valid = UnsafePointer(copy(valid.map { $0 ? UInt8(1) : 0 }))
            }
            descriptors[i] = d
        }
    }

    deinit {
        for p in owned { p.deallocate() }
        descriptors.deallocate()
    }

    /// A dictionary as C reads it: entry d is bytes[offsets[d] ..< offsets[d + 1]].
    private func strings(_ dictionary: [String]) -> (UnsafePointer<Int64>, UnsafePointer<CChar>) {
        var offsets: [Int64] = [0]
        var bytes: [CChar] = []
        for var s in dictionary {
            s.withUTF8 { u in bytes += u.map { CChar(bitPattern: $0) } }
            offsets.append(Int64(bytes.count))
        }
        return (UnsafePointer(copy(offsets)), UnsafePointer(copy(bytes)))
    }

    private func copy<T>(_ values: [T]) -> UnsafeMutablePointer<T> {
        let p = UnsafeMutablePointer<T>.allocate(capacity: max(1, values.count))
        _ = UnsafeMutableBufferPointer(start: p, count: values.count).initialize(from: values)
        owned.append(UnsafeMutableRawPointer(p))
        return p
    }

    /// Points view `view` at these columns (nil: every field through the host).
    static func attach(_ columns: ScriptColumns?, to view: UnsafeMutablePointer<recpipe_view>) {
        view.pointee.columns = columns.map { UnsafePointer($0.descriptors.baseAddress!) }
        view.pointee.ncolumns = lua_Integer(columns?.descriptors.count ?? 0)
        view.pointee.nrows = lua_Integer(columns?.rows ?? 0)
    }
}
