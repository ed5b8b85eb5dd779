import PostgresNIO
import RecpipeData

/// Writes tables into PostgreSQL: one connection, one transaction for every table of an export,
/// rows streamed with `COPY … FROM STDIN` (text format, ``PostgresCopyEncoder``). A replace
/// loads `<table>__rp_new` and swaps it in (`DROP` + `RENAME`) before the commit, so a reader
/// sees the old table until the commit and the new one after; an upsert copies into a temporary
/// table and merges with `INSERT … ON CONFLICT (keys) DO UPDATE`. Any failure rolls back.
package struct PostgresExporter: Sendable {
    package var location: PostgresLocation

    package init(location: PostgresLocation) { self.location = location }

    package func export(_ tables: [TableExport]) async throws -> [ExportedTable] {
        let connection = try await PostgresSession.connect(location)
        var current = tables.first?.table.name ?? "-"
        do {
            try await PostgresSession.run("BEGIN", connection)
            var done: [ExportedTable] = []
            for t in tables {
                current = t.table.name
                try await write(t, connection)
                done.append(ExportedTable(table: t.table.name, rows: t.data.rowCount, mode: t.mode))
            }
            try await PostgresSession.run("COMMIT", connection)
            try? await connection.close()
            return done
        } catch {
            try? await PostgresSession.run("ROLLBACK", connection)
            try? await connection.close()
            if let e = error as? DatabaseFailure { throw e }
            throw DatabaseFailure(
                .writeFailed,
                "PostgreSQL \(location): cannot write table '\(current)': \(DatabaseFailure.reason(error)); the previous tables are unchanged",
                hint: "check the server's log; for upsert, duplicate keys in one export are refused")
        }
    }

    func write(_ t: TableExport, _ c: PostgresConnection) async throws {
        let table = t.table.quoted
        switch t.mode {
        case .replace:
            let staging = t.stagingTable
            try await PostgresSession.run("DROP TABLE IF EXISTS \(staging.quoted)", c)
            try await PostgresSession.run("CREATE TABLE \(staging.quoted) (\(columnDefinitions(t)))", c)
            try await copy(t, into: staging, c)
            try await PostgresSession.run("DROP TABLE IF EXISTS \(table)", c)
            try await PostgresSession.run("ALTER TABLE \(staging.quoted) RENAME TO \(table)", c)
        case .append:
            try await ensureTable(t, c)
            try await PostgresSession.run("DELETE FROM \(table) WHERE run_id = $1", c, binds: [t.runID])
            try await copy(t, into: t.table, c)
        case .upsert:
            try await ensureTable(t, c)
            let temp = try SQLIdentifier(table: t.table.name + "__rp_up")
            try await PostgresSession.run(
                "CREATE TEMP TABLE \(temp.quoted) (\(columnDefinitions(t))) ON COMMIT DROP", c)
            try await copy(t, into: temp, c)
            let cols = t.allColumns.map(\.quoted).joined(separator: ", ")
            let keySet = Set(t.keys.map(\.name))
            let updates = t.allColumns.filter { !keySet.contains($0.name) }.map {
                "\($0.quoted) = EXCLUDED.\($0.quoted)"
            }
            let action = updates.isEmpty ? "NOTHING" : "UPDATE SET " + updates.joined(separator: ", ")
            try await PostgresSession.run(
                "INSERT INTO \(table) (\(cols)) SELECT \(cols) FROM \(temp.quoted) ON CONFLICT (\(t.keys.map(\.quoted).joined(separator: ", "))) DO \(action)",
                c)
            try await PostgresSession.run("DROP TABLE \(temp.quoted)", c)
        }
    }

    func columnDefinitions(_ t: TableExport) -> String {
        let data = zip(t.columns, t.data.columns).map { "\($0.quoted) \(Self.sqlType($1.type))" }
        return (data + ["run_id TEXT NOT NULL", "as_of DATE NOT NULL"]).joined(separator: ", ")
    }

    static func sqlType(_ type: ColumnType) -> String {
        switch type {
        case .int: "BIGINT"
        case .float: "DOUBLE PRECISION"
        case .string: "TEXT"
        case .bool: "BOOLEAN"
        case .timestamp: "TIMESTAMPTZ"
        }
    }

    func ensureTable(_ t: TableExport, _ c: PostgresConnection) async throws {
        let existing = try await PostgresSession.columns(of: t.table.name, c)
        if existing.isEmpty {
            try await PostgresSession.run("CREATE TABLE \(t.table.quoted) (\(columnDefinitions(t)))", c)
            if t.mode == .append {
                try await PostgresSession.run("CREATE INDEX \(t.runIndexName.quoted) ON \(t.table.quoted) (run_id)", c)
            }
        } else {
            try t.checkExistingColumns(existing, in: "PostgreSQL \(location)")
        }
        if t.mode == .upsert {
            let keys = t.keys.map(\.quoted).joined(separator: ", ")
            try await PostgresSession.run(
                "CREATE UNIQUE INDEX IF NOT EXISTS \(t.keyIndexName.quoted) ON \(t.table.quoted) (\(keys))", c)
        }
    }

    func copy(_ t: TableExport, into table: SQLIdentifier, _ c: PostgresConnection) async throws {
        var encoder = PostgresCopyEncoder(t)
        try await c.copyFrom(table: table.name, columns: t.allColumns.map(\.name), logger: PostgresSession.logger) {
            writer in
            var buffer = ByteBuffer()
            buffer.reserveCapacity(1 << 20)
            var row = 0
            while row < t.data.rowCount {
                let end = min(row + 8192, t.data.rowCount)
                encoder.encode(rows: row..<end, into: &buffer)
                row = end
                if buffer.readableBytes >= 1 << 20 {
                    try await writer.write(buffer)
                    buffer.clear()
                }
            }
            if buffer.readableBytes > 0 { try await writer.write(buffer) }
        }
    }
}
