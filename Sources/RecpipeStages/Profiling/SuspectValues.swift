import RecpipeData

/// Event values that are legal numbers but rarely true — a negative unit price, a quantity of a
/// billion — counted so that the summary says they went into monetary figures, with the ingest
/// schema bound that would reject them.
struct SuspectValues {
    /// Quantities at or beyond this size (either sign) are counted as suspect.
    static let hugeQuantity = 1_000_000_000.0

    var negativePrices = 0
    var hugeQuantities = 0

    /// Counts over the events' price and quantity columns (absent or non-numeric columns count 0). O(rows).
    init(_ events: Table, price: String, quantity: String) {
        if let c = events.column(named: price), let values = ColumnCodes.numbers(c) {
            for (r, v) in values.enumerated() where v < 0 && !c.isNull(r) { negativePrices += 1 }
        }
        if let c = events.column(named: quantity), let values = ColumnCodes.numbers(c) {
            for (r, v) in values.enumerated() where abs(v) >= Self.hugeQuantity && !c.isNull(r) { hugeQuantities += 1 }
        }
    }

    func warnings(price: String, quantity: String) -> [String] {
        var out: [String] = []
        if negativePrices > 0 {
            out.append(
                "\(negativePrices) events have a negative \(price), counted in monetary as written; "
                    + "`\(price): { type: float, min: 0 }` in the ingest schema rejects them with their line")
        }
        if hugeQuantities > 0 {
            out.append(
                "\(hugeQuantities) events have a \(quantity) of a billion or more, counted as written; "
                    + "`\(quantity): { type: int, max: 100000 }` in the ingest schema rejects them with their line")
        }
        return out
    }
}
