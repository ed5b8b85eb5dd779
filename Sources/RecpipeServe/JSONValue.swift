import Foundation
import RecpipeData

/// A JSON document written with its object keys in the order given (responses read top-down:
/// `user`, then `items`, …). Non-finite numbers are written as null.
package indirect enum JSONValue: Sendable, Equatable {
    case null
    case bool(Bool)
    case int(Int64)
    case double(Double)
    case string(String)
    case array([JSONValue])
    case object([(String, JSONValue)])

    package static func == (a: JSONValue, b: JSONValue) -> Bool { a.text == b.text }

    /// A table cell as JSON (timestamps as ISO 8601 text).
    package init(_ v: Value) {
        switch v {
        case .null: self = .null
        case .int(let x): self = .int(x)
        case .double(let x): self = .double(x)
        case .string(let s): self = .string(s)
        case .bool(let b): self = .bool(b)
        case .timestamp(let t): self = .string(Timestamp.format(t, iso: true))
        }
    }

    package var text: String {
        var out = ""
        out.reserveCapacity(1024)
        write(into: &out)
        return out
    }

    func write(into out: inout String) {
        switch self {
        case .null: out += "null"
        case .bool(let b): out += b ? "true" : "false"
        case .int(let x): out += String(x)
        case .double(let x):
            if !x.isFinite {
                out += "null"
            } else if x == x.rounded(), abs(x) < 1e15 {
                out += String(Int64(x)) + ".0"
            } else {
                out += String(x)
            }
        case .string(let s): Self.quote(s, into: &out)
        case .array(let a):
            out += "["
            for (k, v) in a.enumerated() {
                if k > 0 { out += "," }
                v.write(into: &out)
            }
            out += "]"
        case .object(let o):
            out += "{"
            for (k, (key, v)) in o.enumerated() {
                if k > 0 { out += "," }
                Self.quote(key, into: &out)
                out += ":"
                v.write(into: &out)
            }
            out += "}"
        }
    }

    static func quote(_ s: String, into out: inout String) {
        out += "\""
        // Most strings (ids, provenance) need no escape: appended whole.
        if !s.utf8.contains(where: { $0 < 0x20 || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") }) {
            out += s
            out += "\""
            return
        }
        for u in s.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if u.value < 0x20 {
                    out += String(format: "\\u%04x", u.value)
                } else {
                    out.unicodeScalars.append(u)
                }
            }
        }
        out += "\""
    }
}
