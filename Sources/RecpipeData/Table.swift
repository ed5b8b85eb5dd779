import RecpipeCore

/// A columnar table: an ordered list of equally long typed columns. A value type whose columns
/// are copy-on-write arrays, so copies, column selection and appending columns are cheap.
package struct Table: Sendable {
    package private(set) var columns: [Column]
    package private(set) var rowCount: Int

    /// An empty table with no columns and no rows.
    package init() {
        columns = []
        rowCount = 0
    }

    /// Columns must have distinct names and equal lengths.
    package init(columns: [Column]) throws {
        var seen = Set<String>()
        for c in columns where !seen.insert(c.name).inserted { throw TableError.duplicateColumn(c.name) }
        let n = columns.first?.count ?? 0
        for c in columns where c.count != n {
            throw TableError.lengthMismatch(column: c.name, expected: n, found: c.count)
        }
        self.columns = columns
        self.rowCount = n
    }

    /// Builds a table from row values (for tests and small tables). Each row must have one value
    /// per field; ints are accepted in float columns.
    package init(schema: [Field], rows: [[Value]]) throws {
        for (r, row) in rows.enumerated() where row.count != schema.count {
            throw TableError.rowLength(row: r, expected: schema.count, found: row.count)
        }
        let cols = try schema.enumerated().map { j, f in
            try Column(name: f.name, type: f.type, values: rows.map { $0[j] })
        }
        try self.init(columns: cols)
    }

    // MARK: - Schema and lookup

    package var schema: [Field] { columns.map(\.field) }
    package var columnNames: [String] { columns.map(\.name) }
    package var columnCount: Int { columns.count }

    package func columnIndex(_ name: String) -> Int? { columns.firstIndex { $0.name == name } }

    package func column(named name: String) -> Column? { columnIndex(name).map { columns[$0] } }

    /// The column index, or `TableError.unknownColumn` with a did-you-mean hint.
    package func requireColumn(_ name: String) throws -> Int {
        guard let i = columnIndex(name) else {
            throw TableError.unknownColumn(name, available: columnNames)
        }
        return i
    }

    // MARK: - Typed cell access (nil for null or a different type)

    package func isNull(row: Int, col: Int) -> Bool { columns[col].isNull(row) }

    package func value(row: Int, col: Int) -> Value { columns[col].value(row) }

    package func int(row: Int, col: Int) -> Int64? {
        let c = columns[col]
        guard !c.isNull(row) else { return nil }
        switch c.data {
        case .int(let a), .timestamp(let a): return a[row]
        default: return nil
        }
    }

    /// Numeric view: ints, floats, timestamps (seconds) and bools (0/1).
    package func double(row: Int, col: Int) -> Double? { columns[col].double(row) }

    package func string(row: Int, col: Int) -> String? {
        let c = columns[col]
        guard !c.isNull(row), case .string(let d, let codes) = c.data else { return nil }
        return d[Int(codes[row])]
    }

    package func bool(row: Int, col: Int) -> Bool? {
        let c = columns[col]
        guard !c.isNull(row), case .bool(let a) = c.data else { return nil }
        return a[row]
    }

    package func timestamp(row: Int, col: Int) -> Int64? {
        let c = columns[col]
        guard !c.isNull(row), case .timestamp(let a) = c.data else { return nil }
        return a[row]
    }

    /// All cells of one row.
    package func row(_ r: Int) -> [Value] { columns.map { $0.value(r) } }

    // MARK: - Reshaping

    /// The named columns, in the given order. O(columns) — no data is copied.
    package func selecting(_ names: [String]) throws -> Table {
        var t = Table()
        t.columns = try names.map { columns[try requireColumn($0)] }
        t.rowCount = t.columns.isEmpty ? 0 : rowCount
        return t
    }

    /// The rows at `indices` (any order, repeats allowed). O(indices × columns).
    package func take(rows indices: [Int]) -> Table {
        var t = Table()
        t.columns = columns.map { $0.take(indices) }
        t.rowCount = indices.count
        return t
    }

    /// The rows where `mask` is true. `mask.count` must equal `rowCount`.
    package func filter(mask: [Bool]) -> Table {
        precondition(mask.count == rowCount, "mask length must equal the row count")
        var idx: [Int] = []
        idx.reserveCapacity(mask.count)
        for (i, keep) in mask.enumerated() where keep { idx.append(i) }
        return idx.count == rowCount ? self : take(rows: idx)
    }

    /// A copy with `column` added at the end (or replacing the column of the same name in place).
    package func appending(_ column: Column) throws -> Table {
        guard columns.isEmpty || column.count == rowCount else {
            throw TableError.lengthMismatch(column: column.name, expected: rowCount, found: column.count)
        }
        var t = self
        if let i = columnIndex(column.name) { t.columns[i] = column } else { t.columns.append(column) }
        t.rowCount = column.count
        return t
    }

    /// A copy with a column renamed.
    package func renaming(_ old: String, to new: String) throws -> Table {
        let i = try requireColumn(old)
        if old != new, columnIndex(new) != nil { throw TableError.duplicateColumn(new) }
        var t = self
        t.columns[i].name = new
        return t
    }
}

// MARK: - Equality

extension Table: Equatable {
    /// Tables are equal when schemas and every cell are equal (dictionary order does not matter).
    package static func == (a: Table, b: Table) -> Bool {
        guard a.schema == b.schema, a.rowCount == b.rowCount else { return false }
        for j in 0..<a.columns.count {
            for r in 0..<a.rowCount where a.columns[j].value(r) != b.columns[j].value(r) { return false }
        }
        return true
    }
}

// MARK: - Errors

/// Misuse of a table: unknown column, mismatched lengths, wrong cell type.
package enum TableError: Error, Sendable, Equatable, CustomStringConvertible {
    case unknownColumn(String, available: [String])
    case duplicateColumn(String)
    case lengthMismatch(column: String, expected: Int, found: Int)
    case rowLength(row: Int, expected: Int, found: Int)
    case typeMismatch(column: String, expected: ColumnType, found: Value)
    case wrongColumnType(column: String, expected: String, found: ColumnType)

    package var description: String {
        switch self {
        case .unknownColumn(let n, let avail):
            let hint = Suggestions.hint(for: n, in: avail).map { " (\($0))" } ?? ""
            return "unknown column '\(n)'\(hint); columns are: \(avail.joined(separator: ", "))"
        case .duplicateColumn(let n): return "duplicate column '\(n)'"
        case .lengthMismatch(let n, let e, let f): return "column '\(n)' has \(f) rows, expected \(e)"
        case .rowLength(let r, let e, let f): return "row \(r) has \(f) values, expected \(e)"
        case .typeMismatch(let n, let e, let v): return "column '\(n)' is \(e) but got value \(v)"
        case .wrongColumnType(let n, let e, let f): return "column '\(n)' is \(f), expected \(e)"
        }
    }
}

extension TableError: CodedError {
    /// `missing-column` for a column the data does not have; the other cases say what they are.
    package var errorCode: String {
        switch self {
        case .unknownColumn: "missing-column"
        case .duplicateColumn: "duplicate-column"
        case .typeMismatch, .wrongColumnType: "wrong-column-type"
        case .lengthMismatch, .rowLength: "stage-failed"
        }
    }
}
