import Foundation
import GRDB
import RecpipeData
import RecpipeTestSupport
import Synchronization
import Testing

@testable import RecpipeDatabase

@Suite struct SQLiteExportTests {
    let path = TestSupport.temporaryDirectory("sqlite") + "/out/recpipe.sqlite"

    func read(_ sql: String) throws -> [[String]] {
        let q = try DatabaseQueue(path: path)
        defer { try? q.close() }
        return try q.read { db in
            try Row.fetchAll(db, sql: sql).map { row in
                row.databaseValues.map { $0.isNull ? "NULL" : "\($0.storage.value!)" }
            }
        }
    }

    @Test func replaceWritesTypedColumnsWithRunIDAndAsOf() throws {
        let t = try Fixtures.export(Fixtures.recommendations(), table: "recs", mode: .replace)
        let done = try SQLiteExporter(path: path).export([t])
        #expect(done == [ExportedTable(table: "recs", rows: 4, mode: .replace)])
        #expect(
            try read(
                "SELECT user_id, rank, item_id, score, provenance, run_id, as_of FROM recs WHERE user_id = 'u2' ORDER BY rank"
            ) == [
                ["u2", "1", "a", "2.0", "als", "run1", "2026-12-01"],
                ["u2", "2", "b", "1.0", "als", "run1", "2026-12-01"],
            ])
        #expect(
            try read("SELECT name, type FROM pragma_table_info('recs')") == [
                ["user_id", "TEXT"], ["rank", "INTEGER"], ["item_id", "TEXT"], ["score", "REAL"],
                ["provenance", "TEXT"],
                ["run_id", "TEXT"], ["as_of", "TEXT"],
            ])
        #expect(try read("PRAGMA journal_mode") == [["wal"]])
        // A second replace swaps the whole table; no staging table is left behind.
        let t2 = try Fixtures.export(
            Fixtures.recommendations(scoreOffset: 10, users: ["u3"]), table: "recs", mode: .replace, run: "run2")
        _ = try SQLiteExporter(path: path).export([t2])
        #expect(
            try read("SELECT user_id, score, run_id FROM recs ORDER BY rank") == [
                ["u3", "12.0", "run2"], ["u3", "11.0", "run2"],
            ])
        #expect(try read("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name") == [["recs"]])
    }

    @Test func nullsTimestampsAndBoolsKeepTheirMeaning() throws {
        let data = try Table(
            schema: [.init("id", .int), .init("seen", .timestamp), .init("vip", .bool), .init("note", .string)],
            rows: [
                [.int(1), .timestamp(86_400 + 3_661), .bool(true), .null],
                [.null, .null, .bool(false), .string("tab\there")],
            ])
        _ = try SQLiteExporter(path: path).export([try Fixtures.export(data, table: "t", mode: .replace, keys: [])])
        #expect(
            try read("SELECT id, seen, vip, note FROM t ORDER BY id NULLS LAST") == [
                ["1", "1970-01-02 01:01:01", "1", "NULL"], ["NULL", "NULL", "0", "tab\there"],
            ])
    }

    @Test func appendAddsRunsAndReplacesARerunOfTheSameRun() throws {
        let e = SQLiteExporter(path: path)
        _ = try e.export([try Fixtures.export(Fixtures.recommendations(), table: "recs", mode: .append, run: "r1")])
        _ = try e.export([
            try Fixtures.export(Fixtures.recommendations(scoreOffset: 1), table: "recs", mode: .append, run: "r2")
        ])
        _ = try e.export([
            try Fixtures.export(Fixtures.recommendations(scoreOffset: 5), table: "recs", mode: .append, run: "r2")
        ])
        #expect(
            try read("SELECT run_id, count(*), sum(score) FROM recs GROUP BY run_id ORDER BY run_id") == [
                ["r1", "4", "6.0"], ["r2", "4", "26.0"],
            ])
    }

    @Test func replaceAndANewAppendTableCarryTheLookupIndex() throws {
        let e = SQLiteExporter(path: path)
        for run in ["r1", "r2"] {
            _ = try e.export([
                try TableExport(
                    table: "recs", data: Fixtures.recommendations(), keys: [], index: ["user_id", "rank"], runID: run,
                    asOf: "2026-12-01", mode: .replace),
                try TableExport(
                    table: "log", data: Fixtures.recommendations(), keys: [], index: ["user_id", "rank"], runID: run,
                    asOf: "2026-12-01", mode: .append),
            ])
        }
        #expect(
            try read("SELECT tbl_name, name, sql FROM sqlite_master WHERE type = 'index' ORDER BY name") == [
                ["log", "log__rp_idx", "CREATE INDEX \"log__rp_idx\" ON \"log\" (\"user_id\", \"rank\")"],
                ["log", "log__rp_run", "CREATE INDEX \"log__rp_run\" ON \"log\" (run_id)"],
                ["recs", "recs__rp_idx", "CREATE INDEX \"recs__rp_idx\" ON \"recs\" (\"user_id\", \"rank\")"],
            ])
        #expect(try read("SELECT count(*), min(run_id) FROM recs") == [["4", "r2"]])
    }

    @Test func schemaQualifiedNamesAreRefusedBeforeWriting() throws {
        let error = #expect(throws: DatabaseFailure.self) {
            try SQLiteExporter(path: path).export([
                try Fixtures.export(Fixtures.recommendations(), table: "analytics.recs", mode: .replace)
            ])
        }
        #expect(
            error?.message
                == "SQLite \(path): table 'analytics.recs': SQLite has no schemas (a name before '.' would be an attached database)"
        )
        #expect(!FileManager.default.fileExists(atPath: path))
    }

    @Test func upsertUpdatesByKeyAndInsertsNewKeys() throws {
        let e = SQLiteExporter(path: path)
        _ = try e.export([try Fixtures.export(Fixtures.recommendations(), table: "recs", mode: .upsert, run: "r1")])
        _ = try e.export([
            try Fixtures.export(
                Fixtures.recommendations(scoreOffset: 10, users: ["u2", "u3"]), table: "recs", mode: .upsert, run: "r2")
        ])
        #expect(
            try read("SELECT user_id, item_id, score, run_id FROM recs ORDER BY user_id, item_id") == [
                ["u1", "a", "2.0", "r1"], ["u1", "b", "1.0", "r1"],
                ["u2", "a", "12.0", "r2"], ["u2", "b", "11.0", "r2"],
                ["u3", "a", "12.0", "r2"], ["u3", "b", "11.0", "r2"],
            ])
    }

    @Test func aFailedExportLeavesEveryPreviousTableUntouched() throws {
        let e = SQLiteExporter(path: path)
        _ = try e.export([
            try Fixtures.export(Fixtures.recommendations(), table: "recs", mode: .replace),
            try Fixtures.export(Fixtures.recommendations(), table: "kept", mode: .append),
        ])
        // The second table cannot take the rows (other columns): the replace of the first
        // table, in the same transaction, is rolled back too.
        let other = try Fixtures.recommendations().selecting(["user_id", "item_id"])
        let error = #expect(throws: DatabaseFailure.self) {
            try e.export([
                try Fixtures.export(
                    Fixtures.recommendations(scoreOffset: 100), table: "recs", mode: .replace, run: "bad"),
                try Fixtures.export(other, table: "kept", mode: .append, run: "bad"),
            ])
        }
        #expect(
            error?.message.hasPrefix("SQLite \(path): table 'kept' has columns") == true, "\(String(describing: error))"
        )
        #expect(try read("SELECT DISTINCT run_id, sum(score) FROM recs") == [["run1", "6.0"]])
        #expect(try read("SELECT DISTINCT run_id FROM kept") == [["run1"]])
        #expect(try read("SELECT count(*) FROM sqlite_master WHERE name LIKE '%rp_new'") == [["0"]])
    }

    @Test func aFailureInsideSQLiteIsRolledBackAndNamesFileAndTable() throws {
        let e = SQLiteExporter(path: path)
        _ = try e.export([try Fixtures.export(Fixtures.recommendations(), table: "recs", mode: .replace)])
        // A trigger that refuses every row stands in for any failure inside SQLite (disk full…).
        let q = try DatabaseQueue(path: path)
        try q.write { db in
            try db.execute(sql: "CREATE TABLE audit (x INTEGER, run_id TEXT NOT NULL, as_of TEXT NOT NULL)")
            try db.execute(
                sql: "CREATE TRIGGER closed BEFORE INSERT ON audit BEGIN SELECT RAISE(ABORT, 'audit is closed'); END")
        }
        try q.close()
        let rows = try Table(schema: [.init("x", .int)], rows: [[.int(1)]])
        let error = #expect(throws: DatabaseFailure.self) {
            try e.export([
                try Fixtures.export(
                    Fixtures.recommendations(scoreOffset: 100), table: "recs", mode: .replace, run: "bad"),
                try TableExport(table: "audit", data: rows, keys: [], runID: "bad", asOf: "2026-12-01", mode: .append),
            ])
        }
        #expect(error?.code == .writeFailed)
        #expect(
            error?.message.hasPrefix("SQLite \(path): cannot write table 'audit': ") == true,
            "\(String(describing: error))")
        #expect(error?.message.contains("audit is closed") == true)
        #expect(try read("SELECT DISTINCT run_id FROM recs") == [["run1"]])
        #expect(try read("SELECT count(*) FROM audit") == [["0"]])
    }

    @Test func upsertRefusesDuplicateKeysInOneExport() throws {
        let error = #expect(throws: DatabaseFailure.self) {
            try Fixtures.export(Fixtures.recommendations().take(rows: [0, 1, 0, 2]), table: "recs", mode: .upsert)
        }
        #expect(
            error?.message
                == "table 'recs': 1 row repeats a key (user_id, item_id) of an earlier row, e.g. (u1, a); an upsert needs one row per key"
        )
    }

    @Test func appendingOtherColumnsIsASchemaMismatchNamingTheTable() throws {
        let e = SQLiteExporter(path: path)
        _ = try e.export([try Fixtures.export(Fixtures.recommendations(), table: "recs", mode: .append)])
        let other = try Fixtures.recommendations().selecting(["user_id", "item_id", "score"])
        let error = #expect(throws: DatabaseFailure.self) {
            try e.export([try Fixtures.export(other, table: "recs", mode: .append, run: "r2")])
        }
        #expect(error?.code == .schemaMismatch)
        #expect(
            error?.message.contains(
                "table 'recs' has columns (user_id, rank, item_id, score, provenance, run_id, as_of)") == true)
    }

    /// A reader polling the table while replaces run sees, every time, one whole run: never an
    /// empty, missing or mixed table. The reader is its own thread (a blocking loop on the
    /// concurrency pool could hold one of its few threads for good) and keeps each distinct
    /// snapshot once, with how often it saw it.
    @Test func aConcurrentReaderSeesTheOldOrTheNewTableNeverAMix() async throws {
        let users = (0..<20_000).map { "u\($0)" }
        _ = try SQLiteExporter(path: path).export([
            try Fixtures.export(Fixtures.recommendations(users: users), table: "recs", mode: .replace, run: "r0")
        ])
        let path = self.path
        struct Reads: Sendable {
            var seen: [String: Int] = [:]
            var count = 0
            var stop = false
            var done = false
        }
        let state = Mutex(Reads())
        Thread.detachNewThread {
            defer { state.withLock { $0.done = true } }
            var config = Configuration()
            config.readonly = true
            guard let pool = try? DatabasePool(path: path, configuration: config) else {
                state.withLock { $0.seen["error: cannot open the pool", default: 0] += 1 }
                return
            }
            while !state.withLock({ $0.stop }) {
                let snapshot: String
                do {
                    snapshot = try pool.read { db in
                        try Row.fetchAll(db, sql: "SELECT run_id, count(*) FROM recs GROUP BY run_id")
                    }.map { "\($0[0] as String):\($0[1] as Int)" }.joined(separator: ",")
                } catch {
                    snapshot = "error: \(error)"
                }
                state.withLock {
                    $0.seen[snapshot, default: 0] += 1
                    $0.count += 1
                }
            }
        }
        while state.withLock({ $0.count == 0 && !$0.done }) { try await Task.sleep(for: .milliseconds(1)) }
        for run in 1...5 {
            _ = try SQLiteExporter(path: path).export([
                try Fixtures.export(
                    Fixtures.recommendations(users: users), table: "recs", mode: .replace, run: "r\(run)")
            ])
        }
        state.withLock { $0.stop = true }
        while !state.withLock({ $0.done }) { try await Task.sleep(for: .milliseconds(1)) }
        let reads = state.withLock { $0 }
        #expect(reads.count > 1)
        let whole = Set((0...5).map { "r\($0):\(2 * users.count)" })
        for (s, n) in reads.seen { #expect(whole.contains(s), "reader saw \(s) (\(n) times)") }
    }
}
