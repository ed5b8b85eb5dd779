import RecpipeCore

extension CSVReader {
    /// A row dropped for repeating a `unique` key, as a reject.
    struct DuplicateRow {
        var row: Int
        var reject: RejectedRow
    }

    /// The rows that repeat a value of `key` (nulls never repeat), under `policy`: `first` keeps
    /// each value's first row, `last` its last; `fail` throws `duplicate-key` naming the value and
    /// both lines. `lines[r]` is row r's line in the file; `raw(r)` its text. O(rows).
    static func duplicateRows(
        _ table: Table, key: String, policy: DuplicatePolicy, lines: [Int], path: String, raw: (Int) -> String
    ) throws -> [DuplicateRow] {
        guard let column = table.column(named: key) else {
            throw IngestError(
                .missingColumn, path: path, "'unique' names column '\(key)', which the table does not have",
                hint: Suggestions.hint(for: key, in: table.columnNames) ?? "columns: "
                    + table.columnNames.joined(separator: ", "))
        }
        let rows = Array(0..<table.rowCount)
        var kept: [Value: Int] = [:]
        var found: [DuplicateRow] = []
        for r in policy == .last ? rows.reversed() : rows where !column.isNull(r) {
            let value = column.value(r)
            guard let other = kept[value] else {
                kept[value] = r
                continue
            }
            let text = value.description
            if policy == .fail {
                let (a, b) = (min(lines[r], lines[other]), max(lines[r], lines[other]))
                throw IngestError(
                    .duplicateKey, path: path, "\(key) '\(text)' appears twice, at lines \(a) and \(b)",
                    hint:
                        "make '\(key)' unique in the file, or set on_duplicate: first (or last) to keep one row and reject the others"
                )
            }
            found.append(
                DuplicateRow(
                    row: r,
                    reject: RejectedRow(
                        line: lines[r], raw: raw(r),
                        reason:
                            "duplicate \(key) '\(text)' (the \(policy == .first ? "first" : "last") one, line \(lines[other]), is kept)"
                    )))
        }
        return found.sorted { $0.row < $1.row }
    }
}
