import Testing

@testable import RecpipeData

@Suite struct SchemaInferenceTests {
    @Test func infersEachType() throws {
        let text =
            "i,f,b,t,d,s,n\n1,1.5,true,2026-05-01 10:00:00,2026-05-01,x,\n-2,3,no,2026-05-02 11:00:00,2026-05-02,7,NA\n"
        let r = try csv(text)
        #expect(
            r.table.schema == [
                Field("i", .int), Field("f", .float), Field("b", .bool), Field("t", .timestamp),
                Field("d", .timestamp), Field("s", .string), Field("n", .string),
            ])
        #expect(r.schema[3].format == "%Y-%m-%d %H:%M:%S")
        #expect(r.schema[4].format == "%Y-%m-%d")
    }

    @Test func sampleSizeLimitsInference() throws {
        let text = "code\n1\n2\nA3\n"
        let narrow = try csv(text) { $0.inferenceRows = 2 }
        #expect(narrow.table.schema == [Field("code", .int)])
        #expect(narrow.rejects.map(\.line) == [4])
        let wide = try csv(text)
        #expect(wide.table.schema == [Field("code", .string)])
        #expect(wide.rowsOk == 3)
    }

    @Test func inferTypeDirectly() {
        #expect(SchemaInference.inferType(["1", "0"]).type == .int)
        #expect(SchemaInference.inferType(["nan", "inf"]).type == .string)
        #expect(SchemaInference.inferType(["1e3", "2"]).type == .float)
        #expect(SchemaInference.inferType(["2026-05-01T10:00:00Z"]).format?.description == "iso8601")
        #expect(SchemaInference.inferType(["12/31/2025 23:59"]).format?.description == "%m/%d/%Y %H:%M")
        #expect(SchemaInference.inferType([]).type == .string)
    }

    @Test func rendersYAML() {
        let yaml = SchemaInference.yaml([
            ColumnSpec("InvoiceDate", .timestamp, format: "%Y-%m-%d %H:%M:%S"),
            ColumnSpec("Quantity", .int), ColumnSpec("unit price", .float, rename: "price"),
        ])
        #expect(
            yaml == """
                schema:
                  InvoiceDate: { type: timestamp, format: "%Y-%m-%d %H:%M:%S" }
                  Quantity: { type: int }
                  "unit price": { type: float, rename: "price" }

                """)
    }

    @Test func timestampsAndNumbersParse() {
        #expect(
            Timestamp.format(Timestamp.seconds(year: 2024, month: 2, day: 29, hour: 23, minute: 59, second: 59)!)
                == "2024-02-29 23:59:59")
        #expect(Timestamp.seconds(year: 2025, month: 2, day: 29) == nil)
        #expect(
            TimestampFormat.iso8601.parse("2026-05-01T12:00:00+02:00")
                == Timestamp.seconds(year: 2026, month: 5, day: 1, hour: 10))
        #expect(
            TimestampFormat.iso8601.parse("2026-05-01T12:00:00.250Z")
                == Timestamp.seconds(year: 2026, month: 5, day: 1, hour: 12))
        #expect(Timestamp.format(-1, iso: true) == "1969-12-31T23:59:59Z")
        #expect(ByteParsing.double("0.1") == 0.1)
        #expect(ByteParsing.double("-12.345") == -12.345)
        #expect(ByteParsing.double("123456789012345678.5") == 123456789012345678.5)
        #expect(ByteParsing.double("1e-5") == 1e-5)
        #expect(ByteParsing.double(".") == nil)
        #expect(ByteParsing.double("0x10") == nil)
        #expect(ByteParsing.int("9223372036854775807") == Int64.max)
        #expect(ByteParsing.int("-9223372036854775808") == Int64.min)
        #expect(ByteParsing.int("9223372036854775808") == nil)
        #expect(ByteParsing.int("-") == nil)
    }
}
