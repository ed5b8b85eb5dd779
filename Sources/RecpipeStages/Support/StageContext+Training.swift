import RecpipeCore
import RecpipeData
import RecpipeEngine

/// What several recommender stages read the same way (`als`, `cf`, `popular`, `evaluate`): the
/// matrix they train on and the users' groups. One home, so no stage calls another's helpers.
extension StageContext {
    /// The interactions on `port`: the matrix itself, or a split's train part.
    func trainingInteractions(port: String = "interactions") throws -> Interactions {
        guard let input = inputs[port]?.first else {
            throw StageError(
                "stage '\(stageName)' has no input on port '\(port)'", code: .missingInput, at: spec.location)
        }
        if let split = input.artifact as? EvaluationSplit { return split.train }
        return try self.input(port, as: Interactions.self)
    }

    /// User index in `users` → group label, from the optional `segments` port: a segments
    /// artifact (its names, else `segment N`) or a profiles table's `group_column`. Nil when the
    /// port is not connected; users the groups do not name are left out.
    func userGroups(users: IDMap) throws -> [Int: String]? {
        guard let input = inputs["segments"]?.first else { return nil }
        var out: [Int: String] = [:]
        if let s = input.artifact as? Segments {
            for (n, id) in s.users.enumerated() {
                guard let u = users[id] else { continue }
                let label = Int(s.labels[n])
                out[u] = label < s.names.count && !s.names[label].isEmpty ? s.names[label] : "segment \(label)"
            }
            return out
        }
        let table = try self.input("segments", as: Table.self)
        let column = string("group_column")
        guard let gc = table.columnIndex(column), let uc = table.columnIndex("user_id") else {
            throw StageError(
                "the profiles need a `user_id` column and the group column '\(column)'",
                code: .missingColumn, at: location(of: "group_column"),
                hint: "columns: \(table.columnNames.joined(separator: ", "))")
        }
        for r in 0..<table.rowCount {
            guard let id = table.string(row: r, col: uc) ?? table.int(row: r, col: uc).map(String.init),
                let u = users[id], !table.isNull(row: r, col: gc)
            else { continue }
            out[u] = table.value(row: r, col: gc).description
        }
        return out
    }
}
