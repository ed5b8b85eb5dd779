/// kNN, similarity, split and metric failures are ``AlgorithmError``s.
extension AlgorithmError {
    static func invalid(_ message: String) -> AlgorithmError { AlgorithmError(.invalidParameter, message) }
}

/// Number formatting for messages (no Foundation).
enum KNNFormat {
    /// 1682 → "1,682".
    static func grouped(_ value: Int) -> String {
        let digits = String(value.magnitude)
        var out = ""
        for (i, ch) in digits.enumerated() {
            if i > 0 && (digits.count - i) % 3 == 0 { out.append(",") }
            out.append(ch)
        }
        return value < 0 ? "-" + out : out
    }

    /// Bytes → "12.3" (megabytes, 10^6 bytes, one decimal).
    static func megabytes(_ bytes: Int) -> String {
        let tenths = (bytes + 50_000) / 100_000
        return "\(grouped(tenths / 10)).\(tenths % 10)"
    }
}
