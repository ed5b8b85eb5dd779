import RecpipeData

/// The `tags` column of a profiles table (written by `tag`, read by `rank`, `report`, the
/// `tag` stage's own record source and `serve`): one comma-separated text per user. Written and
/// parsed only here.
package enum TagColumn {
    package static let name = "tags"

    /// One user's tags as the column stores them: `loyal,big_spender`.
    package static func text(_ tags: [String]) -> String { tags.joined(separator: ",") }

    /// One user's tags from the column's text: split at commas, each trimmed of spaces, empty
    /// entries dropped (`"a, b,,"` → `["a", "b"]`; nil or empty → `[]`).
    package static func parse(_ text: String?) -> [String] {
        guard let text, !text.isEmpty else { return [] }
        return text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }

    /// Every row's tags of `table`'s tags column; nil when it has none.
    package static func rows(of table: Table) -> [[String]]? {
        guard let c = table.columnIndex(name) else { return nil }
        return (0..<table.rowCount).map { r in parse(table.string(row: r, col: c)) }
    }
}
