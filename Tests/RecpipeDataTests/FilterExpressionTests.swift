import RecpipeCore
import Testing

@testable import RecpipeData

@Suite struct FilterExpressionTests {
    static let schema = [
        Field("quantity", .int), Field("price", .float), Field("country", .string), Field("paid", .bool),
        Field("at", .timestamp),
    ]

    @Test func parsesEachForm() throws {
        let e = try FilterExpression(parsing: "country in [United Kingdom, France]")
        #expect(e.column == "country")
        #expect(e.op == .isIn)
        #expect(e.values == [.string("United Kingdom"), .string("France")])
        #expect(
            try FilterExpression(parsing: "country not in [\"a, b\", c]").values == [.string("a, b"), .string("c")])
        #expect(try FilterExpression(parsing: "price<=100.5").values == [.number(100.5)])
        #expect(try FilterExpression(parsing: "status == \"paid\"").values == [.string("paid")])
        #expect(try FilterExpression(parsing: "x != 3").op == .ne)
        #expect(try FilterExpression(parsing: "name is not null").op == .isNotNull)
        #expect(try FilterExpression(parsing: "name IS NULL").op == .isNull)
        #expect(try FilterExpression(parsing: "`unit price` >= 2").column == "unit price")
    }

    @Test(arguments: [
        "", "quantity", "quantity ~ 3", "quantity >", "country in United Kingdom", "country in []", "x is null now",
    ])
    func rejectsMalformed(_ text: String) {
        #expect(throws: FilterExpression.ParseError.self) { try FilterExpression(parsing: text) }
    }

    @Test func checksAgainstSchema() throws {
        let unknown = try FilterExpression(parsing: "quantiy > 0").check(against: Self.schema)
        #expect(unknown.first?.code == "unknown-column")
        #expect(unknown.first?.hint == "did you mean 'quantity'?")
        #expect(
            try FilterExpression(parsing: "quantity > abc").check(against: Self.schema).first?.code == "type-mismatch")
        #expect(try FilterExpression(parsing: "paid > true").check(against: Self.schema).first?.code == "type-mismatch")
        #expect(try FilterExpression(parsing: "paid == true").check(against: Self.schema).isEmpty)
        #expect(try FilterExpression(parsing: "at >= \"2026-05-01\"").check(against: Self.schema).isEmpty)
        #expect(
            try FilterExpression(parsing: "at >= \"May\"").check(against: Self.schema).first?.code == "type-mismatch")
        #expect(try FilterExpression(parsing: "country == 3").check(against: Self.schema).isEmpty)
    }

    @Test func evaluatesTimestampsAndBools() throws {
        let t = try Table(
            schema: [Field("paid", .bool), Field("at", .timestamp)],
            rows: [
                [.bool(true), .timestamp(Timestamp.seconds(year: 2026, month: 4, day: 30)!)],
                [.bool(false), .timestamp(Timestamp.seconds(year: 2026, month: 5, day: 2)!)],
            ])
        #expect(try FilterExpression(parsing: "at >= \"2026-05-01\"").mask(t) == [false, true])
        #expect(try FilterExpression(parsing: "paid == true").mask(t) == [true, false])
        #expect(throws: DiagnosticsError.self) { try FilterExpression(parsing: "nope == 1").mask(t) }
    }
}
