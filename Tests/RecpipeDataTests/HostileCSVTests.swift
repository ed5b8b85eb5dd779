import Foundation
import Testing

@testable import RecpipeData

/// CSV values that used to pass silently (issue #20, item 9): floats that are not finite, and
/// text that is not UTF-8.
@Suite struct HostileCSVTests {
    // MARK: - Non-finite floats

    @Test(arguments: ["1e400", "-1e999", "inf", "-Infinity", "nan", "NaN"])
    func nonFiniteFloatIsABadRow(text: String) throws {
        let r = try csv("id,price\nA,2.5\nB,\(text)\nC,3\n", schema: [ColumnSpec("price", .float)])
        #expect(r.rowsIn == 3)
        #expect(r.rowsOk == 2)
        #expect(r.rowsRejected == 1)
        #expect(r.rejects.first?.line == 3)
        #expect(r.rejects.first?.raw == "B,\(text)")
        let reason = try #require(r.rejects.first?.reason)
        #expect(reason.hasPrefix("column 'price': cannot parse '\(text)' as a finite float (it reads as "))
        #expect(reason.hasSuffix("to keep such values write `price: { type: float, non_finite: allow }` in the schema"))
        #expect(cells(r.table, "price") == [.double(2.5), .double(3)])
        // The reject summary names the column and the value.
        #expect(RejectSummary(r.rejects)?.column == "price")
        #expect(RejectSummary(r.rejects)?.value == text)
    }

    @Test func overflowReasonSaysInfinity() throws {
        let r = try csv("price\n1e400\n", schema: [ColumnSpec("price", .float)])
        #expect(
            r.rejects.first?.reason.hasPrefix(
                "column 'price': cannot parse '1e400' as a finite float (it reads as inf);") == true)
    }

    @Test func inferredFloatColumnRejectsNonFiniteToo() throws {
        let r = try csv("id,score\nA,1.5\nB,1e400\nC,2\n")
        #expect(r.schema.map(\.type) == [.string, .float])
        #expect(r.rowsOk == 2)
        #expect(r.rejects.map(\.line) == [3])
    }

    @Test func schemaCanAllowNonFinite() throws {
        let r = try csv("score\n1e400\n-inf\nnan\n1\n", schema: [ColumnSpec("score", .float, allowNonFinite: true)])
        #expect(r.rowsOk == 4)
        #expect(r.rowsRejected == 0)
        let c = try #require(r.table.column(named: "score"))
        guard case .double(let a) = c.value(0), case .double(let b) = c.value(1), case .double(let n) = c.value(2)
        else {
            Issue.record("not floats")
            return
        }
        #expect(a == .infinity)
        #expect(b == -.infinity)
        #expect(n.isNaN)
    }

    // MARK: - Invalid UTF-8

    /// Bytes are spliced in, since a Swift string cannot hold them.
    func read(_ parts: [[UInt8]], policy: InvalidUTF8Policy = .replace, parallel: Bool = true) throws -> IngestResult {
        var options = IngestOptions(schema: [ColumnSpec("name", .string), ColumnSpec("n", .int)])
        options.onInvalidUTF8 = policy
        options.parallel = parallel
        let bytes = parts.flatMap { $0 }
        return try bytes.withUnsafeBytes { try CSVReader.read(bytes: $0, path: "t.csv", options: options) }
    }

    func text(_ s: String) -> [UInt8] { Array(s.utf8) }

    @Test func invalidUTF8IsReplacedAndCounted() throws {
        let r = try read([
            text("name,n\ncafé,1\ncaf"), [0xE9], text(",2\n\"qu\"\"o"), [0xFF], text("\",3\ncaf"), [0xE9],
            text(",4\nok,5\n"),
        ])
        #expect(r.rowsOk == 5)
        #expect(r.rowsRejected == 0)
        // Three fields (two of them the same bytes, interned once), each counted.
        #expect(r.replacedUTF8Fields == 3)
        #expect(r.firstReplacedUTF8?.line == 3)
        #expect(r.firstReplacedUTF8?.column == "name")
        #expect(
            cells(r.table, "name") == [
                .string("café"), .string("caf\u{FFFD}"), .string("qu\"o\u{FFFD}"), .string("caf\u{FFFD}"),
                .string("ok"),
            ])
    }

    @Test func validUTF8IsNotCounted() throws {
        let r = try read([text("name,n\ncafé,1\n北京,2\n😀,3\ncafé,4\n")])
        #expect(r.replacedUTF8Fields == 0)
        #expect(r.firstReplacedUTF8 == nil)
    }

    @Test func invalidUTF8CanBeRejected() throws {
        let r = try read(
            [text("name,n\ncafé,1\ncaf"), [0xE9], text(",2\n"), [0xC3, 0x28], text(",3\nok,4\n")], policy: .reject)
        #expect(r.rowsIn == 4)
        #expect(r.rowsOk == 2)
        #expect(r.rejects.map(\.line) == [3, 4])
        #expect(
            r.rejects.first?.reason
                == "column 'name': cannot parse 'caf\u{FFFD}' as UTF-8 text (on_invalid_utf8: reject)")
        #expect(r.replacedUTF8Fields == 0)
        #expect(cells(r.table, "name") == [.string("café"), .string("ok")])
    }

    /// Counts add up across the chunks parsed in parallel, and the first is the earliest line.
    @Test func countsAcrossParallelChunks() throws {
        var parts: [[UInt8]] = [text("name,n\n")]
        var expected = 0
        for i in 0..<150_000 {
            if i % 1000 == 999 {
                parts.append(text("bad") + [0x80 | UInt8(i % 64)] + text(",\(i)\n"))
                expected += 1
            } else {
                parts.append(text("user\(i % 5000),\(i)\n"))
            }
        }
        let sequential = try read(parts, parallel: false)
        let parallel = try read(parts, parallel: true)
        #expect(sequential.replacedUTF8Fields == expected)
        #expect(parallel.replacedUTF8Fields == expected)
        #expect(parallel.firstReplacedUTF8?.line == 1001)
        #expect(parallel.rowsOk == 150_000)
    }

    @Test func utf8CheckEdgeCases() {
        func valid(_ b: [UInt8]) -> Bool { b.withUnsafeBytes { UTF8Check.isValid($0) } }
        #expect(valid([]))
        #expect(valid(Array("exactly8".utf8)))
        #expect(valid(Array("sixteen bytes ok".utf8) + Array("é".utf8)))
        #expect(!valid(Array("sixteen bytes ok".utf8) + [0xC3]))  // truncated sequence at the end
        #expect(!valid([0xED, 0xA0, 0x80]))  // an encoded surrogate
        #expect(!valid([0xC0, 0x80]))  // overlong
        #expect(valid([0xF0, 0x9F, 0x98, 0x80]))
    }
}
