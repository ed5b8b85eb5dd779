/// A small in-memory ``ScriptRecordSource``: rows of named values plus named sets.
///
/// Used by ``RuleTestRunner`` for analysts' test cases, and handy for tests and samples. Field
/// lookup is O(1) per access; membership tests are O(1) set lookups.
package final class DictionaryRecordSource: ScriptRecordSource {
    /// One record: its id, its fields, and its sets (`tags`, `purchased`, `seen`).
    package struct Record: Sendable, Hashable {
        package var id: String
        package var fields: [String: ScriptValue]
        package var sets: [String: Set<String>]

        package init(id: String, fields: [String: ScriptValue], sets: [String: Set<String>] = [:]) {
            self.id = id
            self.fields = fields
            self.sets = sets
        }
    }

    package let fieldNames: [String]
    private let records: [Record]
    /// Row-major values, `fieldNames.count` per record; a missing field is `.null`.
    private let values: [ScriptValue]

    /// - Parameter fieldNames: the schema; when nil, the sorted union of the records' field names.
    ///   A field a record lacks reads as `nil`.
    package init(records: [Record], fieldNames: [String]? = nil) {
        let names = fieldNames ?? Array(Set(records.flatMap(\.fields.keys))).sorted()
        self.fieldNames = names
        self.records = records
        var values: [ScriptValue] = []
        values.reserveCapacity(names.count * records.count)
        for record in records {
            for name in names { values.append(record.fields[name] ?? .null) }
        }
        self.values = values
    }

    package var count: Int { records.count }

    package func value(row: Int, field: Int) -> ScriptValue {
        values[row * fieldNames.count + field]
    }

    package func id(row: Int) -> String { records[row].id }

    package func has(set: String, row: Int, key: String) -> Bool {
        records[row].sets[set]?.contains(key) ?? false
    }
}
