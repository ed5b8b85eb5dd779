/// The type of one table column, as written in pipeline YAML (`int`, `float`, `string`, `bool`,
/// `timestamp`).
package enum ColumnType: String, Sendable, Hashable, CaseIterable, Codable, CustomStringConvertible {
    case int, float, string, bool, timestamp

    package var description: String { rawValue }

    /// Whether values of this type order and compare as numbers.
    package var isNumeric: Bool { self == .int || self == .float || self == .timestamp }
}

/// One column of a table's schema.
package struct Field: Sendable, Hashable, CustomStringConvertible {
    package var name: String
    package var type: ColumnType

    package init(_ name: String, _ type: ColumnType) {
        self.name = name
        self.type = type
    }

    package var description: String { "\(name): \(type)" }
}

/// One cell of a table.
package enum Value: Sendable, Hashable, CustomStringConvertible {
    case null
    case int(Int64)
    case double(Double)
    case string(String)
    case bool(Bool)
    /// Seconds since 1970-01-01T00:00:00Z.
    case timestamp(Int64)

    package var isNull: Bool { if case .null = self { true } else { false } }

    /// The value as an id: strings as they are, integers in decimal, integral floats without
    /// `.0` (so `17850.0` and `17850` name the same customer), bools as `true`/`false`; nil for
    /// null and the empty string. Every stage that matches ids across tables uses this.
    package var idText: String? {
        switch self {
        case .null: nil
        case .string(let s): s.isEmpty ? nil : s
        case .int(let v), .timestamp(let v): String(v)
        case .double(let d): d == d.rounded() && abs(d) < 1e15 ? String(Int64(d)) : String(d)
        case .bool(let b): b ? "true" : "false"
        }
    }

    /// The value as a number, if it is one (int, double, timestamp seconds, bool as 0/1).
    package var doubleValue: Double? {
        switch self {
        case .int(let v): Double(v)
        case .double(let v): v
        case .timestamp(let v): Double(v)
        case .bool(let b): b ? 1 : 0
        case .null, .string: nil
        }
    }

    package var description: String {
        switch self {
        case .null: "null"
        case .int(let v): String(v)
        case .double(let v): String(v)
        case .string(let s): s
        case .bool(let b): String(b)
        case .timestamp(let t): Timestamp.format(t)
        }
    }
}
