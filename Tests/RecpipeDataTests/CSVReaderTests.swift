import Testing

@testable import RecpipeData

@Suite struct CSVReaderTests {
    @Test func quotedDelimitersDoubledQuotesAndNewlines() throws {
        let text = "a,b,c\n\"x,y\",\"say \"\"hi\"\"\",\"two\nlines\"\n1,2,3\n"
        let r = try csv(text, schema: [ColumnSpec("a", .string), ColumnSpec("b", .string), ColumnSpec("c", .string)])
        #expect(r.rowsOk == 2)
        #expect(cells(r.table, "a") == [.string("x,y"), .string("1")])
        #expect(cells(r.table, "b") == [.string("say \"hi\""), .string("2")])
        #expect(cells(r.table, "c") == [.string("two\nlines"), .string("3")])
    }

    @Test func rejectLinesCountPhysicalLinesAfterQuotedNewlines() throws {
        // Line 2–4 hold one record; line 5 is bad; line 6 ok; line 7 bad.
        let text = "id,note\n1,\"a\nb\nc\"\nx,bad\n3,ok\n4,too,many\n"
        let r = try csv(text, schema: [ColumnSpec("id", .int), ColumnSpec("note", .string)])
        #expect(r.rowsOk == 2)
        #expect(r.rejects.map(\.line) == [5, 7])
        #expect(r.rejects[0].raw == "x,bad")
        #expect(r.rejects[0].reason == "column 'id': cannot parse 'x' as int")
        #expect(r.rejects[1].reason == "expected 2 fields, found 3")
    }

    @Test func bomCRLFAndUTF8() throws {
        let text = "\u{FEFF}city,n\r\n上海,1\r\n\"北京, 中国\",2\r\n"
        let r = try csv(text)
        #expect(r.table.columnNames == ["city", "n"])
        #expect(cells(r.table, "city") == [.string("上海"), .string("北京, 中国")])
        #expect(cells(r.table, "n") == [.int(1), .int(2)])
    }

    @Test func emptyVersusNullVersusQuotedEmpty() throws {
        let text = "s,n\n,1\n\"\",2\nNA,3\n\"NA\",4\nnull,5\nx,\n"
        let r = try csv(text, schema: [ColumnSpec("s", .string), ColumnSpec("n", .int)])
        #expect(cells(r.table, "s") == [.null, .string(""), .null, .string("NA"), .null, .string("x")])
        #expect(cells(r.table, "n") == [.int(1), .int(2), .int(3), .int(4), .int(5), .null])
        let custom = try csv(text, schema: [ColumnSpec("s", .string), ColumnSpec("n", .int)]) { $0.nullValues = ["-"] }
        #expect(cells(custom.table, "s").first == .string(""))
        #expect(cells(custom.table, "n").last == .null)  // an empty field in a typed column is null
    }

    @Test func customDelimiterAndQuote() throws {
        let r = try csv(
            "a;b\n'x;y';2\n",
            configure: {
                $0.delimiter = UInt8(ascii: ";"); $0.quote = UInt8(ascii: "'")
            })
        #expect(cells(r.table, "a") == [.string("x;y")])
        #expect(cells(r.table, "b") == [.int(2)])
        #expect(throws: IngestError.self) { try csv("a\n1\n") { $0.delimiter = $0.quote } }
    }

    @Test func typedColumnsRenameAndFormats() throws {
        let text = "when,day,us,price,flag,epoch\n2026-05-01 10:20:30,2026-05-02,5/3/2026 07:05,1.25,yes,86400\n"
        let r = try csv(
            text,
            schema: [
                ColumnSpec("when", .timestamp, format: "%Y-%m-%d %H:%M:%S"), ColumnSpec("day", .timestamp, rename: "d"),
                ColumnSpec("us", .timestamp, format: "%m/%d/%Y %H:%M"), ColumnSpec("price", .float),
                ColumnSpec("flag", .bool), ColumnSpec("epoch", .timestamp, format: "unix"),
            ])
        #expect(r.rowsOk == 1)
        #expect(r.table.columnNames == ["when", "d", "us", "price", "flag", "epoch"])
        #expect(
            cells(r.table, "when") == [
                .timestamp(Timestamp.seconds(year: 2026, month: 5, day: 1, hour: 10, minute: 20, second: 30)!)
            ])
        #expect(cells(r.table, "d") == [.timestamp(Timestamp.seconds(year: 2026, month: 5, day: 2)!)])
        #expect(
            cells(r.table, "us") == [.timestamp(Timestamp.seconds(year: 2026, month: 5, day: 3, hour: 7, minute: 5)!)])
        #expect(cells(r.table, "price") == [.double(1.25)])
        #expect(cells(r.table, "flag") == [.bool(true)])
        #expect(cells(r.table, "epoch") == [.timestamp(86_400)])
    }

    @Test func onlySchemaColumnsSelectsInSchemaOrder() throws {
        let r = try csv("a,b,c\n1,2,3\n", schema: [ColumnSpec("c", .int), ColumnSpec("a", .string)]) {
            $0.onlySchemaColumns = true
        }
        #expect(r.table.columnNames == ["c", "a"])
        #expect(r.table.row(0) == [.int(3), .string("1")])
    }

    @Test func headerOnlyBlankLinesAndDuplicateNames() throws {
        let r = try csv("a,a,\n")
        #expect(r.rowsIn == 0)
        #expect(r.table.columnNames == ["a", "a_2", "column_3"])
        let blanks = try csv("a\n1\n\n2\n\r\n")
        #expect(blanks.rowsOk == 2)
        #expect(cells(blanks.table, "a") == [.int(1), .int(2)])
        let noFinalNewline = try csv("a,b\n1,2")
        #expect(noFinalNewline.table.row(0) == [.int(1), .int(2)])
    }

    @Test func parallelChunksMatchSequential() throws {
        // > 1 MiB so the reader splits; quoted newlines sit on many split points.
        var text = "id,note,price\n"
        var g = 0
        for i in 0..<60_000 {
            g = (g &* 1_103_515_245 &+ 12345) & 0x7fff_ffff
            let note = g % 7 == 0 ? "\"multi\nline, \"\"quoted\"\"\"" : "plain\(g % 100)"
            text += i % 997 == 0 ? "\(i),broken\n" : "\(i),\(note),\(g % 1000).5\n"
        }
        let seq = try csv(text) { $0.parallel = false }
        let par = try csv(text) { $0.parallel = true }
        #expect(seq.table == par.table)
        #expect(seq.rejects == par.rejects)
        #expect(seq.rowsIn == 60_000)
        #expect(seq.rowsIn == seq.rowsOk + seq.rowsRejected)
    }
}
