import RecpipeData
import RecpipeScripting

/// `u` in tag rules: one row of a profile table, read in place (no per-call copies). Fields are
/// the table's columns; ints and timestamps stay integers, floats floats, nulls `nil`.
/// `u:has_tag(t)` reads a `tags` column (comma-separated) when the table has one; `u:seen` and
/// `u:purchased` raise an error (no interactions here).
final class TableRecordSource: ScriptRecordSource {
    let fieldNames: [String]
    private let columns: [Column]
    private let ids: ColumnCodes
    private let tags: [[String]]?
    /// Columns the views read in C (the ones a plugin reads), or nil.
    let scriptColumns: ScriptColumns?

    /// - Parameters:
    ///   - idColumn: the column that names each record in error messages.
    ///   - scriptColumns: ``scriptColumns(_:reading:)`` of `table`, shared by every worker.
    init(table: Table, idColumn: String, scriptColumns: ScriptColumns? = nil) {
        self.scriptColumns = scriptColumns
        columns = table.columns
        fieldNames = table.columnNames
        ids = ColumnCodes(table.column(named: idColumn) ?? table.columns[0])
        tags = TagColumn.rows(of: table)
    }

    var count: Int { ids.codes.count }

    func value(row: Int, field: Int) -> ScriptValue { columns[field].scriptValue(row) }

    func id(row: Int) -> String {
        let c = ids.codes[row]
        return c >= 0 ? ids.values[Int(c)] : "row \(row + 1)"
    }

    func has(set: String, row: Int, key: String) -> Bool {
        set == "tags" && (tags?[row].contains(key) ?? false)
    }

    /// A profile table holds no interactions: `u:seen(id)` and `u:purchased(id)` fail at the
    /// rule's line instead of answering false for every item.
    func unavailableReason(set: String) -> String? {
        set == "tags"
            ? nil
            : "u:\(set)(id) is not available in tag rules (a profile table has no interactions); use a column such as frequency, or move the rule to a rank filter or promotion"
    }
}

extension TableRecordSource {
    /// Copies of `table`'s columns named in `names` for the C side of record views; the other
    /// columns stay ``ScriptColumns/Data/host``. Built once per stage.
    static func scriptColumns(_ table: Table, reading names: Set<String>) -> ScriptColumns {
        ScriptColumns(
            rows: table.rowCount,
            columns: table.columns.map { c in
                guard names.contains(c.name) else { return .init(.host) }
                switch c.data {
                case .int(let a), .timestamp(let a): return .init(.int(a), valid: c.validity)
                case .float(let a): return .init(.double(a), valid: c.validity)
                case .bool(let a): return .init(.bool(a), valid: c.validity)
                case .string(let d, let codes): return .init(.string(dictionary: d, codes: codes), valid: c.validity)
                }
            })
    }
}
