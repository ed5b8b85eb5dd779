import Testing

@testable import RecpipeData

@Suite struct JSONLinesTests {
    @Test func readsAndInfers() throws {
        let text = """
            {"user": "U1", "n": 3, "price": 1.5, "vip": true, "at": "2026-05-01 10:00:00", "note": null}
            {"user": "张三", "n": 4, "price": 2, "vip": false, "at": "2026-05-02 10:00:00"}

            not json
            {"user": "U3", "n": "many", "price": 1, "vip": false, "at": "2026-05-03 10:00:00"}
            """
        var o = IngestOptions()
        o.inferenceRows = 2
        let r = try JSONLinesReader.read(text: text, options: o)
        #expect(
            r.table.schema == [
                Field("at", .timestamp), Field("n", .int), Field("note", .string), Field("price", .float),
                Field("user", .string), Field("vip", .bool),
            ])
        #expect(r.rowsIn == 4)
        #expect(r.rowsOk == 2)
        #expect(r.rejects.map(\.line) == [4, 5])
        #expect(r.rejects[0].reason == "not a JSON object")
        #expect(r.rejects[1].reason == "key 'n': value does not fit type int")
        #expect(cells(r.table, "user") == [.string("U1"), .string("张三")])
        #expect(cells(r.table, "note") == [.null, .null])
        #expect(cells(r.table, "price") == [.double(1.5), .double(2)])
    }

    @Test func schemaAndPolicies() throws {
        let text = "{\"a\": 1}\n{\"a\": \"x\"}\n"
        let opts = IngestOptions(schema: [ColumnSpec("a", .int, rename: "b")], onBadRow: .fail)
        #expect(throws: IngestError.self) { try JSONLinesReader.read(text: text, options: opts) }
        var only = IngestOptions(schema: [ColumnSpec("zz", .int)])
        only.onlySchemaColumns = true
        let e = #expect(throws: IngestError.self) { try JSONLinesReader.read(text: text, options: only) }
        #expect(e?.code == .missingColumn)
        let ok = try JSONLinesReader.read(
            text: text, options: IngestOptions(schema: [ColumnSpec("a", .int, rename: "b")]))
        #expect(ok.table.columnNames == ["b"])
        #expect(ok.rowsRejected == 1)
        #expect(throws: IngestError.self) { try JSONLinesReader.read(text: "\n \n") }
    }

    @Test func anObjectWithNoColumnKeyIsABadRowAndUnreadKeysAreCounted() throws {
        // Fixed columns (an include read against its main input): nothing inferred, nothing required.
        let text = """
            {"user_id": "U1", "item_id": "I1", "_received_ms": 7}
            {"usr": "U2", "itm": "I2", "_received_ms": 8}
            {"user_id": "U3", "session": "s1"}
            """
        var fixed = IngestOptions(
            schema: [ColumnSpec("user_id", .string), ColumnSpec("item_id", .string), ColumnSpec("_received_ms", .int)])
        fixed.fixedColumns = true
        let r = try JSONLinesReader.read(text: text, options: fixed)
        #expect(r.table.columnNames == ["user_id", "item_id", "_received_ms"])
        #expect(r.rowsIn == 3)
        #expect(r.rowsOk == 2)
        #expect(r.rejects.map(\.line) == [2])
        #expect(r.rejects.first?.reason == "no key of this object is a column (user_id, item_id)")
        #expect(cells(r.table, "item_id") == [.string("I1"), .null])
        #expect(cells(r.table, "_received_ms") == [.int(7), .null])
        #expect(r.ignoredKeyLines == 1)
        #expect(r.firstIgnoredKey?.line == 3)
        #expect(r.firstIgnoredKey?.key == "session")

        // Inferred columns: a key first seen after the sample is counted; an object without any
        // sampled key is a bad row, not a row of nulls.
        var inferred = IngestOptions()
        inferred.inferenceRows = 1
        let i = try JSONLinesReader.read(text: "{\"a\": 1}\n{\"a\": 2, \"b\": 3}\n{\"c\": 4}\n", options: inferred)
        #expect(i.table.columnNames == ["a"])
        #expect(cells(i.table, "a") == [.int(1), .int(2)])
        #expect(i.rejects.map(\.line) == [3])
        #expect(i.ignoredKeyLines == 1)
        #expect(i.firstIgnoredKey?.key == "b")

        // Only-schema columns drop other keys on purpose: nothing is counted.
        var only = IngestOptions(schema: [ColumnSpec("a", .int)])
        only.onlySchemaColumns = true
        #expect(try JSONLinesReader.read(text: "{\"a\": 1, \"b\": 2}\n", options: only).ignoredKeyLines == 0)
    }
}
