import RecpipeData

/// How an export meets the table already in the database.
package enum ExportMode: String, Sendable, Hashable, CaseIterable {
    /// Load into `<table>__rp_new`, then drop the old table and rename the new one, all in one
    /// transaction: a reader sees the whole old table or the whole new one.
    case replace
    /// Add this run's rows; rows of the same `run_id` (a re-run) are deleted first.
    case append
    /// Insert or update by the key columns (a unique index on them is created with the table).
    case upsert
}

/// One artifact's rows bound for one database table, with the names already validated:
/// the artifact's typed columns, then `run_id` and `as_of`.
package struct TableExport: Sendable {
    package var table: SQLIdentifier
    package var data: Table
    /// The data columns, in order (`run_id` and `as_of` follow them in the database).
    package var columns: [SQLIdentifier]
    package var keys: [SQLIdentifier]
    /// The columns a replace indexes after loading (readers look rows up by them): the declared
    /// keys, else the artifact's lookup columns (`user_id, rank` for recommendations). Append
    /// indexes them too when it creates the table.
    package var index: [SQLIdentifier]
    package var runID: String
    /// `YYYY-MM-DD`.
    package var asOf: String
    package var mode: ExportMode

    package static let runIDColumn = "run_id"
    package static let asOfColumn = "as_of"

    package init(
        table: String, data: Table, keys: [String], index: [String] = [], runID: String, asOf: String,
        mode: ExportMode
    ) throws {
        let t = try SQLIdentifier(table: table)
        let cols = try data.columnNames.map { try SQLIdentifier(column: $0, table: table) }
        for reserved in [Self.runIDColumn, Self.asOfColumn] where data.columnIndex(reserved) != nil {
            throw DatabaseFailure(
                .badIdentifier,
                "table '\(table)': the data already has a column '\(reserved)', which recpipe adds to every exported table",
                hint: "rename that column upstream")
        }
        let all = data.columnNames + [Self.runIDColumn, Self.asOfColumn]
        var keyIDs: [SQLIdentifier] = []
        for k in keys {
            guard all.contains(k) else {
                throw DatabaseFailure(
                    .badIdentifier,
                    "table '\(table)': key column '\(k)' is not a column; columns are: \(all.joined(separator: ", "))",
                    hint: "set `keys:` to columns of the exported artifact")
            }
            keyIDs.append(
                k == Self.runIDColumn || k == Self.asOfColumn
                    ? try SQLIdentifier(column: k, table: table) : cols[data.columnIndex(k)!])
        }
        let indexIDs = index.compactMap { c in data.columnIndex(c).map { cols[$0] } }
        if mode == .upsert && keyIDs.isEmpty {
            throw DatabaseFailure(
                .badIdentifier, "table '\(table)': mode upsert needs key columns",
                hint: "set `keys: { \(table): [col, …] }`")
        }
        if mode == .upsert { try Self.checkUniqueKeys(data, keys: keys, table: table) }
        self.table = t
        self.data = data
        self.columns = cols
        self.keys = keyIDs
        self.index = indexIDs
        self.runID = runID
        self.asOf = asOf
        self.mode = mode
    }

    /// An upsert of two rows with one key would keep either (SQLite) or fail (PostgreSQL): both
    /// are refused before anything is written, with the count and the first repeated key.
    static func checkUniqueKeys(_ data: Table, keys: [String], table: String) throws {
        let cols = keys.compactMap { data.columnIndex($0) }
        guard cols.count == keys.count else { return }  // run_id/as_of are the same on every row
        var seen = Set<[Value]>(minimumCapacity: data.rowCount)
        var repeats = 0
        var first: [Value]?
        for r in 0..<data.rowCount {
            let key = cols.map { data.value(row: r, col: $0) }
            if !seen.insert(key).inserted {
                repeats += 1
                if first == nil { first = key }
            }
        }
        if let first {
            throw DatabaseFailure(
                .badIdentifier,
                "table '\(table)': \(repeats) row\(repeats == 1 ? "" : "s") repeat\(repeats == 1 ? "s" : "") a key (\(keys.joined(separator: ", "))) of an earlier row, e.g. (\(first.map(\.description).joined(separator: ", "))); an upsert needs one row per key",
                hint: "set `keys:` to columns that identify a row, or use mode: replace")
        }
    }

    /// Every column of the database table, data columns first.
    package var allColumns: [SQLIdentifier] {
        columns + [
            try! SQLIdentifier(column: Self.runIDColumn, table: table.name),
            try! SQLIdentifier(column: Self.asOfColumn, table: table.name),
        ]
    }

    /// The table a replace loads into before the swap.
    package var stagingTable: SQLIdentifier { table.sibling("__rp_new") }

    /// The unique index of an upsert's keys.
    package var keyIndexName: SQLIdentifier { table.sibling("__rp_key") }
    /// The lookup index (``index``), and its name while it belongs to the staging table.
    package var lookupIndexName: SQLIdentifier { table.sibling("__rp_idx") }
    package var stagingIndexName: SQLIdentifier { table.sibling("__rp_newidx") }

    /// Refuses an existing table whose columns differ from this export's; `place` names the
    /// database (`SQLite out/recpipe.sqlite`, `PostgreSQL host:port/db`).
    package func checkExistingColumns(_ existing: [String], in place: String) throws {
        let mine = allColumns.map(\.name)
        guard existing != mine else { return }
        throw DatabaseFailure(
            .schemaMismatch,
            "\(place): table '\(table.name)' has columns (\(existing.joined(separator: ", "))) but this export has (\(mine.joined(separator: ", ")))",
            hint: "export once with mode: replace, or into another table (`tables:`)")
    }
    package var runIndexName: SQLIdentifier { table.sibling("__rp_run") }
}

/// What an export did to one table.
package struct ExportedTable: Sendable, Equatable {
    package var table: String
    package var rows: Int
    package var mode: ExportMode
}

/// Where exported tables go.
package enum DatabaseTarget: Sendable, Hashable, CustomStringConvertible {
    /// A SQLite file (created with its directory when missing).
    case sqlite(path: String)
    case postgres(PostgresLocation)

    package var description: String {
        switch self {
        case .sqlite(let path): "sqlite \(path)"
        case .postgres(let l): "postgres \(l)"
        }
    }

    /// Writes every table in one transaction: all of them change, or none does.
    package func export(_ tables: [TableExport]) async throws -> [ExportedTable] {
        switch self {
        case .sqlite(let path): try SQLiteExporter(path: path).export(tables)
        case .postgres(let location): try await PostgresExporter(location: location).export(tables)
        }
    }
}
