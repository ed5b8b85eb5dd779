import Foundation
import RecpipeCore
import Testing

@testable import RecpipeData

/// Real shop exports (#12.2, #12.4): ids written `17850.0`, the rejects' main cause named, and
/// text operators in filters.
@Suite struct ShopDataParsingTests {
    @Test func integralDecimalsReadAsInts() throws {
        let r = try csv("CustomerID\n17850.0\n13047.00\n12583\n-5.0\n", schema: [ColumnSpec("CustomerID", .int)])
        #expect(r.rowsRejected == 0)
        #expect((0..<4).map { r.table.columns[0].value($0) } == [.int(17850), .int(13047), .int(12583), .int(-5)])
        // A fraction is still not an int; nor is a lone dot.
        let bad = try csv("id\n1.5\n.0\n2.\n", schema: [ColumnSpec("id", .int)])
        #expect(
            bad.rejects.map(\.reason) == [
                "column 'id': cannot parse '1.5' as int", "column 'id': cannot parse '.0' as int",
            ])
        #expect(bad.table.columns[0].value(0) == .int(2))
    }

    @Test func decimalsAreStillInferredAsFloats() {
        #expect(SchemaInference.inferType(["17850.0", "13047.0"]).type == .float)
        #expect(SchemaInference.inferType(["17850", "13047"]).type == .int)
    }

    @Test func tooManyRejectsNameTheColumnAndValue() throws {
        var text = "id,country\n"
        for i in 0..<97 { text += "\(i),UK\n" }
        text += "x1,UK\nx1,UK\n7,FR,extra\n"
        let e = #expect(throws: IngestError.self) {
            try csv(text, schema: [ColumnSpec("id", .int)]) { $0.maxBadRows = .percent(1) }
        }
        #expect(e?.code == .tooManyBadRows)
        let m = e?.message ?? ""
        #expect(
            m.hasPrefix(
                "3 of 100 rows were rejected (3.0%), more than max_bad_rows (1.0% of rows); column 'id' caused 2 of 3 rejects, most often 'x1'"
            ), "\(m)")
        #expect(e?.hint?.contains("declare 'id' with the type its values have") == true)
    }

    @Test func rejectSummaryWithoutAColumn() {
        let s = RejectSummary([RejectedRow(line: 2, raw: "a", reason: "expected 2 fields, found 1")])
        #expect(s?.column == nil)
        #expect(s?.description == "all 1 rejects: expected 2 fields, found 1")
        #expect(RejectSummary([]) == nil)
    }

    // MARK: - Text operators (#12.4)

    static let lines = Table.assemble([
        .strings("invoice", ["536365", "C536379", "c536380", "536381", "536382"]),
        .strings("code", ["85123A", "POST", "M", "DOT", "post"]),
        .ints("customer", [17850, 13047, 17511, 12583, 17850]),
    ])

    static func keep(_ text: String) throws -> [Int] {
        let m = try FilterExpression(parsing: text).mask(lines)
        return m.indices.filter { m[$0] }
    }

    @Test func textOperatorsAndCaseInsensitiveVariants() throws {
        #expect(try Self.keep("invoice startswith C") == [1])
        #expect(try Self.keep("invoice startswith C ignore case") == [1, 2])
        #expect(try Self.keep("invoice not startswith C") == [0, 2, 3, 4])
        #expect(try Self.keep("invoice endswith 81") == [3])
        #expect(try Self.keep("code contains O") == [1, 3])
        #expect(try Self.keep("code not contains O") == [0, 2, 4])
        #expect(try Self.keep("code matches \"^[0-9]+[A-Z]$\"") == [0])
        #expect(try Self.keep("code not matches \"^[A-Z]+$\"") == [0, 4])
        #expect(try Self.keep("code matches \"^post$\" ignore case") == [1, 4])
        #expect(try Self.keep("code in [POST, M, DOT]") == [1, 2, 3])
        #expect(try Self.keep("code not in [POST, M, DOT] ignore case") == [0])
        #expect(try Self.keep("code == post ignore case") == [1, 4])
        // On a number column the number is read as text.
        #expect(try Self.keep("customer startswith 178") == [0, 4])
    }

    @Test(arguments: [
        "code matches \"[unclosed\"", "code startswith", "quantity > 3 ignore case", "code is null ignore case",
    ])
    func malformedTextFiltersAreParseErrors(_ text: String) {
        #expect(throws: FilterExpression.ParseError.self) { try FilterExpression(parsing: text) }
    }

    @Test func textOperatorsAreTypeChecked() throws {
        let schema = [Field("paid", .bool), Field("at", .timestamp), Field("n", .int)]
        #expect(
            try FilterExpression(parsing: "paid startswith t").check(against: schema).first?.code == "type-mismatch")
        #expect(try FilterExpression(parsing: "at contains 2026").check(against: schema).first?.code == "type-mismatch")
        #expect(
            try FilterExpression(parsing: "n == 3 ignore case").check(against: schema).first?.code == "type-mismatch")
        #expect(try FilterExpression(parsing: "n startswith 3").check(against: schema).isEmpty)
        // `in` is a word: `inside` is a column-less typo, not `in side`.
        #expect(throws: FilterExpression.ParseError.self) { try FilterExpression(parsing: "code inside [a]") }
    }
}
