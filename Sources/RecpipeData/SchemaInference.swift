/// Infers column types from sample values and renders a schema as YAML to paste into a pipeline.
package enum SchemaInference {
    /// The narrowest type every non-null sample fits, tried in the order int, float, bool,
    /// timestamp (one common format for all values), else string. An all-null sample is string.
    /// Complexity: O(samples × formats).
    package static func inferType(_ samples: [String]) -> (type: ColumnType, format: TimestampFormat?) {
        if samples.isEmpty { return (.string, nil) }
        // `17850.0` reads as an int when declared so, but a column written with decimals is inferred float.
        if samples.allSatisfy({ ByteParsing.int($0) != nil && !$0.contains(".") }) { return (.int, nil) }
        if samples.allSatisfy({ looksNumeric($0) && ByteParsing.double($0) != nil }) { return (.float, nil) }
        if samples.allSatisfy({ ByteParsing.bool($0) != nil }) { return (.bool, nil) }
        for fmt in TimestampFormat.common where samples.allSatisfy({ fmt.parse($0) != nil }) {
            return (.timestamp, fmt)
        }
        return (.string, nil)
    }

    /// Rejects words like `nan`/`inf` as evidence of a float column (they are usually text).
    private static func looksNumeric(_ s: String) -> Bool {
        s.utf8.contains { $0 >= 48 && $0 <= 57 }
    }

    /// The schema as a YAML block:
    /// ```yaml
    /// schema:
    ///   InvoiceDate: { type: timestamp, format: "%Y-%m-%d %H:%M:%S" }
    ///   Quantity: { type: int }
    /// ```
    package static func yaml(_ schema: [ColumnSpec], key: String = "schema", indent: Int = 0) -> String {
        let pad = String(repeating: " ", count: indent)
        var out = "\(pad)\(key):\n"
        for spec in schema {
            var parts = ["type: \(spec.type)"]
            if let f = spec.format { parts.append("format: \(quoted(f))") }
            if let r = spec.rename { parts.append("rename: \(quoted(r))") }
            out += "\(pad)  \(quotedKey(spec.name)): { \(parts.joined(separator: ", ")) }\n"
        }
        return out
    }

    private static func quotedKey(_ s: String) -> String {
        let plain =
            !s.isEmpty
            && s.unicodeScalars.allSatisfy { $0.properties.isAlphabetic || $0 == "_" || ("0"..."9").contains($0) }
            && !("0"..."9").contains(s.unicodeScalars.first!)
        return plain ? s : quoted(s)
    }

    private static func quoted(_ s: String) -> String {
        var out = "\""
        for c in s.unicodeScalars {
            switch c {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            default: out.unicodeScalars.append(c)
            }
        }
        return out + "\""
    }
}
