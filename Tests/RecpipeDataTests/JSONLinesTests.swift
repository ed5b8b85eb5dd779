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
}
