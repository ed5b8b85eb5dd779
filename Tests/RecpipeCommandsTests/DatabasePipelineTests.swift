import Foundation
import RecpipeData
import RecpipeDatabase
import RecpipeTestSupport
import Testing

/// A pipeline that reads a SQLite query and exports to SQLite, run through the CLI: rejects are
/// counted, the export is cached while its table holds the run's rows, `changes_with` re-reads
/// the source when the data changes, and bad settings are located validation errors.
@Suite struct DatabasePipelineTests {
    let dir = TestSupport.temporaryDirectory("dbpipe")

    func orders(_ rows: [(String, String)], mode: ExportMode, run: String) throws {
        let t = try Table(
            schema: [.init("user_id", .string), .init("amount", .string)],
            rows: rows.map { [.string($0.0), .string($0.1)] })
        _ = try SQLiteExporter(path: dir + "/shop.sqlite").export([
            try TableExport(table: "orders", data: t, keys: [], runID: run, asOf: "2026-12-01", mode: mode)
        ])
    }

    func pipeline(changesWith: String = "count(*)") -> String {
        TestSupport.write(
            """
            pipeline: db
            stages:
              orders:
                uses: ingest
                with:
                  from: { sqlite: shop.sqlite, query: "SELECT user_id, amount FROM orders", changes_with: "\(changesWith)" }
                  schema: { amount: float }
              out:
                uses: export
                inputs: { data: [orders] }
                with: { to: out, formats: [csv, sqlite], tables: { orders: user_orders } }   # → recpipe.sqlite beside out
            """, to: "p.yaml", in: dir)
    }

    func exported() throws -> Table {
        try DatabaseReader.readSQLite(
            path: dir + "/recpipe.sqlite", query: "SELECT user_id, amount, run_id FROM user_orders ORDER BY user_id",
            options: IngestOptions()
        ).table
    }

    @Test func sqliteInSqliteOutWithRejectsCacheAndChangesWith() async throws {
        try orders([("u1", "3.5"), ("u2", "oops"), ("u3", "1")], mode: .replace, run: "seed")
        let p = pipeline()
        let first = await recpipe("run", p)
        #expect(first.code == 0, "\(first.out)\(first.err)")
        #expect(first.out.contains("db: 2 ran, 0 cached"), "\(first.out)")
        #expect(first.err.contains("1 bad rows written to"), "\(first.err)")
        #expect(first.err.contains("column 'amount': 'oops' is not a float"), "\(first.err)")
        #expect(first.out.contains("table user_orders replaced (2 rows"), "\(first.out)")
        let t = try exported()
        #expect(
            (0..<t.rowCount).map { "\(t.value(row: $0, col: 0))=\(t.value(row: $0, col: 1))" } == ["u1=3.5", "u3=1.0"])

        let second = await recpipe("run", p)
        #expect(second.out.contains("db: 0 ran, 2 cached"), "\(second.out)")

        // The data changes: count(*) differs at plan time, so the source is read again.
        try orders([("u4", "2")], mode: .append, run: "more")
        let third = await recpipe("run", p)
        #expect(third.out.contains("db: 2 ran, 0 cached"), "\(third.out)")
        #expect(try exported().rowCount == 3)

        // Someone empties the exported table: the cached export is not trusted, it re-runs.
        _ = try SQLiteExporter(path: dir + "/recpipe.sqlite").export([
            try TableExport(
                table: "user_orders", data: Table(), keys: [], runID: "manual", asOf: "2026-12-01", mode: .replace)
        ])
        let fourth = await recpipe("run", p)
        #expect(fourth.out.contains("db: 1 ran, 1 cached"), "\(fourth.out)")
        #expect(try exported().rowCount == 3)
    }

    @Test func alwaysReadsTheSourceOnEveryRun() async throws {
        try orders([("u1", "1")], mode: .replace, run: "seed")
        let p = pipeline(changesWith: "always")
        _ = await recpipe("run", p)
        let second = await recpipe("run", p)
        #expect(second.out.contains("db: 2 ran, 0 cached"), "\(second.out)")
        #expect(second.out.contains("source changed (changes_with: always (read at"), "\(second.out)")
    }

    @Test func badDatabaseSettingsAreLocatedValidationErrors() async {
        let p = TestSupport.write(
            """
            pipeline: bad
            stages:
              a: { uses: ingest, with: { from: { sqlite: shop.sqlite } } }
              b: { uses: ingest, with: { path: x.csv, from: { sqlite: s, query: "SELECT 1" } } }
              c: { uses: ingest, with: { from: { postgres: "postgres://shop:secret@db/x", query: "SELECT 1" } } }
              out:
                uses: export
                inputs: { data: [a] }
                with: { to: out, formats: [postgres], tables: { a: "a; DROP TABLE users" } }
            """, to: "bad.yaml", in: dir)
        let r = await recpipe("validate", p)
        #expect(r.code == 2)
        #expect(r.err.contains("bad.yaml:3:"), "\(r.err)")
        #expect(r.err.contains("`from` needs a `query`"), "\(r.err)")
        #expect(r.err.contains("give either `path` (a file) or `from` (a database query)"), "\(r.err)")
        #expect(r.err.contains("the PostgreSQL URL must not contain a password"), "\(r.err)")
        #expect(r.err.contains("format postgres needs `postgres: postgres://USER@HOST:PORT/DATABASE`"), "\(r.err)")
        #expect(r.err.contains("invalid table name 'a; DROP TABLE users'"), "\(r.err)")
    }

    @Test func aSchemaQualifiedTableWithSQLiteIsALocatedValidationError() async {
        let p = TestSupport.write(
            """
            pipeline: qualified
            stages:
              a: { uses: ingest, with: { path: x.csv } }
              out:
                uses: export
                inputs: { data: [a] }
                with: { to: out, formats: [sqlite], tables: { a: analytics.recs } }
            """, to: "qualified.yaml", in: dir)
        let r = await recpipe("validate", p)
        #expect(r.code == 2)
        #expect(
            r.err.contains("qualified.yaml:7:")
                && r.err.contains("table 'analytics.recs' is schema-qualified, but SQLite has no schemas"),
            "\(r.err)")
    }

    @Test func aDownServerFailsTheExportNamingItAndLeavesFilesAlone() async throws {
        try orders([("u1", "1")], mode: .replace, run: "seed")
        let p = TestSupport.write(
            """
            pipeline: down
            stages:
              orders: { uses: ingest, with: { from: { sqlite: shop.sqlite, query: "SELECT user_id FROM orders" } } }
              out:
                uses: export
                inputs: { data: [orders] }
                with: { to: out, formats: [postgres], postgres: "postgres://recpipe@127.0.0.1:1/shop?sslmode=disable" }
            """, to: "down.yaml", in: dir)
        let r = await recpipe("run", p)
        #expect(r.code == 1)
        #expect(
            (r.out + r.err).contains("PostgreSQL 127.0.0.1:1/shop: cannot connect as 'recpipe'"), "\(r.out)\(r.err)")
        #expect((r.out + r.err).contains("down.yaml:7:"), "\(r.out)\(r.err)")
    }

    /// An experiment moves files and the SQLite file under experiments/NAME/; it cannot move a
    /// server's tables, so it refuses to write them (before connecting) instead of replacing
    /// what production readers see.
    @Test func anExperimentRefusesToWriteProductionPostgresTables() async throws {
        try orders([("u1", "1")], mode: .replace, run: "seed")
        let p = TestSupport.write(
            """
            pipeline: exp
            stages:
              orders: { uses: ingest, with: { from: { sqlite: shop.sqlite, query: "SELECT user_id FROM orders" } } }
              out:
                uses: export
                inputs: { data: [orders] }
                with: { to: out, formats: [csv, postgres], postgres: "postgres://recpipe@127.0.0.1:1/shop?sslmode=disable" }
            """, to: "exp.yaml", in: dir)
        let r = await recpipe("run", p, "--experiment", "try1")
        let output = r.out + r.err
        #expect(r.code == 1)
        #expect(
            output.contains(
                "stage 'out': experiment 'try1' would write the production PostgreSQL tables at "
                    + "postgres://recpipe@127.0.0.1:1/shop?sslmode=disable"), "\(output)")
        #expect(output.contains("exp.yaml:7:"), "\(output)")
        #expect(output.contains("--production"), "\(output)")
        #expect(!output.contains("cannot connect"), "\(output)")
        #expect(!FileManager.default.fileExists(atPath: dir + "/experiments/try1/out"))
        // As production, the same run goes on to the server (down here, so it fails connecting).
        let production = await recpipe("run", p)
        #expect((production.out + production.err).contains("PostgreSQL 127.0.0.1:1/shop: cannot connect as 'recpipe'"))
    }
}
