import RecpipeAlgorithms
import RecpipeCore
import Testing

@testable import RecpipeData

@Suite struct CleanTests {
    static func events() throws -> Table {
        try Table(
            schema: [
                Field("user", .string), Field("item", .string), Field("qty", .int), Field("price", .float),
                Field("at", .int),
            ],
            rows: [
                [.string("u1"), .string("a"), .int(1), .double(10), .int(5)],
                [.string("u1"), .string("a"), .int(2), .double(11), .int(3)],
                [.null, .string("b"), .int(1), .double(12), .int(1)],
                [.string("u2"), .null, .int(-1), .double(9), .int(2)],
                [.string("u2"), .string("b"), .int(3), .double(1000), .int(4)],
            ])
    }

    @Test func dropNulls() throws {
        let r = try Self.events().droppingNulls(in: ["user", "item"])
        #expect(r.removed == 2)
        #expect(cells(r.table, "qty") == [.int(1), .int(2), .int(3)])
        #expect(try Self.events().droppingNulls(in: ["qty"]).removed == 0)
        #expect(throws: TableError.self) { try Self.events().droppingNulls(in: ["usr"]) }
    }

    @Test func deduplicateFirstLastOrdered() throws {
        let t = try Self.events()
        let first = try t.deduplicated(on: ["user", "item"])
        #expect(first.removed == 1)
        #expect(cells(first.table, "qty") == [.int(1), .int(1), .int(-1), .int(3)])
        let last = try t.deduplicated(on: ["user", "item"], keep: .last)
        #expect(cells(last.table, "qty") == [.int(2), .int(1), .int(-1), .int(3)])
        // Ordered by `at`: row 1 (at 3) comes before row 0 (at 5), so "first" keeps row 1.
        let ordered = try t.deduplicated(on: ["user"], keep: .first, orderBy: "at")
        #expect(cells(ordered.table, "at") == [.int(3), .int(1), .int(2)])
        let orderedLast = try t.deduplicated(on: ["user"], keep: .last, orderBy: "at")
        #expect(cells(orderedLast.table, "at") == [.int(5), .int(1), .int(4)])
    }

    @Test func filterExpressions() throws {
        let t = try Self.events()
        #expect(try t.filtered(by: [FilterExpression(parsing: "qty > 0")]).removed == 1)
        let both = try t.filtered(by: [
            FilterExpression(parsing: "qty > 0"), FilterExpression(parsing: "price <= 100.5"),
        ])
        #expect(cells(both.table, "qty") == [.int(1), .int(2), .int(1)])
        #expect(try t.filtered(by: [FilterExpression(parsing: "user in [u2, 'u3']")]).table.rowCount == 2)
        // The null user is dropped.
        #expect(try t.filtered(by: [FilterExpression(parsing: "user not in [u2]")]).table.rowCount == 2)
        #expect(try t.filtered(by: [FilterExpression(parsing: "item == \"a\"")]).table.rowCount == 2)
        #expect(try t.filtered(by: [FilterExpression(parsing: "qty != 1")]).table.rowCount == 3)
        #expect(try t.filtered(by: [FilterExpression(parsing: "user is not null")]).removed == 1)
        #expect(try t.filtered(by: [FilterExpression(parsing: "item is null")]).table.rowCount == 1)
        #expect(try t.filtered(by: [FilterExpression(parsing: "qty in [1, 3]")]).table.rowCount == 3)
    }

    @Test func outliersIQRAndZScore() throws {
        let t = try Table(
            schema: [Field("x", .float), Field("n", .int)],
            rows: [
                [.double(1), .int(1)], [.double(2), .int(2)], [.double(3), .int(3)], [.double(4), .int(4)],
                [.double(100), .int(100)], [.null, .null],
            ])
        // Q1 = 2, Q3 = 4, IQR = 2 → [-1, 7].
        let dropped = try t.handlingOutliers(in: "x", method: .iqr(k: 1.5), action: .drop)
        #expect(dropped.removed == 1)
        #expect(cells(dropped.table, "x") == [.double(1), .double(2), .double(3), .double(4), .null])
        let clipped = try t.handlingOutliers(in: "n", method: .iqr(), action: .clip)
        #expect(clipped.changed == 1)
        #expect(cells(clipped.table, "n") == [.int(1), .int(2), .int(3), .int(4), .int(7), .null])
        // mean 22, population sd 39.0 → 100 has z = 2.0; a threshold of 1.5 drops it, 3 keeps it.
        #expect(try t.handlingOutliers(in: "x", method: .zscore(threshold: 1.5)).removed == 1)
        #expect(try t.handlingOutliers(in: "x", method: .zscore()).removed == 0)
        let z = try t.handlingOutliers(in: "x", method: .zscore(threshold: 1.5), action: .clip)
        #expect(z.table.double(row: 4, col: 0)! < 100)
        #expect(throws: TableError.self) { try Self.events().handlingOutliers(in: "user") }
    }

    @Test func castColumns() throws {
        let t = try Table(
            schema: [Field("id", .float), Field("s", .string)],
            rows: [
                [.double(17850), .string("12")], [.double(1.5), .string("x")], [.null, .string("2026-05-01")],
            ])
        let asString = try t.casting("id", to: .string)
        #expect(cells(asString.table, "id") == [.string("17850"), .string("1.5"), .null])
        let asInt = try t.casting("id", to: .int)
        #expect(asInt.changed == 1)
        #expect(cells(asInt.table, "id") == [.int(17850), .null, .null])
        let rejected = try t.casting("s", to: .int, onFailure: .reject)
        #expect(rejected.removed == 2)
        #expect(cells(rejected.table, "s") == [.int(12)])
        let ts = try t.casting("s", to: .timestamp, format: "%Y-%m-%d")
        #expect(ts.changed == 2)
        #expect(cells(ts.table, "s")[2] == .timestamp(Timestamp.seconds(year: 2026, month: 5, day: 1)!))
        #expect(throws: TableError.self) { try t.casting("nope", to: .int) }
    }

    @Test func kCoreReachesAFixedPoint() throws {
        // u3 has 1 event → removed; then item c drops to 1 event → removed; then u2 drops to 1 → removed.
        let rows: [[Value]] = [
            ["u1", "a"], ["u1", "b"], ["u2", "a"], ["u2", "c"], ["u3", "c"], ["u4", "a"], ["u4", "b"], [.null, "a"],
        ]
        let t = try Table(schema: [Field("user", .string), Field("item", .string)], rows: rows)
        let r = try t.kCore(userColumn: "user", itemColumn: "item", minUserEvents: 2, minItemEvents: 2)
        #expect(r.removed == 4)
        #expect(cells(r.table, "user") == [.string("u1"), .string("u1"), .string("u4"), .string("u4")])
    }

    @Test func kCoreInvariantOnRandomData() throws {
        var g = SeededGenerator(seed: 9)
        let rows: [[Value]] = (0..<3000).map { _ in [.int(Int64(g.next() % 300)), .int(Int64(g.next() % 200))] }
        let t = try Table(schema: [Field("u", .int), Field("i", .int)], rows: rows)
        let r = try t.kCore(userColumn: "u", itemColumn: "i", minUserEvents: 12, minItemEvents: 14)
        #expect(r.removed + r.table.rowCount == 3000)
        var uc: [Value: Int] = [:], ic: [Value: Int] = [:]
        for row in 0..<r.table.rowCount {
            uc[r.table.value(row: row, col: 0), default: 0] += 1
            ic[r.table.value(row: row, col: 1), default: 0] += 1
        }
        #expect(uc.values.allSatisfy { $0 >= 12 })
        #expect(ic.values.allSatisfy { $0 >= 14 })
        // Applying it again changes nothing (a fixed point).
        #expect(try r.table.kCore(userColumn: "u", itemColumn: "i", minUserEvents: 12, minItemEvents: 14).removed == 0)
    }
}

extension Value: ExpressibleByStringLiteral {
    public init(stringLiteral value: String) { self = .string(value) }
}
