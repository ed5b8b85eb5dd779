/// An error from the kNN, similarity, split or metric code, with a message that says what went
/// wrong and how to fix it.
public struct KNNError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What kind of failure this is; cases may grow.
    public enum Code: String, Sendable, Equatable {
        /// The computation would need more memory than allowed.
        case memoryLimitExceeded
        /// A parameter is out of its valid range.
        case invalidParameter
        /// Inputs disagree in size or shape.
        case dimensionMismatch
    }

    public var code: Code
    public var message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }

    static func invalid(_ message: String) -> KNNError { KNNError(.invalidParameter, message) }
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
