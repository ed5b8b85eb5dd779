/// Static look-ups in a rules script's text, for validate-time checks that need no Lua state.
public enum RuleSourceScan {
    /// The 1-based lines where code calls the method `name` with `:` (`u:purchased(id)`,
    /// `u : purchased "x"`), one entry per call. Comments, quoted strings and long strings are
    /// skipped, so `-- u:purchased` or `"u:purchased"` do not count; `::label::` is not a call.
    /// O(length of `source`).
    public static func methodCallLines(_ name: String, in source: String) -> [Int] {
        let s = Array(source.utf8)
        let target = Array(name.utf8)
        var lines: [Int] = []
        var line = 1
        var i = 0

        /// The level of a long bracket `[==[` opening at `j` (its `=` count), or nil.
        func longBracket(at j: Int) -> Int? {
            guard j < s.count, s[j] == UInt8(ascii: "[") else { return nil }
            var k = j + 1
            while k < s.count && s[k] == UInt8(ascii: "=") { k += 1 }
            return k < s.count && s[k] == UInt8(ascii: "[") ? k - j - 1 : nil
        }
        /// Skips a long bracket of `level` opening at `i`, counting its newlines.
        func skipLong(level: Int) {
            i += level + 2
            while i < s.count {
                if s[i] == UInt8(ascii: "\n") { line += 1 }
                if s[i] == UInt8(ascii: "]") {
                    var k = i + 1
                    while k < s.count && s[k] == UInt8(ascii: "=") { k += 1 }
                    if k < s.count && s[k] == UInt8(ascii: "]") && k - i - 1 == level {
                        i = k + 1
                        return
                    }
                }
                i += 1
            }
        }
        func isIdentifier(_ c: UInt8) -> Bool {
            (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c == UInt8(ascii: "_")
        }
        func isSpace(_ c: UInt8) -> Bool { c == 32 || c == 9 || c == 13 || c == 10 }

        while i < s.count {
            let c = s[i]
            switch c {
            case UInt8(ascii: "\n"):
                line += 1
                i += 1
            case UInt8(ascii: "-") where i + 1 < s.count && s[i + 1] == UInt8(ascii: "-"):
                if let level = longBracket(at: i + 2) {
                    i += 2
                    skipLong(level: level)
                } else {
                    while i < s.count && s[i] != UInt8(ascii: "\n") { i += 1 }
                }
            case UInt8(ascii: "\""), UInt8(ascii: "'"):
                i += 1
                while i < s.count && s[i] != c && s[i] != UInt8(ascii: "\n") {
                    if s[i] == UInt8(ascii: "\\") {
                        i += 1
                        if i < s.count && s[i] == UInt8(ascii: "\n") { line += 1 }
                    }
                    i += 1
                }
                i += 1
            case UInt8(ascii: "["):
                if let level = longBracket(at: i) { skipLong(level: level) } else { i += 1 }
            case UInt8(ascii: ":"):
                if i + 1 < s.count && s[i + 1] == UInt8(ascii: ":") {
                    i += 2
                    continue
                }
                var k = i + 1
                var callLine = line
                while k < s.count && isSpace(s[k]) {
                    if s[k] == UInt8(ascii: "\n") { callLine += 1 }
                    k += 1
                }
                let end = k + target.count
                if end <= s.count && Array(s[k..<end]) == target && (end == s.count || !isIdentifier(s[end])) {
                    lines.append(callLine)
                }
                i += 1
            default:
                i += 1
            }
        }
        return lines
    }
}
