import Foundation
import GRDB
import PostgresNIO
import RecpipeData

/// Reads a query's rows from SQLite or PostgreSQL into a typed table, streamed in chunks of
/// `chunkSize` rows through ``RowTableBuilder`` (same schema, rejects and `max_bad_rows` rules as
/// a CSV file), and evaluates the `changes_with:` value that stands for a source's content in
/// its fingerprint.
package enum DatabaseReader {
    package static let chunkSize = 10_000

    package static func read(_ target: DatabaseTarget, query: String, options: IngestOptions) async throws
        -> IngestResult
    {
        switch target {
        case .sqlite(let path): try readSQLite(path: path, query: query, options: options)
        case .postgres(let l): try await readPostgres(l, query: query, options: options, label: target.description)
        }
    }

    /// `changes_with`: an expression over the query's rows (`max(updated_at)`, `count(*)`),
    /// evaluated as `SELECT <expression> FROM (<query>) AS recpipe_source`, or a whole `SELECT`
    /// statement run as written. The first column of the first row, as text ("null" for NULL).
    package static func state(_ target: DatabaseTarget, query: String, changesWith: String) async throws -> String {
        let trimmed = changesWith.trimmingCharacters(in: .whitespacesAndNewlines)
        let sql =
            trimmed.lowercased().hasPrefix("select")
            ? trimmed : "SELECT \(trimmed) FROM (\(query)) AS recpipe_source"
        var options = IngestOptions()
        options.onBadRow = .fail
        let result = try await read(target, query: sql, options: options)
        guard result.table.rowCount > 0, result.table.columnCount > 0 else { return "no rows" }
        return result.table.value(row: 0, col: 0).description
    }

    // MARK: - SQLite

    package static func readSQLite(path: String, query: String, options: IngestOptions) throws -> IngestResult {
        let label = DatabaseTarget.sqlite(path: path).description
        guard FileManager.default.fileExists(atPath: path) else {
            throw DatabaseFailure(
                .connectionFailed, "\(label): no such database file",
                hint: "check the path (relative to the pipeline file)")
        }
        var config = Configuration()
        config.readonly = true
        do {
            let queue = try DatabaseQueue(path: path, configuration: config)
            defer { try? queue.close() }
            return try queue.read { db in
                let statement = try db.makeStatement(sql: query)
                var builder = try RowTableBuilder(names: statement.columnNames, options: options, label: label)
                let cursor = try Row.fetchCursor(statement)
                var chunk: [[Value]] = []
                chunk.reserveCapacity(chunkSize)
                while let row = try cursor.next() {
                    chunk.append(row.databaseValues.map(sqliteValue))
                    if chunk.count == chunkSize {
                        builder.add(chunk)
                        chunk.removeAll(keepingCapacity: true)
                    }
                }
                builder.add(chunk)
                return try builder.finish()
            }
        } catch let e as GRDB.DatabaseError {
            throw DatabaseFailure(
                .queryFailed, "\(label): the query failed: \(e.message ?? "\(e)")",
                hint: "check the SQL; run it with sqlite3 to see")
        }
    }

    static func sqliteValue(_ v: DatabaseValue) -> Value {
        switch v.storage {
        case .null: .null
        case .int64(let i): .int(i)
        case .double(let d): .double(d)
        case .string(let s): .string(s)
        case .blob(let b): .string(b.base64EncodedString())
        }
    }

    // MARK: - PostgreSQL

    static func readPostgres(_ l: PostgresLocation, query: String, options: IngestOptions, label: String) async throws
        -> IngestResult
    {
        let connection = try await PostgresSession.connect(l)
        do {
            let rows = try await connection.query(PostgresQuery(unsafeSQL: query), logger: PostgresSession.logger)
            var builder: RowTableBuilder?
            var chunk: [[Value]] = []
            chunk.reserveCapacity(chunkSize)
            for try await row in rows {
                if builder == nil {
                    builder = try RowTableBuilder(names: row.map(\.columnName), options: options, label: label)
                }
                chunk.append(try row.map { try postgresValue($0) })
                if chunk.count == chunkSize {
                    builder!.add(chunk)
                    chunk.removeAll(keepingCapacity: true)
                }
            }
            if builder == nil { builder = try RowTableBuilder(names: [], options: options, label: label) }
            builder!.add(chunk)
            try? await connection.close()
            return try builder!.finish()
        } catch {
            try? await connection.close()
            if error is DatabaseFailure || error is IngestError { throw error }
            throw DatabaseFailure(
                .queryFailed, "\(label): the query failed: \(DatabaseFailure.reason(error))",
                hint: "check the SQL; run it with psql to see")
        }
    }

    /// A PostgreSQL cell as a table value: integers, floats and numerics, text, booleans,
    /// timestamps and dates; any other type is refused with the cast to add.
    static func postgresValue(_ cell: PostgresCell) throws -> Value {
        guard cell.bytes != nil else { return .null }
        switch cell.dataType {
        case .int2: return .int(Int64(try cell.decode(Int16.self)))
        case .int4: return .int(Int64(try cell.decode(Int32.self)))
        case .int8: return .int(try cell.decode(Int64.self))
        case .float4: return .double(Double(try cell.decode(Float.self)))
        case .float8: return .double(try cell.decode(Double.self))
        case .numeric: return .double(NSDecimalNumber(decimal: try cell.decode(Decimal.self)).doubleValue)
        case .bool: return .bool(try cell.decode(Bool.self))
        case .text, .varchar, .bpchar, .name: return .string(try cell.decode(String.self))
        case .timestamp, .timestamptz:
            return .timestamp(Int64(try cell.decode(Date.self).timeIntervalSince1970.rounded(.down)))
        case .date: return .timestamp(Int64(try cell.decode(Date.self).timeIntervalSince1970))
        case .uuid: return .string(try cell.decode(UUID.self).uuidString.lowercased())
        default:
            throw DatabaseFailure(
                .unsupportedType,
                "column '\(cell.columnName)' has PostgreSQL type \(cell.dataType), which recpipe does not read",
                hint: "cast it in the query, e.g. \(cell.columnName)::text")
        }
    }
}
