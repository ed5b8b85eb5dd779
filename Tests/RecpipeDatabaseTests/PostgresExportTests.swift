import Foundation
import RecpipeData
import Synchronization
import Testing

@testable import RecpipeDatabase

@Suite(.enabled(PostgresTestServer.skipReason, { await PostgresTestServer.available() }))
struct PostgresExportTests {
    let server = DatabaseTarget.postgres(PostgresTestServer.location)

    func rows(_ sql: String) async throws -> [[String]] {
        let t = try await PostgresTestServer.rows(sql)
        return (0..<t.rowCount).map { r in t.row(r).map(\.description) }
    }

    @Test func replaceCopiesTypedColumnsAndSwaps() async throws {
        let name = PostgresTestServer.tableName("replace")
        let done = try await server.export([
            try Fixtures.export(Fixtures.recommendations(), table: name, mode: .replace)
        ])
        #expect(done == [ExportedTable(table: name, rows: 4, mode: .replace)])
        #expect(
            try await rows(
                "SELECT user_id, rank, item_id, score, provenance, run_id, as_of::text FROM \(name) WHERE user_id = 'u2' ORDER BY rank"
            ) == [
                ["u2", "1", "a", "2.0", "als", "run1", "2026-12-01"],
                ["u2", "2", "b", "1.0", "als", "run1", "2026-12-01"],
            ])
        #expect(
            try await rows(
                "SELECT column_name::text, data_type::text FROM information_schema.columns WHERE table_name = '\(name)' ORDER BY ordinal_position"
            ) == [
                ["user_id", "text"], ["rank", "bigint"], ["item_id", "text"], ["score", "double precision"],
                ["provenance", "text"],
                ["run_id", "text"], ["as_of", "date"],
            ])
        _ = try await server.export([
            try Fixtures.export(
                Fixtures.recommendations(scoreOffset: 10, users: ["u3"]), table: name, mode: .replace, run: "run2")
        ])
        #expect(
            try await rows("SELECT user_id, score, run_id FROM \(name) ORDER BY rank") == [
                ["u3", "12.0", "run2"], ["u3", "11.0", "run2"],
            ])
        #expect(
            try await PostgresTestServer.scalar("SELECT count(*) FROM pg_tables WHERE tablename = '\(name)__rp_new'")
                == "0")
    }

    @Test func copyEscapesTextAndKeepsNullsTimestampsBools() async throws {
        let name = PostgresTestServer.tableName("escape")
        let data = try Table(
            schema: [
                .init("id", .int), .init("seen", .timestamp), .init("vip", .bool), .init("note", .string),
                .init("x", .float),
            ],
            rows: [
                [
                    .int(-42), .timestamp(86_400 + 3_661), .bool(true), .string("tab\there\nback\\slash"),
                    .double(.infinity),
                ],
                [.null, .null, .bool(false), .null, .double(1e-5)],
            ])
        _ = try await server.export([try Fixtures.export(data, table: name, mode: .replace, keys: [])])
        #expect(
            try await rows("SELECT id, seen AT TIME ZONE 'UTC', vip, note, x FROM \(name) ORDER BY id NULLS LAST") == [
                ["-42", "1970-01-02 01:01:01", "true", "tab\there\nback\\slash", "inf"],
                ["null", "null", "false", "null", "1e-05"],
            ])
    }

    @Test func appendAddsRunsAndUpsertUpdatesByKey() async throws {
        let appended = PostgresTestServer.tableName("append")
        _ = try await server.export([
            try Fixtures.export(Fixtures.recommendations(), table: appended, mode: .append, run: "r1")
        ])
        _ = try await server.export([
            try Fixtures.export(Fixtures.recommendations(scoreOffset: 1), table: appended, mode: .append, run: "r2")
        ])
        _ = try await server.export([
            try Fixtures.export(Fixtures.recommendations(scoreOffset: 5), table: appended, mode: .append, run: "r2")
        ])
        #expect(
            try await rows("SELECT run_id, count(*), sum(score) FROM \(appended) GROUP BY run_id ORDER BY run_id") == [
                ["r1", "4", "6.0"], ["r2", "4", "26.0"],
            ])

        let upserted = PostgresTestServer.tableName("upsert")
        _ = try await server.export([
            try Fixtures.export(Fixtures.recommendations(), table: upserted, mode: .upsert, run: "r1")
        ])
        _ = try await server.export([
            try Fixtures.export(
                Fixtures.recommendations(scoreOffset: 10, users: ["u2", "u3"]), table: upserted, mode: .upsert,
                run: "r2")
        ])
        #expect(
            try await rows("SELECT user_id, item_id, score, run_id FROM \(upserted) ORDER BY user_id, item_id") == [
                ["u1", "a", "2.0", "r1"], ["u1", "b", "1.0", "r1"], ["u2", "a", "12.0", "r2"],
                ["u2", "b", "11.0", "r2"],
                ["u3", "a", "12.0", "r2"], ["u3", "b", "11.0", "r2"],
            ])
    }

    @Test func aFailedExportRollsBackEveryTableAndNamesHostAndTable() async throws {
        let recs = PostgresTestServer.tableName("keep"), kept = PostgresTestServer.tableName("kept")
        _ = try await server.export([
            try Fixtures.export(Fixtures.recommendations(), table: recs, mode: .replace),
            try Fixtures.export(Fixtures.recommendations(), table: kept, mode: .append),
        ])
        let other = try Fixtures.recommendations().selecting(["user_id", "item_id"])
        let error = await #expect(throws: DatabaseFailure.self) {
            try await server.export([
                try Fixtures.export(
                    Fixtures.recommendations(scoreOffset: 100), table: recs, mode: .replace, run: "bad"),
                try Fixtures.export(other, table: kept, mode: .append, run: "bad"),
            ])
        }
        #expect(
            error?.message.hasPrefix("PostgreSQL \(PostgresTestServer.location): table '\(kept)' has columns") == true,
            "\(String(describing: error))")
        #expect(try await rows("SELECT DISTINCT run_id, sum(score) FROM \(recs) GROUP BY run_id") == [["run1", "6.0"]])
        #expect(try await rows("SELECT DISTINCT run_id FROM \(kept)") == [["run1"]])
        #expect(
            try await PostgresTestServer.scalar("SELECT count(*) FROM pg_tables WHERE tablename = '\(recs)__rp_new'")
                == "0")
    }

    @Test func aServerSideErrorIsRolledBackAndNamesTheTable() async throws {
        let recs = PostgresTestServer.tableName("srv"), audit = PostgresTestServer.tableName("audit")
        _ = try await server.export([try Fixtures.export(Fixtures.recommendations(), table: recs, mode: .replace)])
        // A trigger that refuses every row stands in for any failure inside the server.
        _ = try await PostgresTestServer.rows(
            "CREATE TABLE \(audit) (x BIGINT, run_id TEXT NOT NULL, as_of DATE NOT NULL)")
        _ = try await PostgresTestServer.rows(
            "CREATE FUNCTION \(audit)_closed() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'audit is closed'; END $$"
        )
        _ = try await PostgresTestServer.rows(
            "CREATE TRIGGER closed BEFORE INSERT ON \(audit) FOR EACH ROW EXECUTE FUNCTION \(audit)_closed()")
        let rows = try Table(schema: [.init("x", .int)], rows: [[.int(1)]])
        let error = await #expect(throws: DatabaseFailure.self) {
            try await server.export([
                try Fixtures.export(
                    Fixtures.recommendations(scoreOffset: 100), table: recs, mode: .replace, run: "bad"),
                try TableExport(table: audit, data: rows, keys: [], runID: "bad", asOf: "2026-12-01", mode: .append),
            ])
        }
        #expect(
            error?.message.hasPrefix(
                "PostgreSQL \(PostgresTestServer.location): cannot write table '\(audit)': audit is closed") == true,
            "\(String(describing: error))")
        #expect(error?.message.hasSuffix("the previous tables are unchanged") == true)
        #expect(try await self.rows("SELECT DISTINCT run_id FROM \(recs)") == [["run1"]])
    }

    /// Readers polling during replaces see one whole run each time: the swap is one transaction.
    @Test func aConcurrentReaderSeesTheOldOrTheNewTableNeverAMix() async throws {
        let name = PostgresTestServer.tableName("swap")
        let users = (0..<20_000).map { "u\($0)" }
        _ = try await server.export([
            try Fixtures.export(Fixtures.recommendations(users: users), table: name, mode: .replace, run: "r0")
        ])
        let reads = Mutex(0)
        // Each distinct snapshot once, with how often it was seen (a long test keeps little).
        let reader = Task { () -> [String: Int] in
            var seen: [String: Int] = [:]
            while !Task.isCancelled {
                do {
                    let t = try await PostgresTestServer.rows("SELECT run_id, count(*) FROM \(name) GROUP BY run_id")
                    let snapshot = (0..<t.rowCount).map { "\(t.value(row: $0, col: 0)):\(t.value(row: $0, col: 1))" }
                        .joined(separator: ",")
                    seen[snapshot, default: 0] += 1
                } catch {
                    if Task.isCancelled { break }  // the test is done: the read was cancelled
                    seen["error: \(error)", default: 0] += 1
                }
                reads.withLock { $0 += 1 }
            }
            return seen
        }
        while reads.withLock({ $0 }) == 0 { try await Task.sleep(for: .milliseconds(1)) }
        for run in 1...4 {
            _ = try await server.export([
                try Fixtures.export(Fixtures.recommendations(users: users), table: name, mode: .replace, run: "r\(run)")
            ])
        }
        reader.cancel()
        let seen = await reader.value
        #expect(seen.values.reduce(0, +) > 1)
        let whole = Set((0...4).map { "r\($0):\(2 * users.count)" })
        for (s, n) in seen { #expect(whole.contains(s), "reader saw \(s) (\(n) times)") }
    }

    @Test func rowCountChecksWhatACachedExportWrote() async throws {
        let name = PostgresTestServer.tableName("check")
        _ = try await server.export([
            try Fixtures.export(Fixtures.recommendations(), table: name, mode: .replace, run: "r7")
        ])
        let target = server
        let counts = await Task.detached {
            (target.rowCount(table: name, runID: "r7"), target.rowCount(table: name, runID: "r8"))
        }.value
        #expect(counts.0 == 4)
        #expect(counts.1 == 0)
        // With sslmode=prefer (the default) the check connects as the export does, TLS or not.
        var prefer = PostgresTestServer.location
        prefer.tls = .prefer
        let preferred = DatabaseTarget.postgres(prefer)
        #expect(await Task.detached { preferred.rowCount(table: name, runID: "r7") }.value == 4)
    }

    @Test func ingestReadsAQueryWithTypesAndRejects() async throws {
        let name = PostgresTestServer.tableName("source")
        let data = try Table(
            schema: [.init("user_id", .string), .init("amount", .string), .init("at", .timestamp)],
            rows: [
                [.string("u1"), .string("3.5"), .timestamp(1_700_000_000)], [.string("u2"), .string("oops"), .null],
                [.string("u3"), .string("1"), .timestamp(0)],
            ])
        _ = try await server.export([try Fixtures.export(data, table: name, mode: .replace, keys: [])])
        var options = IngestOptions(schema: [ColumnSpec("amount", .float)])
        options.onBadRow = .quarantine
        let r = try await DatabaseReader.read(
            server, query: "SELECT user_id, amount, at FROM \(name) ORDER BY user_id", options: options)
        #expect(r.rowsIn == 3)
        #expect(r.rowsOk == 2)
        #expect(r.rejects.map(\.description) == ["line 2: column 'amount': 'oops' is not a float"])
        #expect(r.table.schema == [.init("user_id", .string), .init("amount", .float), .init("at", .timestamp)])
        #expect(r.table.row(0) == [.string("u1"), .double(3.5), .timestamp(1_700_000_000)])
        let state = try await DatabaseReader.state(server, query: "SELECT * FROM \(name)", changesWith: "max(at)")
        #expect(state == "2023-11-14 22:13:20")
    }
}

@Suite struct PostgresFailureTests {
    /// Nothing listens on port 1: the error names the server, and nothing is half-done.
    @Test func aRefusedConnectionNamesTheServer() async throws {
        let down = DatabaseTarget.postgres(
            PostgresLocation(host: "127.0.0.1", port: 1, user: "recpipe", database: "shop", tls: .disable))
        let error = await #expect(throws: DatabaseFailure.self) {
            try await down.export([try Fixtures.export(Fixtures.recommendations(), table: "recs", mode: .replace)])
        }
        #expect(error?.code == .connectionFailed)
        #expect(
            error?.message.hasPrefix("PostgreSQL 127.0.0.1:1/shop: cannot connect as 'recpipe'") == true,
            "\(String(describing: error))")
        #expect(error?.hint?.contains("~/.pgpass") == true)
        #expect(down.rowCount(table: "recs", runID: "r") == nil)
    }
}
