import Foundation
import Testing

@testable import RecpipeData

@Suite struct TableWriterTests {
    static func tricky() throws -> Table {
        try Table(
            schema: [
                Field("s", .string), Field("n", .int), Field("x", .float), Field("b", .bool), Field("t", .timestamp),
            ],
            rows: [
                [.string("a,b"), .int(1), .double(0.5), .bool(true), .timestamp(0)],
                [.string("say \"hi\"\nbye"), .null, .double(2), .null, .null],
                [.string(""), .int(-3), .null, .bool(false), .timestamp(1_777_593_600)],
                [.null, .int(4), .double(.nan), .bool(true), .timestamp(86_399)],
                [.string("羊毛大衣 Wool Coat\t\u{1}"), .int(5), .double(1e-7), .bool(false), .timestamp(60)],
                [.string("NA"), .int(6), .double(3), .bool(false), .timestamp(60)],
            ])
    }

    @Test func csvQuotesAndRoundTrips() throws {
        let dir = try makeTempDir()
        let t = try Self.tricky()
        try TableWriter.writeCSV(t, to: dir + "/t.csv")
        let text = try readText(dir + "/t.csv")
        #expect(
            text.hasPrefix(
                "s,n,x,b,t\n\"a,b\",1,0.5,true,1970-01-01 00:00:00\n\"say \"\"hi\"\"\nbye\",,2.0,,\n\"\",-3,,false,2026-05-01 00:00:00\n,4,nan,true,"
            ))
        // The table holds a NaN, so reading it back needs a schema that allows non-finite floats.
        let back = try CSVReader.read(
            path: dir + "/t.csv",
            options: IngestOptions(schema: [
                ColumnSpec("s", .string), ColumnSpec("n", .int), ColumnSpec("x", .float, allowNonFinite: true),
                ColumnSpec("b", .bool),
                ColumnSpec("t", .timestamp),
            ]))
        #expect(back.rowsOk == 6)
        #expect(cells(back.table, "s") == cells(t, "s"))
        #expect(cells(back.table, "n") == cells(t, "n"))
        #expect(cells(back.table, "t") == cells(t, "t"))
        #expect(back.table.double(row: 4, col: 2) == 1e-7)
        #expect(back.table.double(row: 3, col: 2)!.isNaN)
    }

    @Test func jsonLinesEscapes() throws {
        let dir = try makeTempDir()
        try TableWriter.writeJSONLines(try Self.tricky(), to: dir + "/t.jsonl")
        let lines = try readText(dir + "/t.jsonl").split(separator: "\n")
        #expect(lines.count == 6)
        #expect(lines[0] == #"{"s":"a,b","n":1,"x":0.5,"b":true,"t":"1970-01-01T00:00:00Z"}"#)
        #expect(lines[1] == #"{"s":"say \"hi\"\nbye","n":null,"x":2.0,"b":null,"t":null}"#)
        #expect(lines[3] == #"{"s":null,"n":4,"x":null,"b":true,"t":"1970-01-01T23:59:59Z"}"#)
        #expect(lines[4] == #"{"s":"羊毛大衣 Wool Coat\t\u0001","n":5,"x":1e-07,"b":false,"t":"1970-01-01T00:01:00Z"}"#)
        for line in lines {
            #expect((try? JSONSerialization.jsonObject(with: Data(line.utf8))) != nil)
        }
        let back = try JSONLinesReader.read(path: dir + "/t.jsonl")
        #expect(back.rowsOk == 6)
        #expect(cells(back.table, "s") == cells(try Self.tricky(), "s"))
    }

    @Test func failingWriteLeavesOldFileIntact() throws {
        let dir = try makeTempDir()
        let path = dir + "/out.csv"
        try "old contents\n".write(toFile: path, atomically: false, encoding: .utf8)
        // A write that dies after ~2 MB were flushed to the temporary file leaves the old file.
        let big = try Table(columns: [Column(name: "i", data: .int((0..<300_000).map { Int64($0) }))])
        #expect(throws: TableWriter.Interrupted.self) {
            try TableWriter.writeCSV(big, to: path, delimiter: 44, failAfterRows: 290_000)
        }
        #expect(try readText(path) == "old contents\n")
        // A target that is a directory cannot be replaced: the error names it, the folder stays.
        try FileManager.default.createDirectory(atPath: path + ".d/x", withIntermediateDirectories: true)
        #expect(throws: (any Error).self) { try TableWriter.writeCSV(try Self.tricky(), to: path + ".d") }
        #expect(FileManager.default.fileExists(atPath: path + ".d/x"))
        // A large table written over an existing file replaces it completely.
        try TableWriter.writeCSV(big, to: path)
        let text = try readText(path)
        #expect(text.hasPrefix("i\n0\n1\n"))
        #expect(text.hasSuffix("299999\n"))
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: dir).filter { $0.hasPrefix(".tmp-") }
        #expect(leftovers.isEmpty)
    }
}
