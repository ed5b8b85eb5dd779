import RecpipeCore

/// A parameter value decoded from YAML (after `${vars.x}` interpolation and `--set` overrides).
///
/// Maps keep their YAML order (it is what a user reads back in `recpipe stages` and manifests);
/// fingerprints hash them in that order.
package indirect enum ParamValue: Sendable, Hashable, CustomStringConvertible {
    case null
    case bool(Bool)
    case int(Int)
    case double(Double)
    case string(String)
    case list([ParamValue])
    case map([Entry])

    package struct Entry: Sendable, Hashable {
        package var key: String
        package var value: ParamValue
        package init(key: String, value: ParamValue) {
            self.key = key
            self.value = value
        }
    }

    // MARK: - Accessors

    package var intValue: Int? {
        switch self {
        case .int(let v): v
        case .double(let d) where d.rounded() == d && abs(d) < 1e15: Int(d)
        default: nil
        }
    }
    package var doubleValue: Double? {
        switch self {
        case .int(let v): Double(v)
        case .double(let d): d
        default: nil
        }
    }
    package var boolValue: Bool? { if case .bool(let b) = self { b } else { nil } }
    package var stringValue: String? { if case .string(let s) = self { s } else { nil } }
    package var listValue: [ParamValue]? { if case .list(let l) = self { l } else { nil } }
    package var mapValue: [Entry]? { if case .map(let m) = self { m } else { nil } }
    package var isNull: Bool { if case .null = self { true } else { false } }

    /// A list of strings, accepting a single string as a one-element list.
    package var stringList: [String]? {
        switch self {
        case .string(let s): [s]
        case .list(let l):
            l.allSatisfy { $0.stringValue != nil } ? l.compactMap(\.stringValue) : nil
        default: nil
        }
    }

    package subscript(key: String) -> ParamValue? {
        mapValue?.first(where: { $0.key == key })?.value
    }

    /// The human name of the value's type, for messages ("expected an integer, found a string").
    package var typeName: String {
        switch self {
        case .null: "null"
        case .bool: "a boolean"
        case .int: "an integer"
        case .double: "a number"
        case .string: "a string"
        case .list: "a list"
        case .map: "a mapping"
        }
    }

    /// Compact YAML-flow rendering, used in `recpipe stages`, manifests and summaries.
    package var description: String {
        switch self {
        case .null: "null"
        case .bool(let b): b ? "true" : "false"
        case .int(let i): String(i)
        case .double(let d): String(d)
        case .string(let s): s
        case .list(let l): "[" + l.map(\.description).joined(separator: ", ") + "]"
        case .map(let m): "{" + m.map { "\($0.key): \($0.value)" }.joined(separator: ", ") + "}"
        }
    }

    /// Feeds the value into a fingerprint, with type tags so `1` and `"1"` differ.
    package func hash(into h: inout ContentHasher) {
        switch self {
        case .null: h.update(0 as UInt64)
        case .bool(let b): h.update(1 as UInt64); h.update(b ? 1 : 0)
        case .int(let i): h.update(2 as UInt64); h.update(UInt64(bitPattern: Int64(i)))
        case .double(let d): h.update(3 as UInt64); h.update(d.bitPattern)
        case .string(let s): h.update(4 as UInt64); h.update(s)
        case .list(let l):
            h.update(5 as UInt64); h.update(UInt64(l.count))
            for v in l { v.hash(into: &h) }
        case .map(let m):
            h.update(6 as UInt64); h.update(UInt64(m.count))
            for e in m { h.update(e.key); e.value.hash(into: &h) }
        }
    }
}
