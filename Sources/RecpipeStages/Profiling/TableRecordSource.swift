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

    /// - Parameter idColumn: the column that names each record in error messages.
    init(table: Table, idColumn: String) {
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
