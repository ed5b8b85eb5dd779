/// A validated table or column name, always written into SQL double-quoted. Values never go
/// through here: they are bound (SQLite) or streamed as COPY data (PostgreSQL).
package struct SQLIdentifier: Sendable, Hashable, CustomStringConvertible {
    package let name: String

    /// Longest table name: PostgreSQL truncates identifiers at 63 bytes, and a replace loads
    /// into `<table>__rp_new`, which must stay distinct.
    package static let maxTableLength = 48
    package static let maxColumnLength = 63

    /// The schema of a qualified table name (`analytics.recs` → `analytics`), else nil (the
    /// connection's search path decides; SQLite has none).
    package let schema: String?
    /// The table's own name, without the schema.
    package let base: String

    /// A table name, optionally schema-qualified (`schema.table`, PostgreSQL): each part a letter
    /// or `_` followed by letters, digits and `_`; the table part at most 48 bytes, the schema 63.
    package init(table name: String) throws {
        let parts = name.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        let table = parts.last ?? ""
        let schemaOK = parts.count == 1 || (parts.count == 2 && Self.isPlain(parts[0]) && parts[0].utf8.count <= 63)
        guard schemaOK, Self.isPlain(table), table.utf8.count <= Self.maxTableLength else {
            let qualified = parts.count == 2 && !parts[0].isEmpty && !table.isEmpty
            let suggestion =
                qualified
                ? Self.plainName(from: parts[0]) + "." + Self.plainName(from: table) : Self.plainName(from: name)
            throw DatabaseFailure(
                .badIdentifier,
                "invalid table name '\(name)': use a letter or '_' followed by letters, digits and '_' (at most \(Self.maxTableLength) characters), optionally after a schema and '.' (analytics.recs)",
                hint: "a valid name here would be '\(suggestion)'")
        }
        self.name = name
        self.schema = parts.count == 2 ? parts[0] : nil
        self.base = table
    }

    /// The table `<base><suffix>` in the same schema (staging tables, index names).
    package func sibling(_ suffix: String) -> SQLIdentifier {
        SQLIdentifier(schema: schema, base: base + suffix)
    }

    private init(schema: String?, base: String) {
        self.name = (schema.map { $0 + "." } ?? "") + base
        self.schema = schema
        self.base = base
    }

    /// The unqualified name, quoted (`RENAME TO`, `CREATE INDEX name`: PostgreSQL keeps them in
    /// the table's schema).
    package var quotedBase: String { "\"\(base)\"" }

    /// A column name: any printable text of at most 63 bytes without `"` (quoting makes spaces
    /// and keywords safe), so columns named by the data export as they are.
    package init(column name: String, table: String) throws {
        let printable = name.unicodeScalars.allSatisfy { $0.value >= 0x20 && $0.value != 0x7F && $0 != "\"" }
        guard !name.isEmpty, printable, name.utf8.count <= Self.maxColumnLength else {
            throw DatabaseFailure(
                .badIdentifier,
                "table '\(table)': invalid column name '\(name)': column names must be 1–\(Self.maxColumnLength) bytes of printable text without '\"'",
                hint: "rename the column upstream (e.g. ingest `schema: { col: { type: …, rename: … } }`)")
        }
        self.name = name
        self.schema = nil
        self.base = name
    }

    /// `"name"` or `"schema"."name"`, ready to splice into SQL.
    package var quoted: String { (schema.map { "\"\($0)\"." } ?? "") + quotedBase }
    package var description: String { name }

    /// Whether `s` is a plain identifier (`[A-Za-z_][A-Za-z0-9_]*`).
    package static func isPlain(_ s: String) -> Bool {
        guard let first = s.utf8.first, first == UInt8(ascii: "_") || isLetter(first) else { return false }
        return s.utf8.allSatisfy { $0 == UInt8(ascii: "_") || isLetter($0) || (48...57).contains($0) }
    }

    /// `s` with every character outside `[A-Za-z0-9_]` turned into `_` (and a leading `_` before
    /// a digit), cut to the table length limit: the default table name of a stage.
    package static func plainName(from s: String) -> String {
        var bytes = s.utf8.map {
            $0 == UInt8(ascii: "_") || isLetter($0) || (48...57).contains($0) ? $0 : UInt8(ascii: "_")
        }
        if bytes.isEmpty || (48...57).contains(bytes[0]) { bytes.insert(UInt8(ascii: "_"), at: 0) }
        return String(decoding: bytes.prefix(maxTableLength), as: UTF8.self)
    }

    private static func isLetter(_ b: UInt8) -> Bool { (65...90).contains(b) || (97...122).contains(b) }
}
