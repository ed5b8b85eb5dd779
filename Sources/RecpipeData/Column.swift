/// The typed storage of one column. Arrays are copy-on-write, so copying a column is O(1) until
/// one copy is mutated. Slots of null rows hold an unspecified placeholder (0, `false`, code 0).
package enum ColumnData: Sendable {
    case int([Int64])
    case float([Double])
    /// Dictionary-encoded strings: row `r` holds `dictionary[Int(codes[r])]`. Entries are distinct;
    /// after filtering, the dictionary may hold values that no row uses.
    case string(dictionary: [String], codes: [UInt32])
    case bool([Bool])
    /// Seconds since 1970-01-01T00:00:00Z.
    case timestamp([Int64])

    package var type: ColumnType {
        switch self {
        case .int: .int
        case .float: .float
        case .string: .string
        case .bool: .bool
        case .timestamp: .timestamp
        }
    }

    package var count: Int {
        switch self {
        case .int(let a), .timestamp(let a): a.count
        case .float(let a): a.count
        case .string(_, let c): c.count
        case .bool(let a): a.count
        }
    }

    /// The rows at `indices`, in that order. O(indices.count).
    func take(_ indices: [Int]) -> ColumnData {
        switch self {
        case .int(let a): .int(indices.map { a[$0] })
        case .float(let a): .float(indices.map { a[$0] })
        case .string(let d, let c): .string(dictionary: d, codes: indices.map { c[$0] })
        case .bool(let a): .bool(indices.map { a[$0] })
        case .timestamp(let a): .timestamp(indices.map { a[$0] })
        }
    }
}

/// A named, typed column with an optional validity mask (`nil` means no nulls).
package struct Column: Sendable {
    package var name: String
    package var data: ColumnData
    /// `validity[r] == false` marks row `r` null; `nil` when the column has no nulls.
    package var validity: [Bool]?

    package init(name: String, data: ColumnData, validity: [Bool]? = nil) {
        precondition(validity == nil || validity!.count == data.count, "validity length must match the column")
        self.name = name
        self.data = data
        self.validity = validity.flatMap { $0.contains(false) ? $0 : nil }
    }

    package var type: ColumnType { data.type }
    package var count: Int { data.count }
    package var field: Field { Field(name, type) }

    @inline(__always) package func isNull(_ row: Int) -> Bool { validity.map { !$0[row] } ?? false }

    /// Number of null rows. O(n).
    package var nullCount: Int { validity.map { $0.count { !$0 } } ?? 0 }

    /// The cell at `row` as a `Value`.
    package func value(_ row: Int) -> Value {
        if isNull(row) { return .null }
        switch data {
        case .int(let a): return .int(a[row])
        case .float(let a): return .double(a[row])
        case .string(let d, let c): return .string(d[Int(c[row])])
        case .bool(let a): return .bool(a[row])
        case .timestamp(let a): return .timestamp(a[row])
        }
    }

    /// Numeric view of the cell (ints, floats, timestamps, bools as 0/1); nil for null or strings.
    @inline(__always) package func double(_ row: Int) -> Double? {
        if isNull(row) { return nil }
        switch data {
        case .int(let a), .timestamp(let a): return Double(a[row])
        case .float(let a): return a[row]
        case .bool(let a): return a[row] ? 1 : 0
        case .string: return nil
        }
    }

    func take(_ indices: [Int]) -> Column {
        Column(name: name, data: data.take(indices), validity: validity.map { v in indices.map { v[$0] } })
    }

    // MARK: - Building

    /// Builds a column from cells; every non-null cell must match `type` (ints are accepted in a
    /// float column). Throws `TableError.typeMismatch` otherwise.
    package init(name: String, type: ColumnType, values: [Value]) throws {
        var valid = [Bool](repeating: true, count: values.count)
        func bad(_ v: Value) -> TableError { .typeMismatch(column: name, expected: type, found: v) }
        switch type {
        case .int, .timestamp:
            var out = [Int64](repeating: 0, count: values.count)
            for (r, v) in values.enumerated() {
                switch v {
                case .null: valid[r] = false
                case .int(let x) where type == .int: out[r] = x
                case .timestamp(let x) where type == .timestamp: out[r] = x
                default: throw bad(v)
                }
            }
            self.init(name: name, data: type == .int ? .int(out) : .timestamp(out), validity: valid)
        case .float:
            var out = [Double](repeating: 0, count: values.count)
            for (r, v) in values.enumerated() {
                switch v {
                case .null: valid[r] = false
                case .double(let x): out[r] = x
                case .int(let x): out[r] = Double(x)
                default: throw bad(v)
                }
            }
            self.init(name: name, data: .float(out), validity: valid)
        case .bool:
            var out = [Bool](repeating: false, count: values.count)
            for (r, v) in values.enumerated() {
                switch v {
                case .null: valid[r] = false
                case .bool(let x): out[r] = x
                default: throw bad(v)
                }
            }
            self.init(name: name, data: .bool(out), validity: valid)
        case .string:
            var b = StringColumnBuilder()
            for (r, v) in values.enumerated() {
                switch v {
                case .null: valid[r] = false; b.appendNull()
                case .string(let s): b.append(s)
                default: throw bad(v)
                }
            }
            self.init(name: name, data: b.finish(), validity: valid)
        }
    }
}

/// Accumulates dictionary-encoded strings from `String`s. Amortized O(1) per value.
package struct StringColumnBuilder {
    var dictionary: [String] = []
    var index: [String: UInt32] = [:]
    package private(set) var codes: [UInt32] = []

    package init() {}

    /// The code of `s`, added to the dictionary on first use (no value is appended).
    package mutating func code(_ s: String) -> UInt32 {
        if let c = index[s] { return c }
        let c = UInt32(dictionary.count)
        index[s] = c
        dictionary.append(s)
        return c
    }

    package mutating func append(_ s: String) { codes.append(code(s)) }

    /// Appends a value by its code (from ``code(_:)``).
    package mutating func append(code c: UInt32) { codes.append(c) }

    package mutating func reserveCapacity(_ n: Int) { codes.reserveCapacity(n) }

    mutating func appendNull() { codes.append(0) }

    package func finish() -> ColumnData { .string(dictionary: dictionary, codes: codes) }
}
