import Foundation
import Testing

@testable import RecpipeData

@Suite struct CSVRejectTests {
    static let schema = [
        ColumnSpec("id", .int), ColumnSpec("price", .float), ColumnSpec("ok", .bool),
        ColumnSpec("at", .timestamp, format: "%Y-%m-%d"),
    ]

    @Test func everyRejectReason() throws {
        let text = """
            id,price,ok,at
            1,2.5,true,2026-01-01
            x,2.5,true,2026-01-01
            2,abc,true,2026-01-01
            3,2.5,maybe,2026-01-01
            4,2.5,true,2026-13-01
            5,2.5,true
            6,"2.5"x,true,2026-01-01
            7,2.5,true,"2026-01-01
            """
        let r = try csv(text, schema: Self.schema)
        #expect(r.rowsIn == 8)
        #expect(r.rowsOk == 1)
        #expect(r.rowsRejected == 7)
        #expect(r.rejects.map(\.line) == [3, 4, 5, 6, 7, 8, 9])
        let reasons = r.rejects.map(\.reason)
        #expect(reasons[0] == "column 'id': cannot parse 'x' as int")
        #expect(reasons[1] == "column 'price': cannot parse 'abc' as float")
        #expect(reasons[2] == "column 'ok': cannot parse 'maybe' as bool")
        #expect(reasons[3] == "column 'at': cannot parse '2026-13-01' as a timestamp (%Y-%m-%d)")
        #expect(reasons[4] == "expected 4 fields, found 3")
        #expect(reasons[5] == "unexpected text after the closing quote of field 2")
        #expect(reasons[6].hasPrefix("unterminated quoted field"))
        #expect(r.rejects[6].raw == "7,2.5,true,\"2026-01-01")
    }

    @Test func skipCountsOnlyAndFailThrows() throws {
        let text = "id\n1\nx\n3\n"
        let skip = try csv(text, schema: [ColumnSpec("id", .int)]) { $0.onBadRow = .skip }
        #expect(skip.rowsRejected == 1)
        #expect(skip.rejects.isEmpty)
        #expect(skip.rowsIn == skip.rowsOk + skip.rowsRejected)
        let e = #expect(throws: IngestError.self) {
            try csv(text, schema: [ColumnSpec("id", .int)]) { $0.onBadRow = .fail }
        }
        #expect(e?.code == .badRow)
        #expect(e?.description.contains("test.csv") == true)
        #expect(e?.description.contains("line 3") == true)
    }

    @Test func maxBadRowsByCountAndPercent() throws {
        let text = "id\n1\nx\n3\ny\n5\n6\n7\n8\n9\n10\n"  // 2 of 10 bad
        let spec = [ColumnSpec("id", .int)]
        #expect(try csv(text, schema: spec) { $0.maxBadRows = .count(2) }.rowsRejected == 2)
        let e = #expect(throws: IngestError.self) { try csv(text, schema: spec) { $0.maxBadRows = .count(1) } }
        #expect(e?.code == .tooManyBadRows)
        #expect(e?.message.contains("line 3: column 'id'") == true)
        #expect(e?.message.contains("line 5") == true)
        #expect(try csv(text, schema: spec) { $0.maxBadRows = .percent(20) }.rowsOk == 8)
        #expect(throws: IngestError.self) { try csv(text, schema: spec) { $0.maxBadRows = .percent(19.9) } }
        // skip mode still names the first bad lines when the limit is exceeded
        let s = #expect(throws: IngestError.self) {
            try csv(text, schema: spec) {
                $0.onBadRow = .skip; $0.maxBadRows = .count(0)
            }
        }
        #expect(s?.message.contains("line 3") == true)
    }

    @Test func errorKindsNameTheFile() throws {
        let dir = try makeTempDir()
        let missing = #expect(throws: IngestError.self) { try CSVReader.read(path: dir + "/nope.csv") }
        #expect(missing?.code == .missingFile)
        #expect(missing?.path == dir + "/nope.csv")
        try "a\n1\n".write(toFile: dir + "/events.csv", atomically: true, encoding: .utf8)
        let typo = #expect(throws: IngestError.self) { try CSVReader.read(path: dir + "/event.csv") }
        #expect(typo?.hint == "did you mean 'events.csv'?")
        let folder = #expect(throws: IngestError.self) { try CSVReader.read(path: dir) }
        #expect(folder?.code == .unreadableFile)
        try "".write(toFile: dir + "/empty.csv", atomically: true, encoding: .utf8)
        #expect(
            (#expect(throws: IngestError.self) { try CSVReader.read(path: dir + "/empty.csv") })?.code == .emptyFile)
        try "\n\n".write(toFile: dir + "/blank.csv", atomically: true, encoding: .utf8)
        #expect(
            (#expect(throws: IngestError.self) { try CSVReader.read(path: dir + "/blank.csv") })?.code == .emptyFile)
        let col = #expect(throws: IngestError.self) {
            try CSVReader.read(path: dir + "/events.csv", options: IngestOptions(schema: [ColumnSpec("b", .int)]))
        }
        #expect(col?.code == .missingColumn)
        #expect(col?.message.contains("'b'") == true)
        try "user_id\n1\n".write(toFile: dir + "/u.csv", atomically: true, encoding: .utf8)
        let hinted = #expect(throws: IngestError.self) {
            try CSVReader.read(path: dir + "/u.csv", options: IngestOptions(schema: [ColumnSpec("userid", .int)]))
        }
        #expect(hinted?.hint == "did you mean 'user_id'?")
        #expect(hinted?.diagnostic.code == "missing-column")
        let fmt = #expect(throws: IngestError.self) {
            try CSVReader.read(
                path: dir + "/u.csv", options: IngestOptions(schema: [ColumnSpec("user_id", .timestamp, format: "%Q")]))
        }
        #expect(fmt?.code == .invalidOption)
    }

    @Test func rejectsFileIsCSV() throws {
        let dir = try makeTempDir()
        let r = try csv("id\n1\n\"x,\"\"y\"\"\"\n", schema: [ColumnSpec("id", .int)])
        try TableWriter.writeRejects(r.rejects, to: dir + "/rejects.csv")
        let back = try CSVReader.read(path: dir + "/rejects.csv")
        #expect(back.table.columnNames == ["line", "reason", "raw"])
        #expect(cells(back.table, "line") == [.int(3)])
        #expect(cells(back.table, "raw") == [.string("\"x,\"\"y\"\"\"")])
    }
}
