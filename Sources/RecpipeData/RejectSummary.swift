/// Which column (and value) caused most of an ingest's rejected rows, read from the rejects'
/// reasons (`column 'CustomerID': cannot parse '17850.0' as int`), so a failing or warning ingest
/// names the cause instead of only the first few lines.
package struct RejectSummary: Sendable, Hashable, CustomStringConvertible {
    /// The column most rejects name, or nil when most rejects are not about one column (wrong
    /// field counts, broken quotes); then `reason` is the most common reason.
    package var column: String?
    /// Rejects attributed to `column` (or with `reason`).
    package var count: Int
    /// The most common offending value in that column.
    package var value: String?
    package var reason: String
    /// Rejects looked at (all of them, or a sample when the policy kept only a few).
    package var examined: Int

    /// The summary of `rejects`; nil when there are none. O(rejects).
    package init?(_ rejects: [RejectedRow]) {
        guard !rejects.isEmpty else { return nil }
        var byColumn: [String: Int] = [:], byValue: [String: [String: Int]] = [:], byReason: [String: Int] = [:]
        var firstReason: [String: String] = [:]
        for r in rejects {
            if let (column, value) = Self.parse(r.reason) {
                byColumn[column, default: 0] += 1
                byValue[column, default: [:]][value, default: 0] += 1
                if firstReason[column] == nil { firstReason[column] = r.reason }
            } else {
                byReason[r.reason, default: 0] += 1
            }
        }
        let topColumn = byColumn.max { $0.value < $1.value || ($0.value == $1.value && $0.key > $1.key) }
        let topReason = byReason.max { $0.value < $1.value || ($0.value == $1.value && $0.key > $1.key) }
        examined = rejects.count
        if let (column, n) = topColumn, n >= (topReason?.value ?? 0) {
            self.column = column
            count = n
            value = byValue[column]?.max { $0.value < $1.value || ($0.value == $1.value && $0.key > $1.key) }?.key
            reason = firstReason[column]!
        } else {
            let (text, n) = topReason!
            column = nil
            count = n
            value = nil
            reason = text
        }
    }

    /// `column 'CustomerID' (406,829 of the rejects, most often '17850.0': …)`.
    package var description: String {
        let share = examined == count ? "all \(count)" : "\(count) of \(examined)"
        guard let column else { return "\(share) rejects: \(reason)" }
        let most = value.map { ", most often '\($0)'" } ?? ""
        let detail =
            reason.hasPrefix("column '\(column)': ") ? String(reason.dropFirst("column '\(column)': ".count)) : reason
        return "column '\(column)' caused \(share) rejects\(most) (\(detail))"
    }

    /// `(column, value)` of a conversion reason, else nil.
    static func parse(_ reason: String) -> (String, String)? {
        let head = "column '", mid = "': cannot parse '"
        guard reason.hasPrefix(head), let m = reason.range(of: mid) else { return nil }
        let column = String(reason[reason.index(reason.startIndex, offsetBy: head.count)..<m.lowerBound])
        let rest = reason[m.upperBound...]
        guard let end = rest.range(of: "' as ") else { return nil }
        return (column, String(rest[..<end.lowerBound]))
    }
}
