import Foundation
import RecpipeData
import Testing

@testable import RecpipeDatabase

/// A replace's lookup index (built on the staging table, renamed after the swap), run_id/as_of
/// sent as column defaults, and schema-qualified table names, against the real server.
@Suite(.enabled(PostgresTestServer.skipReason, { await PostgresTestServer.available() }))
struct PostgresIndexSchemaTests {
    let server = DatabaseTarget.postgres(PostgresTestServer.location)

    func rows(_ sql: String) async throws -> [[String]] {
        let t = try await PostgresTestServer.rows(sql)
        return (0..<t.rowCount).map { r in t.row(r).map(\.description) }
    }

    func execute(_ sql: String) async throws {
        let c = try await PostgresSession.connect(PostgresTestServer.location)
        defer { Task { try? await c.close() } }
        try await PostgresSession.run(sql, c)
    }

    func export(_ table: String, mode: ExportMode, run: String, index: [String], keys: [String] = []) throws
        -> TableExport
    {
        try TableExport(
            table: table, data: Fixtures.recommendations(), keys: keys, index: index, runID: run, asOf: "2026-12-01",
            mode: mode)
    }

    /// `indexname: definition` of every index on `table` in `schema`.
    func indexes(_ table: String, schema: String = "public") async throws -> [String] {
        try await rows(
            "SELECT indexname::text || ': ' || indexdef::text FROM pg_indexes WHERE schemaname = '\(schema)' AND tablename = '\(table)' ORDER BY indexname"
        ).map { $0[0] }
    }

    @Test func replaceRebuildsTheLookupIndexOnEverySwap() async throws {
        let name = PostgresTestServer.tableName("index")
        for run in ["r1", "r2"] {
            _ = try await server.export([try export(name, mode: .replace, run: run, index: ["user_id", "rank"])])
            #expect(
                try await indexes(name) == [
                    "\(name)__rp_idx: CREATE INDEX \(name)__rp_idx ON public.\(name) USING btree (user_id, rank)"
                ])
        }
        // run_id and as_of were column defaults during the load only; every row has this run's values.
        #expect(
            try await rows(
                "SELECT count(*)::text FROM information_schema.columns WHERE table_name = '\(name)' AND column_default IS NOT NULL"
            ) == [["0"]])
        #expect(
            try await rows("SELECT user_id, rank, run_id, as_of::text FROM \(name) ORDER BY user_id, rank") == [
                ["u1", "1", "r2", "2026-12-01"], ["u1", "2", "r2", "2026-12-01"],
                ["u2", "1", "r2", "2026-12-01"], ["u2", "2", "r2", "2026-12-01"],
            ])
        #expect(
            try await PostgresTestServer.scalar(
                "SELECT count(*) FROM pg_class WHERE relname IN ('\(name)__rp_new', '\(name)__rp_newidx')") == "0")
    }

    @Test func aRunIDThatCannotBeADefaultIsSentOnEveryRow() async throws {
        let name = PostgresTestServer.tableName("literal")
        let odd = "it's run 1"
        let t = try export(name, mode: .replace, run: odd, index: [])
        #expect(!PostgresExporter.constantsAsDefaults(t))
        #expect(
            try PostgresExporter.constantsAsDefaults(
                export(name, mode: .replace, run: "20261205T001700Z-4d7d", index: [])))
        _ = try await server.export([t])
        #expect(try await rows("SELECT DISTINCT run_id FROM \(name)") == [[odd]])
        #expect(try await indexes(name).isEmpty)
    }

    @Test func schemaQualifiedTablesGoIntoTheirSchemaInEveryMode() async throws {
        let schema = "rp_s_\(UUID().uuidString.prefix(8).lowercased())"
        try await execute("CREATE SCHEMA \(schema)")
        let base = PostgresTestServer.tableName("qualified")
        let name = "\(schema).\(base)"
        _ = try await server.export([try export(name, mode: .replace, run: "r1", index: ["user_id", "rank"])])
        _ = try await server.export([try export(name, mode: .replace, run: "r2", index: ["user_id", "rank"])])
        #expect(try await rows("SELECT count(*)::text, min(run_id) FROM \(schema).\(base)") == [["4", "r2"]])
        #expect(try await indexes(base, schema: schema).map { $0.prefix(while: { $0 != ":" }) } == ["\(base)__rp_idx"])
        #expect(
            try await PostgresTestServer.scalar(
                "SELECT count(*) FROM pg_tables WHERE tablename = '\(base)' AND schemaname <> '\(schema)'") == "0")

        let appended = "\(schema).\(base)_log"
        for run in ["a1", "a2"] {
            _ = try await server.export([try export(appended, mode: .append, run: run, index: ["user_id", "rank"])])
        }
        #expect(
            try await rows("SELECT run_id, count(*)::text FROM \(appended) GROUP BY run_id ORDER BY run_id") == [
                ["a1", "4"], ["a2", "4"],
            ])
        let upserted = "\(schema).\(base)_latest"
        _ = try await server.export([
            try export(upserted, mode: .upsert, run: "u1", index: [], keys: ["user_id", "item_id"])
        ])
        _ = try await server.export([
            try TableExport(
                table: upserted, data: Fixtures.recommendations(scoreOffset: 5, users: ["u2", "u3"]),
                keys: ["user_id", "item_id"], runID: "u2", asOf: "2026-12-01", mode: .upsert)
        ])
        #expect(
            try await rows("SELECT user_id, score, run_id FROM \(upserted) WHERE item_id = 'a' ORDER BY user_id") == [
                ["u1", "2.0", "u1"], ["u2", "7.0", "u2"], ["u3", "7.0", "u2"],
            ])
        // The search path the COPY used was this transaction's only.
        #expect(try await PostgresTestServer.scalar("SELECT current_setting('search_path')") != "\"\(schema)\"")
        #expect(DatabaseTarget.postgres(PostgresTestServer.location).rowCount(table: appended, runID: "a2") == 4)
        try await execute("DROP SCHEMA \(schema) CASCADE")
    }

    @Test func aMissingSchemaFailsNamingTheTableAndChangesNothing() async throws {
        let name = "rp_no_such_schema.\(PostgresTestServer.tableName("x"))"
        let error = await #expect(throws: DatabaseFailure.self) {
            try await server.export([try export(name, mode: .replace, run: "r1", index: [])])
        }
        #expect(error?.message.contains("cannot write table '\(name)'") == true, "\(String(describing: error))")
        #expect(error?.message.contains("rp_no_such_schema") == true)
    }
}
