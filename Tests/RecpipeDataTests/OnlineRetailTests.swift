import Foundation
import RecpipeTestSupport
import Testing

@testable import RecpipeData

private let retailPath = TestSupport.sharedDataDirectory + "/online-retail/online-retail.csv"

@Suite struct OnlineRetailTests {
    @Test(
        "Online Retail: every row is kept or rejected",
        .enabled(
            if: FileManager.default.fileExists(atPath: retailPath),
            "Online Retail file absent at \(retailPath); skipping"))
    func ingestsEveryRow() throws {
        let schema = [
            ColumnSpec("InvoiceNo", .string), ColumnSpec("Quantity", .int),
            ColumnSpec("InvoiceDate", .timestamp, format: "%Y-%m-%d %H:%M:%S"), ColumnSpec("UnitPrice", .float),
            ColumnSpec("CustomerID", .float),
        ]
        let r = try CSVReader.read(path: retailPath, options: IngestOptions(schema: schema))
        #expect(r.rowsIn == 541_909)
        #expect(r.rowsOk + r.rowsRejected == 541_909)
        #expect(r.table.rowCount == r.rowsOk)
        #expect(
            r.table.columnNames == [
                "InvoiceNo", "StockCode", "Description", "Quantity", "InvoiceDate", "UnitPrice", "CustomerID",
                "Country",
            ])
        #expect(r.table.string(row: 0, col: 0) == "536365")
        #expect(r.table.double(row: 0, col: 6) == 17850)
        #expect(r.table.column(named: "CustomerID")!.nullCount > 100_000)
    }
}
