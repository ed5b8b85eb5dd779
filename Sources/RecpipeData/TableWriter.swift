import Foundation
import RecpipeCore

/// Writes tables (and reject lists) as CSV or JSON Lines, atomically through `AtomicFile`,
/// streaming ~1 MiB chunks so a large table never becomes one giant `String`.
///
/// CSV: RFC 4180 quoting (a field with the delimiter, a quote, CR or LF is quoted, quotes
/// doubled), nulls as empty fields, an empty string as `""`, timestamps as `YYYY-MM-DD HH:MM:SS`.
/// JSON Lines: one object per row, nulls as `null`, ints as ints, non-finite floats as `null`,
/// timestamps as ISO-8601 strings.
package enum TableWriter {
    static let flushSize = 1 << 20

    // MARK: - CSV

    package static func writeCSV(_ table: Table, to path: String, delimiter: UInt8 = UInt8(ascii: ",")) throws {
        try writeCSV(table, to: path, delimiter: delimiter, escapeFormulas: false, failAfterRows: nil)
    }

    /// Writes CSV; with `escapeFormulas`, a text cell (or header) a spreadsheet would run as a
    /// formula gets a leading `'` (see ``isFormulaLike(_:)``). Returns how many cells were escaped.
    @discardableResult
    package static func writeCSV(_ table: Table, to path: String, escapeFormulas: Bool) throws -> Int {
        try writeCSV(table, to: path, delimiter: UInt8(ascii: ","), escapeFormulas: escapeFormulas, failAfterRows: nil)
    }

    /// Thrown by the test hook `failAfterRows` to simulate a write dying part-way.
    struct Interrupted: Error {}

    @discardableResult
    static func writeCSV(
        _ table: Table, to path: String, delimiter: UInt8, escapeFormulas: Bool = false, failAfterRows: Int?
    ) throws -> Int {
        // Per string column, which dictionary entries need the formula escape (checked once each).
        let escapes: [[Bool]?] = table.columns.map { c in
            guard escapeFormulas, case .string(let d, _) = c.data else { return nil }
            return d.map(isFormulaLike)
        }
        var escaped = 0
        try AtomicFile.write(to: path) { handle in
            var buf: [UInt8] = []
            buf.reserveCapacity(flushSize + 4096)
            for (j, c) in table.columns.enumerated() {
                if j > 0 { buf.append(delimiter) }
                if escapeFormulas && isFormulaLike(c.name) {
                    escaped += 1
                    appendCSV("'" + c.name, delimiter, &buf, quoteEmpty: false)
                } else {
                    appendCSV(c.name, delimiter, &buf, quoteEmpty: false)
                }
            }
            buf.append(10)
            for r in 0..<table.rowCount {
                if r == failAfterRows { throw Interrupted() }
                for (j, c) in table.columns.enumerated() {
                    if j > 0 { buf.append(delimiter) }
                    if c.isNull(r) { continue }
                    switch c.data {
                    case .int(let a): buf.append(contentsOf: String(a[r]).utf8)
                    case .float(let a): buf.append(contentsOf: formatDouble(a[r]).utf8)
                    case .bool(let a): buf.append(contentsOf: (a[r] ? "true" : "false").utf8)
                    case .timestamp(let a): Timestamp.append(a[r], iso: false, to: &buf)
                    case .string(let d, let codes):
                        let code = Int(codes[r])
                        if let e = escapes[j], e[code] {
                            escaped += 1
                            appendCSV("'" + d[code], delimiter, &buf, quoteEmpty: true)
                        } else {
                            appendCSV(d[code], delimiter, &buf, quoteEmpty: true)
                        }
                    }
                }
                buf.append(10)
                if buf.count >= flushSize {
                    try handle.write(contentsOf: buf)
                    buf.removeAll(keepingCapacity: true)
                }
            }
            try handle.write(contentsOf: buf)
        }
        return escaped
    }

    static func appendCSV(_ s: String, _ delimiter: UInt8, _ buf: inout [UInt8], quoteEmpty: Bool) {
        let utf8 = s.utf8
        if utf8.isEmpty {
            if quoteEmpty { buf.append(contentsOf: [34, 34]) }
            return
        }
        let needs =
            utf8.contains { $0 == delimiter || $0 == 34 || $0 == 10 || $0 == 13 }
            || (quoteEmpty && (s == "NA" || s == "NULL" || s == "null"))
        guard needs else {
            buf.append(contentsOf: utf8)
            return
        }
        buf.append(34)
        for b in utf8 {
            if b == 34 { buf.append(34) }
            buf.append(b)
        }
        buf.append(34)
    }

    /// Shortest round-tripping text; `nan`, `inf`, `-inf` for non-finite values.
    static func formatDouble(_ d: Double) -> String {
        if d.isNaN { return "nan" }
        if d.isInfinite { return d < 0 ? "-inf" : "inf" }
        return String(d)
    }

    // MARK: - JSON Lines

    package static func writeJSONLines(_ table: Table, to path: String) throws {
        let keys = table.columns.map { c -> [UInt8] in
            var k: [UInt8] = []
            appendJSONString(c.name, &k)
            k.append(UInt8(ascii: ":"))
            return k
        }
        try AtomicFile.write(to: path) { handle in
            var buf: [UInt8] = []
            buf.reserveCapacity(flushSize + 4096)
            for r in 0..<table.rowCount {
                buf.append(UInt8(ascii: "{"))
                for (j, c) in table.columns.enumerated() {
                    if j > 0 { buf.append(UInt8(ascii: ",")) }
                    buf.append(contentsOf: keys[j])
                    if c.isNull(r) {
                        buf.append(contentsOf: "null".utf8)
                        continue
                    }
                    switch c.data {
                    case .int(let a): buf.append(contentsOf: String(a[r]).utf8)
                    case .float(let a): buf.append(contentsOf: (a[r].isFinite ? String(a[r]) : "null").utf8)
                    case .bool(let a): buf.append(contentsOf: (a[r] ? "true" : "false").utf8)
                    case .timestamp(let a):
                        buf.append(34)
                        Timestamp.append(a[r], iso: true, to: &buf)
                        buf.append(34)
                    case .string(let d, let codes): appendJSONString(d[Int(codes[r])], &buf)
                    }
                }
                buf.append(contentsOf: [UInt8(ascii: "}"), 10])
                if buf.count >= flushSize {
                    try handle.write(contentsOf: buf)
                    buf.removeAll(keepingCapacity: true)
                }
            }
            try handle.write(contentsOf: buf)
        }
    }

    /// A JSON string literal: quotes, backslashes and control characters escaped; UTF-8 as is.
    static func appendJSONString(_ s: String, _ buf: inout [UInt8]) {
        let hex = Array("0123456789abcdef".utf8)
        buf.append(34)
        for b in s.utf8 {
            switch b {
            case 34: buf.append(contentsOf: [92, 34])
            case 92: buf.append(contentsOf: [92, 92])
            case 10: buf.append(contentsOf: [92, UInt8(ascii: "n")])
            case 13: buf.append(contentsOf: [92, UInt8(ascii: "r")])
            case 9: buf.append(contentsOf: [92, UInt8(ascii: "t")])
            case 0..<32:
                buf.append(contentsOf: [92, UInt8(ascii: "u"), 48, 48, hex[Int(b >> 4)], hex[Int(b & 15)]])
            default: buf.append(b)
            }
        }
        buf.append(34)
    }

    // MARK: - Rejects

    /// Writes rejected rows as CSV with columns `line,reason,raw`.
    package static func writeRejects(_ rejects: [RejectedRow], to path: String) throws {
        let table = try Table(
            schema: [Field("line", .int), Field("reason", .string), Field("raw", .string)],
            rows: rejects.map { [.int(Int64($0.line)), .string($0.reason), .string($0.raw)] })
        try writeCSV(table, to: path)
    }
}
