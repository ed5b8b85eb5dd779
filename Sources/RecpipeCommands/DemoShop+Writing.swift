import Foundation
import RecpipeAlgorithms
import RecpipeCore
import RecpipeData

extension DemoShop {
    // MARK: - Users, items, truth

    static func dateString(_ day: Int) -> String {
        let (y, m, d) = Timestamp.civil(days: day)
        return String(format: "%04d-%02d-%02d", y, m, d)
    }

    static func writeUsers(_ users: [User], to path: String) throws {
        let t = try Table(
            schema: [
                Field("user_id", .string), Field("age", .int), Field("gender", .string), Field("city", .string),
                Field("signup_date", .string),
            ],
            rows: users.map {
                [
                    .string($0.id), .int(Int64($0.age)), $0.gender.isEmpty ? .null : .string($0.gender),
                    .string($0.city), .string(dateString($0.signupDay)),
                ]
            })
        try TableWriter.writeCSV(t, to: path)
    }

    static func writeItems(_ items: [Item], to path: String) throws {
        let t = try Table(
            schema: [
                Field("item_id", .string), Field("title", .string), Field("category", .string), Field("brand", .string),
                Field("price", .float), Field("stock", .int), Field("clearance", .bool),
            ],
            rows: items.map {
                [
                    .string($0.id), .string($0.title), .string(categories[$0.category]), .string($0.brand),
                    .double($0.price), .int(Int64($0.stock)), .bool($0.clearance),
                ]
            })
        try TableWriter.writeCSV(t, to: path)
    }

    static func writeTruth(_ users: [User], directory: String) throws {
        let seg = try Table(
            schema: [Field("user_id", .string), Field("segment", .string)],
            rows: users.map { [.string($0.id), .string(segments[$0.segment].name)] })
        try TableWriter.writeCSV(seg, to: directory + "/truth/segments.csv")
        let tastes = try Table(
            schema: [Field("user_id", .string), Field("top_categories", .string)],
            rows: users.map { [.string($0.id), .string($0.top.joined(separator: "|"))] })
        try TableWriter.writeCSV(tastes, to: directory + "/truth/tastes.csv")
    }

    // MARK: - Events

    struct Event {
        var second: Int32
        var user: Int32
        var item: Int32
        var kind: UInt8
        var quantity: UInt8
    }

    /// Streams `count` events, day by day over 2026-05-01…2026-10-31, each day sorted by time.
    /// Days get more traffic on weekends and around the 6.18 sale; a session is a view, maybe a cart
    /// a few minutes later, maybe a purchase. ~0.3% of views are anonymous (empty user_id).
    static func writeEvents(_ count: Int, users: [User], items: [Item], seed: UInt64, to path: String) throws {
        var g = SeededGenerator(seed: seed, stream: 3)
        let first = Timestamp.days(year: 2026, month: 5, day: 1)
        let last = Timestamp.days(year: 2026, month: 10, day: 31)
        let dayCount = last - first + 1
        let sale = Timestamp.days(year: 2026, month: 6, day: 18)
        let dayWeights = (0..<dayCount).map { d -> Double in
            let weekday = (first + d + 4) % 7  // 0 = Sunday (1970-01-01 was a Thursday)
            var w = 1 + 0.002 * Double(d)
            if weekday == 0 || weekday == 6 { w *= 1.25 }
            if abs(first + d - sale) <= 1 { w *= 2 }
            return w
        }
        let totalWeight = dayWeights.reduce(0, +)

        // Per segment and category: cumulative item weights (popularity × price fit).
        let tables: [[(items: [Int32], cumulative: [Double])]] = segments.map { seg in
            categories.indices.map { c in
                let median = catalog[categories[c]]!.medianPrice
                let ids = items.indices.filter { items[$0].category == c }
                var acc = 0.0
                let cum = ids.map { i -> Double in
                    var w = items[i].popularity * Foundation.pow(items[i].price / median, -seg.priceSensitivity)
                    if items[i].clearance, seg.priceSensitivity > 1 { w *= 2 }
                    acc += w
                    return acc
                }
                return (ids.map(Int32.init), cum)
            }
        }
        let fallback = (items: items.indices.map(Int32.init), cumulative: items.indices.map { Double($0 + 1) })
        let userIDs = users.map { Array($0.id.utf8) }
        let itemIDs = items.map { Array($0.id.utf8) }
        let itemPrices = items.map {
            Array(String($0.clearance ? ($0.price * 0.7).rounded(toPlaces: 2) : $0.price).utf8)
        }
        let kinds = [Array("view".utf8), Array("cart".utf8), Array("purchase".utf8)]
        let hourWeights: [Double] = [
            1, 0.5, 0.3, 0.2, 0.2, 0.3, 0.8, 1.5, 2, 2.2, 2.3, 2.5, 3, 2.6, 2.4, 2.4, 2.5, 2.8, 3.2, 3.8, 4.5, 4.8, 4,
            2.5,
        ]
        var hourAcc = 0.0
        let hourCumulative = hourWeights.map {
            hourAcc += $0; return hourAcc
        }

        try AtomicFile.write(to: path) { handle in
            var buf: [UInt8] = Array("user_id,item_id,event,timestamp,quantity,price\n".utf8)
            buf.reserveCapacity(1 << 21)
            var written = 0, cumulativeWeight = 0.0
            var userCumulative = [Double](repeating: 0, count: users.count)
            var day: [Event] = []
            for d in 0..<dayCount {
                cumulativeWeight += dayWeights[d]
                let target = d == dayCount - 1 ? count : Int((Double(count) * cumulativeWeight / totalWeight).rounded())
                let todays = target - written
                guard todays > 0 else { continue }
                let t = Double(d) / Double(dayCount - 1)
                var acc = 0.0
                for (u, user) in users.enumerated() {
                    var w = user.signupDay <= first + d ? user.activity : 0
                    w *= user.pattern == 1 ? 0.3 + 1.4 * t : user.pattern == 2 ? 1.7 - 1.4 * t : 1
                    acc += w
                    userCumulative[u] = acc
                }
                if acc == 0 { for u in users.indices { userCumulative[u] = Double(u + 1) } }
                day.removeAll(keepingCapacity: true)
                while day.count < todays {
                    let u = sample(userCumulative, &g)
                    let user = users[u]
                    let c = sample(user.cumulative, &g)
                    let table = tables[user.segment][c].items.isEmpty ? fallback : tables[user.segment][c]
                    let item = table.items[sample(table.cumulative, &g)]
                    let hour = sample(hourCumulative, &g)
                    // Sessions start early enough that a cart and a purchase still fall on this day.
                    var second = min(86_399 - 2_400, Int32(hour * 3600) + Int32(g.next() % 3600))
                    let anonymous = g.nextDouble() < 0.003
                    day.append(Event(second: second, user: anonymous ? -1 : Int32(u), item: item, kind: 0, quantity: 1))
                    if anonymous || g.nextDouble() >= 0.25 { continue }
                    let quantity = UInt8(g.nextDouble() < 0.75 ? 1 : 2 + g.next() % 3)
                    second += 60 + Int32(g.next() % 540)
                    if day.count < todays {
                        day.append(Event(second: second, user: Int32(u), item: item, kind: 1, quantity: quantity))
                    }
                    if g.nextDouble() < 0.45, day.count < todays {
                        second += 60 + Int32(g.next() % 1740)
                        day.append(Event(second: second, user: Int32(u), item: item, kind: 2, quantity: quantity))
                    }
                }
                let order = day.indices.sorted { (day[$0].second, $0) < (day[$1].second, $1) }
                let prefix = Array((dateString(first + d) + " ").utf8)
                for k in order {
                    let e = day[k]
                    if e.user >= 0 { buf.append(contentsOf: userIDs[Int(e.user)]) }
                    buf.append(44)
                    buf.append(contentsOf: itemIDs[Int(e.item)])
                    buf.append(44)
                    buf.append(contentsOf: kinds[Int(e.kind)])
                    buf.append(44)
                    buf.append(contentsOf: prefix)
                    let s = Int(e.second)
                    Timestamp.appendDigits(s / 3600, 2, &buf)
                    buf.append(58)
                    Timestamp.appendDigits(s / 60 % 60, 2, &buf)
                    buf.append(58)
                    Timestamp.appendDigits(s % 60, 2, &buf)
                    buf.append(44)
                    Timestamp.appendDigits(Int(e.quantity), 1, &buf)
                    buf.append(44)
                    buf.append(contentsOf: itemPrices[Int(e.item)])
                    buf.append(10)
                }
                written = target
                if buf.count >= 1 << 20 {
                    try handle.write(contentsOf: buf)
                    buf.removeAll(keepingCapacity: true)
                }
            }
            try handle.write(contentsOf: buf)
        }
    }

    /// Index of the first cumulative weight above a uniform draw. O(log n).
    @inline(__always) static func sample(_ cumulative: [Double], _ g: inout SeededGenerator) -> Int {
        let x = g.nextDouble() * cumulative[cumulative.count - 1]
        var lo = 0, hi = cumulative.count - 1
        while lo < hi {
            let mid = (lo + hi) / 2
            if cumulative[mid] > x { hi = mid } else { lo = mid + 1 }
        }
        return lo
    }
}
