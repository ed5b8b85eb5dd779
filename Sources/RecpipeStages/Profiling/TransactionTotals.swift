import Foundation
import RecpipeCore
import RecpipeData

/// Per-user totals of purchase and return rows — what shops ask of invoice lines: units, distinct
/// items, orders, basket size, tenure, order rhythm, and returns kept apart from spend.
///
/// Orders are distinct `order_column` values with a purchase, or without one distinct purchase
/// timestamps (an invoice's lines share its time). O(1) per row, O(users) to build columns.
struct TransactionTotals {
    var purchaseRows: [Int64]
    var units: [Double]
    var distinctItems: [Int64]
    var orders: [Int64]
    var firstPurchaseDay: [Int]
    var returns: [Int64]
    var returnedUnits: [Double]
    var returnedValue: [Double]
    let hasItems: Bool
    private var purchasedPairs = Set<UInt64>()
    private var timedOrders = Set<TimedOrder>()

    private struct TimedOrder: Hashable {
        var user: Int32
        var time: Int64
    }

    init(users: Int, hasItems: Bool) {
        purchaseRows = .init(repeating: 0, count: users)
        units = .init(repeating: 0, count: users)
        distinctItems = .init(repeating: 0, count: users)
        orders = .init(repeating: 0, count: users)
        firstPurchaseDay = .init(repeating: .max, count: users)
        returns = .init(repeating: 0, count: users)
        returnedUnits = .init(repeating: 0, count: users)
        returnedValue = .init(repeating: 0, count: users)
        self.hasItems = hasItems
    }

    mutating func noteReturn(user u: Int, units q: Double, value: Double) {
        returns[u] += 1
        returnedUnits[u] += q
        returnedValue[u] += value
    }

    /// `item`: the row's item code (negative when missing); `time`: the row's time when orders are
    /// told apart by timestamp.
    mutating func notePurchase(user u: Int, units q: Double, item: Int32?, day: Int?, time: Int64?) {
        purchaseRows[u] += 1
        units[u] += q
        if let item, item >= 0, purchasedPairs.insert(UInt64(u) << 32 | UInt64(UInt32(item))).inserted {
            distinctItems[u] += 1
        }
        if let day, day < firstPurchaseDay[u] { firstPurchaseDay[u] = day }
        if let time { timedOrders.insert(TimedOrder(user: Int32(u), time: time)) }
    }

    /// Orders from distinct purchase timestamps (when there is no order column).
    mutating func countTimedOrders() {
        for o in timedOrders { orders[Int(o.user)] += 1 }
    }

    // MARK: - Columns

    /// Every column this type adds, with its meaning and formula (for `recpipe stages encode`).
    static let docs: [(name: String, type: ColumnType, doc: String)] = [
        ("units", .float, "Σ quantity over purchases"),
        ("distinct_items", .int, "distinct items purchased (when the events have the item column)"),
        ("orders", .int, "distinct orders with a purchase: order_column values, else distinct purchase timestamps"),
        ("avg_basket_size", .float, "units / orders (0 without orders)"),
        ("tenure_days", .int, "as_of day − first purchase day (first event day without purchases)"),
        (
            "mean_days_between_orders", .float,
            "(last − first purchase day) / (orders − 1); with one order, days since it (the gap is at least that); without orders, tenure_days"
        ),
        ("orders_per_month", .float, "orders / max(1, (tenure_days + 1) / 30.4375)"),
        ("returns", .int, "return / cancellation rows (returns_when; default quantity < 0), never part of spend"),
        ("returned_units", .float, "Σ |quantity| over returns"),
        ("returned_value", .float, "Σ |quantity × price| (or |amount|) over returns"),
        ("return_rate", .float, "returns / (purchases + returns) (0 without either)"),
    ]

    func columns(keep: [Int], acc: Accumulators, asOfDay: Int) -> [Column] {
        let round2 = UserFeaturesBuilder.round2
        let tenure = keep.map { u -> Int64 in
            let first = firstPurchaseDay[u] != .max ? firstPurchaseDay[u] : acc.firstEventDay[u]
            return first == .max ? 0 : Int64(max(0, asOfDay - first))
        }
        var cols: [Column] = [.doubles("units", keep.map { units[$0] })]
        if hasItems { cols.append(.ints("distinct_items", keep.map { distinctItems[$0] })) }
        cols.append(.ints("orders", keep.map { orders[$0] }))
        cols.append(
            .doubles("avg_basket_size", keep.map { orders[$0] > 0 ? round2(units[$0] / Double(orders[$0])) : 0 }))
        cols.append(.ints("tenure_days", tenure))
        cols.append(
            .doubles(
                "mean_days_between_orders",
                keep.indices.map { i in
                    let u = keep[i]
                    let dated = acc.lastPurchaseDay[u] != .min && firstPurchaseDay[u] != .max
                    if !dated || orders[u] == 0 { return Double(tenure[i]) }
                    if orders[u] == 1 { return Double(max(0, asOfDay - acc.lastPurchaseDay[u])) }
                    return round2(Double(acc.lastPurchaseDay[u] - firstPurchaseDay[u]) / Double(orders[u] - 1))
                }))
        cols.append(
            .doubles(
                "orders_per_month",
                keep.indices.map { i in
                    round2(Double(orders[keep[i]]) / max(1, Double(tenure[i] + 1) / 30.4375))
                }))
        cols.append(.ints("returns", keep.map { returns[$0] }))
        cols.append(.doubles("returned_units", keep.map { returnedUnits[$0] }))
        cols.append(.doubles("returned_value", keep.map { round2(returnedValue[$0]) }))
        cols.append(
            .doubles(
                "return_rate",
                keep.map { u in
                    let all = purchaseRows[u] + returns[u]
                    return all == 0 ? 0 : Double(returns[u]) / Double(all)
                }))
        return cols
    }
}
