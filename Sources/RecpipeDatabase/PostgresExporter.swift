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
        let defaults = Self.constantsAsDefaults(t)
        switch t.mode {
        case .replace:
            // Loaded into a table created in this transaction (nobody else sees it), with run_id and
            // as_of filled by column defaults instead of being sent on every row; indexed after the
            // load; then swapped in.
            let staging = t.stagingTable
            try await PostgresSession.run("DROP TABLE IF EXISTS \(staging.quoted)", c)
            try await PostgresSession.run(
                "CREATE TABLE \(staging.quoted) (\(columnDefinitions(t, defaults: defaults)))", c)
            try await copy(t, into: staging, constants: !defaults, c)
            if defaults {
                try await PostgresSession.run(
                    "ALTER TABLE \(staging.quoted) ALTER COLUMN run_id DROP DEFAULT, ALTER COLUMN as_of DROP DEFAULT", c
                )
            }
            if !t.index.isEmpty {
                try await PostgresSession.run(
                    "CREATE INDEX \(t.stagingIndexName.quotedBase) ON \(staging.quoted) (\(t.index.map(\.quoted).joined(separator: ", ")))",
                    c)
            }
            try await PostgresSession.run("DROP TABLE IF EXISTS \(table)", c)
            try await PostgresSession.run("ALTER TABLE \(staging.quoted) RENAME TO \(t.table.quotedBase)", c)
            if !t.index.isEmpty {
                try await PostgresSession.run(
                    "ALTER INDEX \(t.stagingIndexName.quoted) RENAME TO \(t.lookupIndexName.quotedBase)", c)
            }
        case .append:
            try await ensureTable(t, c)
            try await PostgresSession.run("DELETE FROM \(table) WHERE run_id = $1", c, binds: [t.runID])
            try await copy(t, into: t.table, constants: true, c)
        case .upsert:
            try await ensureTable(t, c)
            let temp = try SQLIdentifier(table: t.table.base + "__rp_up")
            try await PostgresSession.run(
                "CREATE TEMP TABLE \(temp.quoted) (\(columnDefinitions(t, defaults: defaults))) ON COMMIT DROP", c)
            try await copy(t, into: temp, constants: !defaults, c)
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

    /// Whether `run_id` and `as_of` can be column defaults of a table this export creates (then
    /// each row carries only the data columns): only when both are in the shapes recpipe makes
    /// (run ids of letters, digits, `-`, `_`, `.`, `:`; `YYYY-MM-DD`), so the literal written into
    /// the DDL cannot hold a quote; otherwise they are sent on every row like any value.
    static func constantsAsDefaults(_ t: TableExport) -> Bool {
        let idOK =
            !t.runID.isEmpty
            && t.runID.utf8.allSatisfy {
                (48...57).contains($0) || (65...90).contains($0) || (97...122).contains($0) || "-_.:".utf8.contains($0)
            }
        let day = Array(t.asOf.utf8)
        let dateOK =
            day.count == 10 && day[4] == UInt8(ascii: "-") && day[7] == UInt8(ascii: "-")
            && day.enumerated().allSatisfy { $0.offset == 4 || $0.offset == 7 || (48...57).contains($0.element) }
        return idOK && dateOK && t.data.columnCount > 0
    }

    func columnDefinitions(_ t: TableExport, defaults: Bool = false) -> String {
        let data = zip(t.columns, t.data.columns).map { "\($0.quoted) \(Self.sqlType($1.type))" }
        let constants =
            defaults
            ? ["run_id TEXT NOT NULL DEFAULT '\(t.runID)'", "as_of DATE NOT NULL DEFAULT '\(t.asOf)'"]
            : ["run_id TEXT NOT NULL", "as_of DATE NOT NULL"]
        return (data + constants).joined(separator: ", ")
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
        let existing = try await PostgresSession.columns(of: t.table, c)
        if existing.isEmpty {
            try await PostgresSession.run("CREATE TABLE \(t.table.quoted) (\(columnDefinitions(t)))", c)
            if t.mode == .append {
                try await PostgresSession.run(
                    "CREATE INDEX \(t.runIndexName.quotedBase) ON \(t.table.quoted) (run_id)", c)
                if !t.index.isEmpty {
                    try await PostgresSession.run(
                        "CREATE INDEX \(t.lookupIndexName.quotedBase) ON \(t.table.quoted) (\(t.index.map(\.quoted).joined(separator: ", ")))",
                        c)
                }
            }
        } else {
            try t.checkExistingColumns(existing, in: "PostgreSQL \(location)")
        }
        if t.mode == .upsert {
            let keys = t.keys.map(\.quoted).joined(separator: ", ")
            try await PostgresSession.run(
                "CREATE UNIQUE INDEX IF NOT EXISTS \(t.keyIndexName.quotedBase) ON \(t.table.quoted) (\(keys))", c)
        }
    }

    /// Streams the rows with `COPY … FROM STDIN` in chunks of about 1 MiB, encoded while the
    /// previous chunk is on its way (postgres-nio queues a write and returns until the socket's
    /// buffer is full). postgres-nio's COPY names the table unqualified, so a schema-qualified
    /// target is reached through this transaction's `search_path` (set, then restored).
    func copy(_ t: TableExport, into target: SQLIdentifier, constants: Bool, _ c: PostgresConnection) async throws {
        var previousPath: String?
        if let schema = target.schema {
            previousPath = try await PostgresSession.value("SELECT current_setting('search_path')", c)
            try await PostgresSession.run("SELECT set_config('search_path', $1, true)", c, binds: ["\"\(schema)\""])
        }
        let encoder = PostgresCopyEncoder(t, withConstants: constants)
        let columns = (constants ? t.allColumns : t.columns).map(\.name)
        let step = encoder.chunkRows()
        try await c.copyFrom(table: target.base, columns: columns, logger: PostgresSession.logger) { writer in
            var buffer = ByteBuffer()
            var row = 0
            while row < encoder.rowCount {
                buffer.clear(minimumCapacity: (1 << 20) + step * encoder.maxRowBytes)
                while row < encoder.rowCount && buffer.readableBytes < 1 << 20 {
                    let end = min(row + step, encoder.rowCount)
                    encoder.encode(rows: row..<end, into: &buffer)
                    row = end
                }
                try await writer.write(buffer)
            }
        }
        if let previousPath {
            try await PostgresSession.run("SELECT set_config('search_path', $1, true)", c, binds: [previousPath])
        }
    }
}
