import RecpipeData
import RecpipeScripting

// MARK: - Cell conversion

extension Column {
    /// The cell as a Lua value: ints and timestamps stay integers, floats floats, null nil.
    @inline(__always)
    func scriptValue(_ row: Int) -> ScriptValue {
        if isNull(row) { return .null }
        switch data {
        case .int(let a), .timestamp(let a): return .int(a[row])
        case .float(let a): return .double(a[row])
        case .string(let d, let c): return .string(d[Int(c[row])])
        case .bool(let a): return .bool(a[row])
        }
    }
}

// MARK: - Users

/// `u` in filter and promotion rules: row = global user index; fields are the profiles table's
/// columns (nil for a user without a profile, except `user_id`). `u:has_tag(t)` reads the `tags`
/// column, `u:seen(id)` the `seen` input (any interaction) and `u:purchased(id)` the `purchased`
/// input (interactions of purchase events). Without a `purchased` input, `u:purchased` is an
/// error in the calling rule (see ``purchasedUnavailable``), never an answer from another set.
final class RankUserSource: ScriptRecordSource {
    /// The error a rule calling `u:purchased` gets when the stage has no `purchased` input.
    static let purchasedUnavailable =
        "u:purchased needs the rank stage's 'purchased' input (interactions of purchase events, e.g. an encode stage with weights: { purchase: 1 })"

    let plan: RankPlan
    let fieldNames: [String]
    private let columns: [Column]
    private let idField: Int?
    private let sets: UserItemSets

    init(plan: RankPlan) {
        self.plan = plan
        sets = UserItemSets(
            seen: plan.seen, seenRow: plan.seenUserRow, purchased: plan.purchased, purchasedRow: plan.purchasedUserRow,
            tags: plan.profileTags, profileRow: plan.profileRow)
        columns = plan.profiles?.columns ?? []
        var names = columns.map(\.name)
        if names.isEmpty { names = ["user_id"] }
        fieldNames = names
        idField = names.firstIndex(of: "user_id")
    }

    func value(row: Int, field: Int) -> ScriptValue {
        let r = Int(plan.profileRow[row])
        if r < 0 { return field == idField ? .string(plan.userIDs[row]) : .null }
        return columns[field].scriptValue(r)
    }

    func id(row: Int) -> String { plan.userIDs[row] }

    func has(set: String, row: Int, key: String) -> Bool { sets.has(set: set, row: row, key: key) }

    func unavailableReason(set: String) -> String? {
        set == "purchased" && plan.purchased == nil ? Self.purchasedUnavailable : nil
    }
}

// MARK: - Items

/// `item` in filter and promotion rules: row = global item index; fields are the items table's
/// columns (nil for an item missing from the table, except its id column).
final class RankItemSource: ScriptRecordSource {
    let plan: RankPlan
    let fieldNames: [String]
    private let values: [ScriptValue]
    private let width: Int

    init(plan: RankPlan) {
        self.plan = plan
        fieldNames = plan.itemFieldNames
        values = plan.itemValues
        width = plan.itemFieldNames.count
    }

    func value(row: Int, field: Int) -> ScriptValue { values[row * width + field] }

    func id(row: Int) -> String { plan.itemIDs[row] }

    func has(set: String, row: Int, key: String) -> Bool { false }
}
