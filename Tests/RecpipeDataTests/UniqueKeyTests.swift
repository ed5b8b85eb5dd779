import Foundation
import Testing

@testable import RecpipeData

/// Items tables with repeated ids and values outside the schema's bounds (issue #20, item 10):
/// each is a bad row naming the id or value and its line, under the `on_duplicate` choice.
@Suite struct UniqueKeyTests {
    static let items = "item_id,price,stock\nA,2.5,1\nB,3,2\nA,9,3\nC,1,4\nB,7,5\n"

    func read(_ policy: DuplicatePolicy, text: String = items, bad: BadRowPolicy = .quarantine) throws -> IngestResult {
        var o = IngestOptions(schema: [ColumnSpec("item_id", .string)], onBadRow: bad)
        o.uniqueKey = "item_id"
        o.onDuplicate = policy
        return try CSVReader.read(text: text, path: "items.csv", options: o)
    }

    @Test func firstKeepsTheFirstRowOfEachID() throws {
        let r = try read(.first)
        #expect(cells(r.table, "item_id") == [.string("A"), .string("B"), .string("C")])
        #expect(cells(r.table, "stock") == [.int(1), .int(2), .int(4)])
        #expect(r.rowsIn == 5)
        #expect(r.rowsOk == 3)
        #expect(r.rowsRejected == 2)
        #expect(r.duplicateRows == 2)
        #expect(r.rejects.map(\.line) == [4, 6])
        #expect(r.rejects.map(\.raw) == ["A,9,3", "B,7,5"])
        #expect(r.rejects.first?.reason == "duplicate item_id 'A' (the first one, line 2, is kept)")
    }

    @Test func lastKeepsTheLastRow() throws {
        let r = try read(.last)
        #expect(cells(r.table, "item_id") == [.string("A"), .string("C"), .string("B")])
        #expect(cells(r.table, "stock") == [.int(3), .int(4), .int(5)])
        #expect(r.rejects.map(\.line) == [2, 3])
        #expect(r.rejects.last?.reason == "duplicate item_id 'B' (the last one, line 6, is kept)")
    }

    @Test func failNamesTheIDAndBothLines() throws {
        do {
            _ = try read(.fail)
            Issue.record("expected an error")
        } catch let e as IngestError {
            #expect(e.code == .duplicateKey)
            #expect(e.message == "item_id 'A' appears twice, at lines 2 and 4")
        }
    }

    @Test func duplicatesCountAsBadRowsAndMixWithOtherRejects() throws {
        let r = try read(.first, text: "item_id,price,stock\nA,1,1\nB,2\nA,2,3\n")  // line 3: a field short
        #expect(r.rowsIn == 3)
        #expect(r.rowsOk == 1)
        #expect(r.rowsRejected == 2)
        #expect(r.rejects.map(\.line) == [3, 4])
        // Skipped: counted, not kept.
        let skipped = try read(.first, bad: .skip)
        #expect(skipped.rowsRejected == 2)
        #expect(skipped.duplicateRows == 2)
        #expect(skipped.rejects.isEmpty)
    }

    @Test func uniqueKeyAcrossParallelChunks() throws {
        var text = "item_id,n\n"
        for i in 0..<120_000 { text += "SKU-\(i % 100_000),\(i)\n" }
        var o = IngestOptions(schema: [ColumnSpec("item_id", .string)])
        o.uniqueKey = "item_id"
        o.maxBadRows = .percent(100)
        let r = try CSVReader.read(text: text, path: "items.csv", options: o)
        #expect(r.rowsOk == 100_000)
        #expect(r.duplicateRows == 20_000)
        #expect(r.rejects.first?.line == 100_002)
        #expect(r.rejects.first?.raw == "SKU-0,100000")
    }

    @Test func unknownUniqueColumn() throws {
        var o = IngestOptions()
        o.uniqueKey = "itemid"
        #expect { try CSVReader.read(text: Self.items, path: "items.csv", options: o) } throws: {
            ($0 as? IngestError)?.message == "'unique' names column 'itemid', which the table does not have"
        }
    }

    // MARK: - Bounds

    @Test func valuesOutsideTheSchemaBoundsAreBadRows() throws {
        let text = "user_id,price,quantity\nU1,2.5,1\nU2,-11062.06,1\nU3,3,9223372036854775807\nU4,0,100000\n"
        let r = try csv(
            text,
            schema: [
                ColumnSpec("price", .float, minimum: 0),
                ColumnSpec("quantity", .int, minimum: -100_000, maximum: 100_000),
            ])
        #expect(r.rowsOk == 2)
        #expect(r.rejects.map(\.line) == [3, 4])
        #expect(
            r.rejects.map(\.reason) == [
                "column 'price': cannot parse '-11062.06' as float ≥ 0 (the schema's min)",
                "column 'quantity': cannot parse '9223372036854775807' as int ≤ 100000 (the schema's max)",
            ])
    }
}
