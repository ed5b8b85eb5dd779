import RecpipeData

/// A column seen as dense integer codes: row → code in `0..<values.count`, or -1 for null/empty.
/// String columns reuse their dictionary codes (O(n), no hashing per row); other types hash each
/// distinct value once per row. Used by the feature builders to avoid per-row `Value` enums.
struct ColumnCodes {
    var codes: [Int32]
    /// Code → the value as text (ints without a decimal point).
    var values: [String]

    init(_ column: Column) {
        let n = column.count
        switch column.data {
        case .string(let dict, let raw):
            var codes = [Int32](repeating: -1, count: n)
            // Empty strings are treated as missing ids.
            let emptyCode = dict.firstIndex(of: "").map { UInt32($0) }
            raw.withUnsafeBufferPointer { src in
                codes.withUnsafeMutableBufferPointer { dst in
                    if let validity = column.validity {
                        for r in 0..<n where validity[r] && src[r] != emptyCode { dst[r] = Int32(src[r]) }
                    } else {
                        for r in 0..<n where src[r] != emptyCode { dst[r] = Int32(src[r]) }
                    }
                }
            }
            self.codes = codes
            self.values = dict
        default:
            var index: [String: Int32] = [:]
            var values: [String] = []
            var codes = [Int32](repeating: -1, count: n)
            for r in 0..<n {
                guard let text = column.value(r).idText else { continue }
                if let c = index[text] {
                    codes[r] = c
                } else {
                    let c = Int32(values.count)
                    index[text] = c
                    values.append(text)
                    codes[r] = c
                }
            }
            self.codes = codes
            self.values = values
        }
    }

    /// The column's numbers (ints, floats, bools as 0/1) with NaN for null; nil for strings.
    static func numbers(_ column: Column) -> [Double]? {
        var out: [Double]
        switch column.data {
        case .int(let a), .timestamp(let a): out = a.map(Double.init)
        case .float(let a): out = a
        case .bool(let a): out = a.map { $0 ? 1 : 0 }
        case .string: return nil
        }
        if let v = column.validity {
            for r in 0..<out.count where !v[r] { out[r] = .nan }
        }
        return out
    }

    /// A lowercase identifier fragment: letters and digits kept, runs of anything else → `_`.
    static func sanitize(_ s: String) -> String {
        var out = ""
        var pendingUnderscore = false
        for ch in s.lowercased() {
            if ch.isLetter || ch.isNumber {
                if pendingUnderscore && !out.isEmpty { out.append("_") }
                pendingUnderscore = false
                out.append(ch)
            } else {
                pendingUnderscore = true
            }
        }
        return out.isEmpty ? "value" : out
    }
}
