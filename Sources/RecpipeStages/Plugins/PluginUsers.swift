import RecpipeData
import RecpipeEngine
import RecpipeScripting

/// The users a `candidates` plugin runs for, and the known items: the `users` table's rows (or
/// the users of `seen`, then of `purchased`), and the ids of the items, seen, purchased and
/// neighbors inputs in that order.
struct PluginUsers: Sendable {
    var userIDs: [String] = []
    var items = IDMap([])
    var profiles: Table?
    /// Per user: its row in `profiles`, `seen` and `purchased` (-1: none).
    var profileRow: [Int32] = []
    var seen: Interactions?
    var seenRow: [Int32] = []
    var purchased: Interactions?
    var purchasedRow: [Int32] = []
    /// Per profile row, the `tags` column split.
    var tags: [[String]]?
    /// Purchases hidden from `u:purchased` because the split on `seen` holds them out (an
    /// evaluation refit: they are the answer), as rank does.
    var hiddenPurchases = 0
    /// `seen` and `purchased` in the numbers of `items`, for `u:seen`/`u:purchased` in C.
    var itemSets: ScriptItemSets?
    /// `u`'s fields: the profile columns (else `user_id`), then `items` when there is a `seen`
    /// input and no profile column of that name (its index: `itemsField`).
    var fieldNames: [String] = []
    var itemsField: Int?
    /// Per item of `seen`, its position in id order (ties in u.items).
    var seenRank: [Int32] = []
    /// `u.items` for every user, read in C (the other fields ask the host): built once per stage,
    /// shared by the workers.
    var scriptColumns: ScriptColumns?

    init(_ context: StageContext) throws {
        seen = try Self.interactions(context, "seen")
        purchased = try Self.interactions(context, "purchased")
        if let split = context.inputs["seen"]?.first?.artifact as? EvaluationSplit, let p = purchased,
            !(context.inputs["purchased"]?.first?.artifact is EvaluationSplit)
        {
            (purchased, hiddenPurchases) = RankStage.withoutHeldOut(p, split: split)
        }
        if let input = context.inputs["users"]?.first {
            if let f = input.artifact as? FeatureSet {
                profiles = f.table
                userIDs = Self.ids(f.table, column: f.idColumn)
            } else if let t = input.artifact as? Table, t.columnCount > 0 {
                profiles = t
                userIDs = Self.ids(t, column: t.columnIndex("user_id") != nil ? "user_id" : t.columnNames[0])
            }
            profileRow = userIDs.indices.map(Int32.init)
        } else if let from = seen ?? purchased {
            userIDs = from.users.ids
            profileRow = [Int32](repeating: -1, count: userIDs.count)
        } else {
            throw StageError(
                "candidates need users: connect a `users` input (profiles) or a `seen` input (interactions)",
                code: .missingInput, at: context.spec.location)
        }
        seenRow = userIDs.map { id in seen?.users[id].map(Int32.init) ?? -1 }
        purchasedRow = userIDs.map { id in purchased?.users[id].map(Int32.init) ?? -1 }
        tags = profiles.flatMap(TagColumn.rows(of:))
        var known: [String] = []
        var taken = Set<String>()
        func add(_ id: String) { if taken.insert(id).inserted { known.append(id) } }
        if let table = try context.optionalInput("items", as: Table.self),
            let c = table.columnIndex(context.string("item_id_column"))
        {
            for r in 0..<table.rowCount { if let id = table.value(row: r, col: c).idText { add(id) } }
        }
        for m in [seen, purchased, try Self.interactions(context, "neighbors")] {
            for id in m?.items.ids ?? [] { add(id) }
        }
        items = IDMap(known)
        var sets: [ScriptRecordSet: ScriptItemSets.Rows] = [:]
        if let seen { sets[.seen] = Self.rows(seen, rowOf: seenRow, items: items) }
        if let purchased { sets[.purchased] = Self.rows(purchased, rowOf: purchasedRow, items: items) }
        itemSets = ScriptItemSets(sets)
        fieldNames = profiles?.columns.map(\.name) ?? []
        if fieldNames.isEmpty { fieldNames = ["user_id"] }
        if let seen, !fieldNames.contains("items") {
            itemsField = fieldNames.count
            fieldNames.append("items")
            seenRank = LuaStage.idRanks(seen.items.ids)
            var offsets: [Int64] = [0]
            var codes: [UInt32] = []
            for u in userIDs.indices {
                codes += seenOrder(u).map { UInt32(seen.matrix.columns[$0]) }
                offsets.append(Int64(codes.count))
            }
            var columns = [ScriptColumns.Column](repeating: .init(.host), count: fieldNames.count)
            columns[fieldNames.count - 1] = .init(
                .stringLists(dictionary: seen.items.ids, offsets: offsets, codes: codes))
            scriptColumns = ScriptColumns(rows: userIDs.count, columns: columns)
        }
    }

    /// The positions in `seen`'s matrix of user `row`'s items: highest weight first, ties by id.
    func seenOrder(_ row: Int) -> [Int] {
        guard let seen, seenRow[row] >= 0 else { return [] }
        let m = seen.matrix
        return m.rowRange(Int(seenRow[row])).sorted { a, b in
            m.values[a] != m.values[b]
                ? m.values[a] > m.values[b] : seenRank[Int(m.columns[a])] < seenRank[Int(m.columns[b])]
        }
    }

    /// `m`'s rows in the numbers of `items` (every item of `m` is in `items`).
    static func rows(_ m: Interactions, rowOf: [Int32], items: IDMap) -> ScriptItemSets.Rows {
        let number = m.items.ids.map { Int32(items[$0] ?? -1) }
        return .init(
            rowOf: rowOf, pointers: m.matrix.rowPointers, columns: m.matrix.columns.map { number[Int($0)] })
    }

    /// The interactions on `port`: a split's train part (an evaluation refit), nil when unconnected.
    static func interactions(_ context: StageContext, _ port: String) throws -> Interactions? {
        guard context.inputs[port]?.first != nil else { return nil }
        return try context.trainingInteractions(port: port)
    }

    static func ids(_ table: Table, column: String) -> [String] {
        let c = table.columnIndex(column) ?? 0
        return (0..<table.rowCount).map { table.value(row: $0, col: c).idText ?? "row \($0 + 1)" }
    }
}

/// `u` in a candidates plugin: the user's profile columns, `u.items` (the ids of the `seen`
/// input, highest weight first, ties by id), `u:seen(id)`, `u:purchased(id)`, `u:has_tag(t)`.
final class PluginUserSource: ScriptRecordSource {
    let users: PluginUsers
    private let columns: [Column]
    private let sets: UserItemSets

    init(_ users: PluginUsers) {
        self.users = users
        sets = UserItemSets(
            seen: users.seen, seenRow: users.seenRow, purchased: users.purchased, purchasedRow: users.purchasedRow,
            tags: users.tags ?? [], profileRow: users.profileRow)
        columns = users.profiles?.columns ?? []
    }

    var fieldNames: [String] { users.fieldNames }

    /// `u.items` in C; the profile columns through ``value(row:field:)``.
    var scriptColumns: ScriptColumns? { users.scriptColumns }

    func value(row: Int, field: Int) -> ScriptValue {
        if field == users.itemsField { return .list(seenItems(row).map(ScriptValue.string)) }
        if columns.isEmpty { return .string(users.userIDs[row]) }
        let r = Int(users.profileRow[row])
        return r >= 0 ? columns[field].scriptValue(r) : .null
    }

    func seenItems(_ row: Int) -> [String] {
        guard let seen = users.seen else { return [] }
        return users.seenOrder(row).map { seen.items[Int(seen.matrix.columns[$0])] }
    }

    func id(row: Int) -> String { users.userIDs[row] }

    var itemSets: ScriptItemSets? { users.itemSets }

    func has(set: String, row: Int, key: String) -> Bool { sets.has(set: set, row: row, key: key) }

    func unavailableReason(set: String) -> String? {
        switch set {
        case "seen" where users.seen == nil: "u:seen needs the lua stage's 'seen' input (interactions)"
        case "purchased" where users.purchased == nil:
            "u:purchased needs the lua stage's 'purchased' input (interactions of purchase events)"
        default: nil
        }
    }
}
