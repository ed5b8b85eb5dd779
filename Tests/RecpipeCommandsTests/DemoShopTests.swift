import Foundation
import RecpipeData
import RecpipeTestSupport
import Testing

@testable import RecpipeCommands

@Suite struct DemoShopTests {
    static let files = ["users.csv", "items.csv", "events.csv", "truth/segments.csv", "truth/tastes.csv"]

    @Test func sameSeedSameBytesDifferentSeedDifferent() throws {
        let (a, b, c) = (
            TestSupport.temporaryDirectory("demo-shop"), TestSupport.temporaryDirectory("demo-shop"),
            TestSupport.temporaryDirectory("demo-shop")
        )
        try DemoShop.generate(users: 40, items: 30, events: 500, seed: 7, to: a)
        try DemoShop.generate(users: 40, items: 30, events: 500, seed: 7, to: b)
        try DemoShop.generate(users: 40, items: 30, events: 500, seed: 8, to: c)
        for f in Self.files {
            let x = try Data(contentsOf: URL(fileURLWithPath: a + "/" + f))
            #expect(x == (try Data(contentsOf: URL(fileURLWithPath: b + "/" + f))), "\(f) differs for the same seed")
            #expect(!x.isEmpty)
        }
        #expect(
            try Data(contentsOf: URL(fileURLWithPath: a + "/events.csv"))
                != (try Data(contentsOf: URL(fileURLWithPath: c + "/events.csv"))))
    }

    @Test func filesHaveTheDocumentedShape() throws {
        let dir = TestSupport.temporaryDirectory("demo-shop")
        let summary = try DemoShop.generate(users: 60, items: 48, events: 2_000, seed: 3, to: dir)
        #expect(summary.events == 2_000)
        let users = try CSVReader.read(path: dir + "/users.csv")
        #expect(
            users.table.schema == [
                Field("user_id", .string), Field("age", .int), Field("gender", .string), Field("city", .string),
                Field("signup_date", .timestamp),
            ])
        #expect(users.table.rowCount == 60)
        #expect(users.table.string(row: 0, col: 0) == "U00001")
        let items = try CSVReader.read(path: dir + "/items.csv")
        #expect(items.table.columnNames == ["item_id", "title", "category", "brand", "price", "stock", "clearance"])
        #expect(items.table.schema.last == Field("clearance", .bool))
        #expect(items.table.string(row: 0, col: 0) == "SKU-1001")
        let cats = Set((0..<48).compactMap { items.table.string(row: $0, col: 2) })
        #expect(cats.isSubset(of: DemoShop.categories))
        let events = try CSVReader.read(path: dir + "/events.csv")
        #expect(events.rowsRejected == 0)
        #expect(events.rowsOk == 2_000)
        #expect(
            events.table.schema == [
                Field("user_id", .string), Field("item_id", .string), Field("event", .string),
                Field("timestamp", .timestamp), Field("quantity", .int), Field("price", .float),
            ])
        let ts = (0..<2_000).compactMap { events.table.timestamp(row: $0, col: 3) }
        #expect(ts == ts.sorted())
        #expect(ts.first! >= Timestamp.seconds(year: 2026, month: 5, day: 1)!)
        #expect(ts.last! < Timestamp.seconds(year: 2026, month: 11, day: 1)!)
        let kinds = Set((0..<2_000).compactMap { events.table.string(row: $0, col: 2) })
        #expect(kinds == ["view", "cart", "purchase"])
        let segments = try CSVReader.read(path: dir + "/truth/segments.csv")
        #expect(segments.table.rowCount == 60)
        let tastes = try CSVReader.read(path: dir + "/truth/tastes.csv")
        #expect(tastes.table.string(row: 0, col: 1)!.split(separator: "|").count == 3)
    }

    @Test func plantedTastesShowInTheEvents() throws {
        let dir = TestSupport.temporaryDirectory("demo-shop")
        try DemoShop.generate(users: 100, items: 120, events: 8_000, seed: 11, to: dir)
        let events = try CSVReader.read(path: dir + "/events.csv").table
        let items = try CSVReader.read(path: dir + "/items.csv").table
        let tastes = try CSVReader.read(path: dir + "/truth/tastes.csv").table
        var category: [String: String] = [:]
        for r in 0..<items.rowCount { category[items.string(row: r, col: 0)!] = items.string(row: r, col: 2)! }
        var top: [String: Set<Substring>] = [:]
        for r in 0..<tastes.rowCount {
            top[tastes.string(row: r, col: 0)!] = Set(tastes.string(row: r, col: 1)!.split(separator: "|"))
        }
        var hits = 0, total = 0
        for r in 0..<events.rowCount {
            guard let u = events.string(row: r, col: 0), let i = events.string(row: r, col: 1) else { continue }
            total += 1
            if top[u]!.contains(Substring(category[i]!)) { hits += 1 }
        }
        // Three of twelve categories would get 25% by chance; planted tastes give far more.
        #expect(Double(hits) / Double(total) > 0.5)
    }
}
