import Foundation
import GRDB
import RecpipeData

/// Writes tables into a SQLite file through GRDB: WAL journal (readers keep reading the last
/// committed state while a load runs), one `BEGIN IMMEDIATE` transaction for every table of an
/// export, one prepared `INSERT` per table whose parameters are bound column by column
/// (``SQLiteRowBinder``). Any failure rolls everything back.
package struct SQLiteExporter: Sendable {
    package var path: String

    package init(path: String) { self.path = path }

    package func export(_ tables: [TableExport]) throws -> [ExportedTable] {
        if let qualified = tables.first(where: { $0.table.schema != nil }) {
            throw DatabaseFailure(
                .badIdentifier,
                "SQLite \(path): table '\(qualified.table.name)': SQLite has no schemas (a name before '.' would be an attached database)",
                hint:
                    "give the SQLite tables plain names (`tables:`), and export schema-qualified PostgreSQL tables from a stage of their own"
            )
        }
        let pool = try open()
        var current = tables.first?.table.name ?? "-"
        do {
            var done: [ExportedTable] = []
            try pool.writeWithoutTransaction { db in
                try db.inTransaction(.immediate) {
                    for t in tables {
                        current = t.table.name
                        done.append(try write(t, db))
                    }
                    return .commit
                }
            }
            try pool.close()
            return done
        } catch let e as DatabaseFailure {
            try? pool.close()
            throw e
        } catch {
            try? pool.close()
            throw DatabaseFailure(
                .writeFailed,
                "SQLite \(path): cannot write table '\(current)': \(Self.reason(error)); the previous tables are unchanged",
                hint: Self.hint(for: error))
        }
    }

    func open() throws -> DatabasePool {
        let dir = (path as NSString).deletingLastPathComponent
        do {
            if !dir.isEmpty { try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true) }
            var config = Configuration()
            config.busyMode = .timeout(10)
            return try DatabasePool(path: path, configuration: config)
        } catch {
            throw DatabaseFailure(
                .connectionFailed, "SQLite \(path): cannot open the database: \(error)",
                hint: "check that the directory is writable")
        }
    }

    static func reason(_ error: any Error) -> String {
        guard let e = error as? GRDB.DatabaseError else { return "\(error)" }
        return e.message ?? "\(e.resultCode)"
    }

    static func hint(for error: any Error) -> String? {
        guard let e = error as? GRDB.DatabaseError else { return nil }
        switch e.resultCode {
        case .SQLITE_FULL: return "the disk is full"
        case .SQLITE_BUSY, .SQLITE_LOCKED:
            return "another process holds a write lock on the file; retry when it is done"
        case .SQLITE_CONSTRAINT:
            return "the rows break a constraint of the table (for upsert: duplicate keys in one export?)"
        case .SQLITE_READONLY: return "the file or its directory is read-only"
        default: return nil
        }
    }

    // MARK: - One table

    func write(_ t: TableExport, _ db: Database) throws -> ExportedTable {
        let table = t.table.quoted
        switch t.mode {
        case .replace:
            let staging = t.stagingTable.quoted
            try db.execute(sql: "DROP TABLE IF EXISTS \(staging)")
            try db.execute(sql: "CREATE TABLE \(staging) (\(columnDefinitions(t)))")
            try insert(t, into: staging, db, upsert: false)
            try db.execute(sql: "DROP TABLE IF EXISTS \(table)")
            try db.execute(sql: "ALTER TABLE \(staging) RENAME TO \(table)")
            // After the swap: SQLite index names are per file, and the old table's went with it.
            // Readers (WAL) see none of this before the commit.
            try createLookupIndex(t, db)
        case .append:
            try ensureTable(t, db)
            try db.execute(sql: "DELETE FROM \(table) WHERE run_id = ?", arguments: [t.runID])
            try insert(t, into: table, db, upsert: false)
        case .upsert:
            try ensureTable(t, db)
            try insert(t, into: table, db, upsert: true)
        }
        return ExportedTable(table: t.table.name, rows: t.data.rowCount, mode: t.mode)
    }

    func columnDefinitions(_ t: TableExport) -> String {
        let data = zip(t.columns, t.data.columns).map { "\($0.quoted) \(Self.sqlType($1.type))" }
        return (data + ["run_id TEXT NOT NULL", "as_of TEXT NOT NULL"]).joined(separator: ", ")
    }

    static func sqlType(_ type: ColumnType) -> String {
        switch type {
        case .int, .bool: "INTEGER"
        case .float: "REAL"
        case .string: "TEXT"
        case .timestamp: "TEXT"
        }
    }

    /// Creates the table for append/upsert when missing (with its index), else checks that its
    /// columns are this export's.
    func ensureTable(_ t: TableExport, _ db: Database) throws {
        let table = t.table.quoted
        let existing = try Row.fetchAll(db, sql: "SELECT name FROM pragma_table_info(?)", arguments: [t.table.name]).map
        { $0[0] as String }
        if existing.isEmpty {
            try db.execute(sql: "CREATE TABLE \(table) (\(columnDefinitions(t)))")
            if t.mode == .append {
                try db.execute(sql: "CREATE INDEX \(t.runIndexName.quoted) ON \(table) (run_id)")
                try createLookupIndex(t, db)
            }
        } else {
            try t.checkExistingColumns(existing, in: "SQLite \(path)")
        }
        if t.mode == .upsert {
            let keys = t.keys.map(\.quoted).joined(separator: ", ")
            try db.execute(sql: "CREATE UNIQUE INDEX IF NOT EXISTS \(t.keyIndexName.quoted) ON \(table) (\(keys))")
        }
    }

    /// The index readers look rows up by (``TableExport/index``), when there is one.
    func createLookupIndex(_ t: TableExport, _ db: Database) throws {
        guard !t.index.isEmpty else { return }
        try db.execute(
            sql:
                "CREATE INDEX \(t.lookupIndexName.quoted) ON \(t.table.quoted) (\(t.index.map(\.quoted).joined(separator: ", ")))"
        )
    }

    func insert(_ t: TableExport, into table: String, _ db: Database, upsert: Bool) throws {
        let cols = t.allColumns
        var sql =
            "INSERT INTO \(table) (\(cols.map(\.quoted).joined(separator: ", "))) VALUES (\(cols.map { _ in "?" }.joined(separator: ", ")))"
        if upsert {
            let keySet = Set(t.keys.map(\.name))
            let updates = cols.filter { !keySet.contains($0.name) }.map { "\($0.quoted) = excluded.\($0.quoted)" }
            let action = updates.isEmpty ? "NOTHING" : "UPDATE SET " + updates.joined(separator: ", ")
            sql += " ON CONFLICT (\(t.keys.map(\.quoted).joined(separator: ", "))) DO \(action)"
        }
        let statement = try db.makeStatement(sql: sql)
        try SQLiteRowBinder(t).insertAll(statement.sqliteStatement, db: db)
    }
}
