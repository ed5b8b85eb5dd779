import Foundation
import RecpipeData
import Testing

@testable import RecpipeStages

@Suite struct InteractionsBuilderTests {
    /// events: (user, item, event, timestamp seconds)
    func events(_ rows: [(String?, String?, String, Int64)]) throws -> Table {
        try Table(
            schema: [
                Field("user_id", .string), Field("item_id", .string), Field("event", .string),
                Field("timestamp", .timestamp),
            ],
            rows: rows.map {
                [$0.0.map(Value.string) ?? .null, $0.1.map(Value.string) ?? .null, .string($0.2), .timestamp($0.3)]
            })
    }

    let weights = ["view": 1.0, "cart": 3.0, "purchase": 5.0]

    func dense(_ m: Interactions) -> [String: Float] {
        var out: [String: Float] = [:]
        for u in 0..<m.users.count {
            for k in m.matrix.rowRange(u) {
                out["\(m.users[u])/\(m.items[Int(m.matrix.columns[k])])"] = m.matrix.values[k]
            }
        }
        return out
    }

    @Test func weightsPerEventTypeAreSummedAndUnweightedTypesCounted() throws {
        var b = InteractionsBuilder()
        b.weights = weights
        let r = try b.build(
            events([
                ("u1", "i1", "view", 10), ("u1", "i1", "cart", 20), ("u1", "i2", "purchase", 30),
                ("u2", "i1", "view", 40), ("u2", "i3", "share", 50), (nil, "i1", "view", 60),
            ]))
        #expect(dense(r.interactions) == ["u1/i1": 4, "u1/i2": 5, "u2/i1": 1])
        #expect(r.interactions.users.ids == ["u1", "u2"])
        #expect(r.interactions.items.ids == ["i1", "i2"])
        #expect(r.skippedUnweighted == 1)
        #expect(r.unweightedTypes == ["share"])
        #expect(r.skippedNullIDs == 1)
        #expect(r.interactions.timestamps == [20, 30, 40])
    }

    @Test(arguments: [
        (InteractionsBuilder.Aggregate.sum, Float(4)), (.max, 3), (.last, 1),
    ])
    func aggregation(mode: InteractionsBuilder.Aggregate, expected: Float) throws {
        var b = InteractionsBuilder()
        b.weights = weights
        b.aggregate = mode
        // The cart happened first, the view last.
        let r = try b.build(events([("u1", "i1", "view", 200), ("u1", "i1", "cart", 100)]))
        #expect(dense(r.interactions) == ["u1/i1": expected])
    }

    @Test func timeDecayHalvesWeightPerHalfLife() throws {
        var b = InteractionsBuilder()
        b.weights = weights
        b.halfLifeDays = 1
        b.asOf = 2 * 86_400
        let r = try b.build(
            events([
                ("u1", "i1", "purchase", 0), ("u1", "i2", "purchase", 86_400), ("u1", "i3", "purchase", 2 * 86_400),
            ]))
        let d = dense(r.interactions)
        #expect(abs(d["u1/i1"]! - 1.25) < 1e-6)
        #expect(abs(d["u1/i2"]! - 2.5) < 1e-6)
        #expect(abs(d["u1/i3"]! - 5) < 1e-6)
    }

    @Test func binarizeAndSeenSets() throws {
        var b = InteractionsBuilder()
        b.weights = weights
        b.binarize = true
        let m = try b.build(events([("u1", "i2", "purchase", 1), ("u1", "i1", "cart", 2), ("u2", "i2", "view", 3)]))
            .interactions
        #expect(dense(m) == ["u1/i2": 1, "u1/i1": 1, "u2/i2": 1])
        let u1 = m.users["u1"]!, u2 = m.users["u2"]!
        let i1 = m.items["i1"]!, i2 = m.items["i2"]!
        #expect(m.hasSeen(user: u1, item: i1) && m.hasSeen(user: u1, item: i2))
        #expect(m.hasSeen(user: u2, item: i2) && !m.hasSeen(user: u2, item: i1))
        #expect(m.seen(user: u1).count == 2)
    }

    @Test func explicitRatingsFromAValueColumn() throws {
        let t = try Table(
            schema: [Field("user_id", .int), Field("item_id", .int), Field("rating", .float)],
            rows: [[.int(1), .int(10), .double(4)], [.int(1), .int(11), .double(2.5)], [.int(2), .int(10), .null]])
        var b = InteractionsBuilder()
        b.eventColumn = nil
        b.timestampColumn = nil
        b.valueColumn = "rating"
        let r = try b.build(t)
        #expect(dense(r.interactions) == ["1/10": 4, "1/11": 2.5])
        #expect(r.skippedNullIDs == 1)
        #expect(r.interactions.timestamps == nil)
    }

    @Test func unknownColumnIsANamedError() throws {
        var b = InteractionsBuilder()
        b.userColumn = "customer"
        #expect(throws: TableError.self) { try b.build(try events([("u1", "i1", "view", 1)])) }
    }
}
