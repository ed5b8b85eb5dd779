import Testing

@testable import RecpipeData

@Suite struct TableTests {
    static let schema = [
        Field("id", .int), Field("name", .string), Field("score", .float), Field("ok", .bool), Field("at", .timestamp),
    ]
    static func sample() throws -> Table {
        try Table(
            schema: schema,
            rows: [
                [.int(1), .string("张三"), .double(1.5), .bool(true), .timestamp(0)],
                [.int(2), .null, .int(2), .bool(false), .timestamp(86_400)],
                [.null, .string("bob"), .null, .null, .null],
            ])
    }

    @Test func buildsFromRowsAndReadsTypedCells() throws {
        let t = try Self.sample()
        #expect(t.rowCount == 3)
        #expect(t.schema == Self.schema)
        #expect(t.int(row: 0, col: 0) == 1)
        #expect(t.int(row: 2, col: 0) == nil)
        #expect(t.isNull(row: 2, col: 0))
        #expect(t.string(row: 0, col: 1) == "张三")
        #expect(t.string(row: 1, col: 1) == nil)
        #expect(t.double(row: 1, col: 2) == 2)
        #expect(t.bool(row: 1, col: 3) == false)
        #expect(t.timestamp(row: 1, col: 4) == 86_400)
        #expect(t.value(row: 1, col: 4).description == "1970-01-02 00:00:00")
        #expect(t.row(2) == [.null, .string("bob"), .null, .null, .null])
    }

    @Test func selectTakeFilterAppend() throws {
        let t = try Self.sample()
        let s = try t.selecting(["score", "id"])
        #expect(s.columnNames == ["score", "id"])
        #expect(s.rowCount == 3)
        let taken = t.take(rows: [2, 0, 0])
        #expect(cells(taken, "id") == [.null, .int(1), .int(1)])
        let f = t.filter(mask: [false, true, true])
        #expect(cells(f, "name") == [.null, .string("bob")])
        let added = try t.appending(Column(name: "n", type: .int, values: [.int(7), .int(8), .int(9)]))
        #expect(added.columnNames.last == "n")
        #expect(t.columnCount == 5)  // copy-on-write: the original is untouched
        #expect(throws: TableError.self) { try t.appending(Column(name: "x", type: .int, values: [.int(1)])) }
    }

    @Test func errorsNameTheColumn() throws {
        let t = try Self.sample()
        let e = #expect(throws: TableError.self) { try t.selecting(["scor"]) }
        #expect(e?.description.contains("did you mean 'score'?") == true)
        #expect(throws: TableError.self) { try Table(schema: [Field("a", .int)], rows: [[.string("x")]]) }
        #expect(throws: TableError.self) { try Table(schema: [Field("a", .int)], rows: [[.int(1), .int(2)]]) }
        #expect(throws: TableError.duplicateColumn("a")) {
            try Table(columns: [Column(name: "a", data: .int([1])), Column(name: "a", data: .int([2]))])
        }
        #expect(throws: TableError.self) { try t.renaming("id", to: "name") }
        #expect(try t.renaming("id", to: "user").columnNames.first == "user")
    }

    @Test func equalityIgnoresDictionaryOrder() throws {
        let x = try Table(columns: [Column(name: "s", data: .string(dictionary: ["a", "b"], codes: [0, 1]))])
        let y = try Table(columns: [Column(name: "s", data: .string(dictionary: ["b", "a"], codes: [1, 0]))])
        #expect(x == y)
    }
}
