import Foundation
import RecpipeData
import RecpipeDatabase
import Testing

/// The PostgreSQL server the tests use: `RECPIPE_TEST_POSTGRES` (default
/// `postgres://recpipe@127.0.0.1:5432/recpipe_test?sslmode=disable`), password from PGPASSWORD
/// or ~/.pgpass. Tests needing it skip when it cannot be reached, except under `CI=true`
/// (`.ci/run` starts one), where they run and fail loudly.
enum PostgresTestServer {
    static let url =
        ProcessInfo.processInfo.environment["RECPIPE_TEST_POSTGRES"]
        ?? "postgres://recpipe@127.0.0.1:5432/recpipe_test?sslmode=disable"

    static var location: PostgresLocation { try! PostgresLocation(url: url) }

    static let skipReason: Comment =
        "needs a PostgreSQL server at \(url) (set RECPIPE_TEST_POSTGRES, and PGPASSWORD or ~/.pgpass; .ci/run starts one)"

    /// Whether to run: always under CI, else only when a connection succeeds.
    static func available() async -> Bool {
        if ProcessInfo.processInfo.environment["CI"] == "true" { return true }
        return (try? await PostgresTestServer.scalar("SELECT 1")) == "1"
    }

    /// A fresh table name, so tests running in parallel never share one.
    static func tableName(_ label: String) -> String {
        "t_\(label)_\(UUID().uuidString.prefix(8).lowercased())"
    }

    /// The first value of a query, as text.
    static func scalar(_ sql: String) async throws -> String {
        let r = try await DatabaseReader.read(.postgres(location), query: sql, options: IngestOptions())
        return r.table.rowCount == 0 ? "no rows" : r.table.value(row: 0, col: 0).description
    }

    static func rows(_ sql: String) async throws -> Table {
        try await DatabaseReader.read(.postgres(location), query: sql, options: IngestOptions()).table
    }
}

/// Small tables for export tests.
enum Fixtures {
    /// Two users' recommendations.
    static func recommendations(scoreOffset: Double = 0, users: [String] = ["u1", "u2"]) -> Table {
        var rows: [[Value]] = []
        for u in users {
            for (rank, item) in ["a", "b"].enumerated() {
                rows.append([
                    .string(u), .int(Int64(rank + 1)), .string(item), .double(Double(2 - rank) + scoreOffset),
                    .string("als"),
                ])
            }
        }
        return try! Table(
            schema: [
                .init("user_id", .string), .init("rank", .int), .init("item_id", .string), .init("score", .float),
                .init("provenance", .string),
            ],
            rows: rows)
    }

    static func export(
        _ data: Table, table: String, mode: ExportMode, run: String = "run1", keys: [String] = ["user_id", "item_id"]
    ) throws -> TableExport {
        try TableExport(table: table, data: data, keys: keys, runID: run, asOf: "2026-12-01", mode: mode)
    }
}
