import Foundation
import RecpipeData
import RecpipeEngine
import RecpipeSpec
import Testing

@testable import RecpipeStages

/// `include:` appends a JSON Lines log (the server's) to a CSV input, read against the main
/// input's columns: nothing foreign becomes a row of nulls or a new column, and what is not
/// read is counted and shown.
@Suite struct IngestIncludeTests {
    @Test func theLogIsReadAgainstTheMainColumns() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("include-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir + "/log", withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try "user_id,item_id,quantity\nU1,I1,1\nU2,I2,2\n".write(
            toFile: dir + "/events.csv", atomically: true, encoding: .utf8)
        try """
        {"user_id":"U3","item_id":"I1","quantity":3,"_received_ms":100}
        {"usr":"U4","itm":"I2","_received_ms":101}
        {"user_id":"U5","item_id":"I2","quantity":1,"session":"s9","_received_ms":102}

        """.write(toFile: dir + "/log/events.jsonl", atomically: true, encoding: .utf8)
        // A server that started and accepted nothing leaves an empty log: nothing to add, no error.
        try "".write(toFile: dir + "/log/empty.jsonl", atomically: true, encoding: .utf8)
        try "\n".write(toFile: dir + "/log/newline.jsonl", atomically: true, encoding: .utf8)
        let ctx = StageHarness.context(
            "ingest", params: ["path": .string("events.csv"), "include": .string("log")],
            base: dir, runDirectory: dir)
        let out = try await IngestStage().run(ctx)
        let table = try #require(out.artifact as? Table)
        // The log's rows in the main input's columns plus the receive stamp; 'session' is not a column.
        #expect(table.columnNames == ["user_id", "item_id", "quantity", "_received_ms"])
        #expect((0..<table.rowCount).map { table.string(row: $0, col: 0) } == ["U1", "U2", "U3", "U5"])
        #expect(table.int(row: 2, col: 2) == 3)
        #expect(table.int(row: 3, col: 3) == 102)
        #expect(table.isNull(row: 0, col: 3))
        // The line with none of the columns is a bad row; the unread key is counted and shown.
        #expect(out.counters.contains(.init("rows_ok", 4)))
        #expect(out.counters.contains(.init("rows_rejected", 1)))
        #expect(out.counters.contains(.init("include_lines_with_unread_keys", 1)))
        #expect(
            out.warnings.contains {
                $0.hasPrefix("1 bad rows written to \(dir)/ingest.rejects.csv") && $0.contains("no key of this object")
            })
        let rejects = try String(contentsOfFile: dir + "/ingest.rejects.csv", encoding: .utf8)
        #expect(rejects.contains("events.jsonl: no key of this object is a column (user_id, item_id, quantity)"))
        #expect(
            out.warnings.contains {
                $0.hasPrefix("include: 1 line(s) have a key that is not a column of the main input")
                    && $0.contains("events.jsonl line 3, key 'session'")
            })
        #expect(out.notes.contains("include: 2 row(s) from 3 file(s) at log"))
    }
}
