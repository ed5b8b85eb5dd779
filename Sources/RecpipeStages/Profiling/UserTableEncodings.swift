import RecpipeData
import RecpipeEngine

/// Features taken from the users table, joined to the feature rows by user id:
/// - one-hot: `<col>_<value>` (0/1) per distinct value, values sorted; a missing user or value is all 0.
/// - label: `<col>_label`, the value's index among the sorted distinct values; -1 when missing.
/// - numeric: a copy of the column (null when the user is missing or the value is null).
/// O(users-table rows + feature rows × encoded columns).
struct UserTableEncodings {
    var oneHot: [String]
    var label: [String]
    var numeric: [String]

    var isEmpty: Bool { oneHot.isEmpty && label.isEmpty && numeric.isEmpty }

    init(oneHot: [String], label: [String], numeric: [String]) {
        self.oneHot = oneHot
        self.label = label
        self.numeric = numeric
    }

    func columns(users: Table, ids: Column, userColumn: String) throws(UserFeaturesBuilder.Failure) -> [Column] {
        let idCol = users.column(named: userColumn) ?? users.column(named: "user_id")
        guard let idCol else {
            throw .init(
                code: .missingColumn,
                param: oneHot.isEmpty ? (label.isEmpty ? "numeric_user_columns" : "label_encode") : "one_hot",
                message: "the users table has no '\(userColumn)' column to join on")
        }
        let userIDs = ColumnCodes(idCol)
        var rowOf: [String: Int] = [:]
        for r in 0..<users.rowCount where userIDs.codes[r] >= 0 {
            if rowOf[userIDs.values[Int(userIDs.codes[r])]] == nil { rowOf[userIDs.values[Int(userIDs.codes[r])]] = r }
        }
        let featureIDs = ColumnCodes(ids)
        let rows = featureIDs.codes.map { $0 >= 0 ? rowOf[featureIDs.values[Int($0)]] ?? -1 : -1 }

        func source(_ name: String, _ param: String) throws(UserFeaturesBuilder.Failure) -> Column {
            guard let c = users.column(named: name) else {
                throw .init(
                    code: .missingColumn, param: param, message: "the users table has no column '\(name)'",
                    hint: "columns are: \(users.columnNames.joined(separator: ", "))")
            }
            return c
        }
        var out: [Column] = []
        for name in oneHot {
            let codes = ColumnCodes(try source(name, "one_hot"))
            let sorted = codes.values.indices.sorted { codes.values[$0] < codes.values[$1] }
            for c in sorted {
                out.append(
                    .ints(
                        name + "_" + ColumnCodes.sanitize(codes.values[c]),
                        rows.map { r in
                            r >= 0 && codes.codes[r] == Int32(c) ? 1 : 0
                        }))
            }
        }
        for name in label {
            let codes = ColumnCodes(try source(name, "label_encode"))
            let sorted = codes.values.indices.sorted { codes.values[$0] < codes.values[$1] }
            var rank = [Int64](repeating: -1, count: codes.values.count)
            for (i, c) in sorted.enumerated() { rank[c] = Int64(i) }
            out.append(
                .ints(name + "_label", rows.map { r in r >= 0 && codes.codes[r] >= 0 ? rank[Int(codes.codes[r])] : -1 })
            )
        }
        for name in numeric {
            let c = try source(name, "numeric_user_columns")
            guard let values = ColumnCodes.numbers(c) else {
                throw .init(
                    code: .wrongColumnType, param: "numeric_user_columns",
                    message: "users column '\(name)' is \(c.type), not numeric",
                    hint: "use one_hot or label_encode for text columns")
            }
            let picked = rows.map { $0 >= 0 ? values[$0] : .nan }
            out.append(
                Column(name: name, data: .float(picked.map { $0.isNaN ? 0 : $0 }), validity: picked.map { !$0.isNaN }))
        }
        return out
    }

    /// The names `columns` produces for one-hot and label encodings, given the users table.
    static func encodedNames(_ columns: [Column], oneHot: [String], label: [String]) -> Set<String> {
        var names = Set<String>()
        for c in columns {
            if label.contains(where: { c.name == $0 + "_label" }) { names.insert(c.name) }
            if oneHot.contains(where: { c.name.hasPrefix($0 + "_") }) { names.insert(c.name) }
        }
        return names
    }
}
