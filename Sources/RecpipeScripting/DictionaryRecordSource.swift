/// A small in-memory ``ScriptRecordSource``: rows of named values plus named sets.
///
/// Used by ``RuleTestRunner`` for analysts' test cases, and handy for tests and samples. Field
/// lookup is O(1) per access; membership tests are O(1) set lookups.
public final class DictionaryRecordSource: ScriptRecordSource {
    /// One record: its id, its fields, and its sets (`tags`, `purchased`, `seen`).
    public struct Record: Sendable, Hashable {
        public var id: String
        public var fields: [String: ScriptValue]
        public var sets: [String: Set<String>]

        public init(id: String, fields: [String: ScriptValue], sets: [String: Set<String>] = [:]) {
            self.id = id
            self.fields = fields
            self.sets = sets
        }
    }

    public let fieldNames: [String]
    private let records: [Record]
    /// Row-major values, `fieldNames.count` per record; a missing field is `.null`.
    private let values: [ScriptValue]

    /// - Parameter fieldNames: the schema; when nil, the sorted union of the records' field names.
    ///   A field a record lacks reads as `nil`.
    public init(records: [Record], fieldNames: [String]? = nil) {
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

    public var count: Int { records.count }

    public func value(row: Int, field: Int) -> ScriptValue {
        values[row * fieldNames.count + field]
    }

    public func id(row: Int) -> String { records[row].id }

    public func has(set: String, row: Int, key: String) -> Bool {
        records[row].sets[set]?.contains(key) ?? false
    }
}
