/// A minimal Lua lexer: names, numbers, strings (short and long), punctuation; comments dropped.
struct LuaTokens {
    enum Kind { case name, number, string, symbol }

    struct Token {
        var kind: Kind
        var text: String
        var line: Int
        /// 1-based byte column of the token's first byte.
        var column: Int
    }

    var tokens: [Token] = []

    init(_ source: String) {
        let s = Array(source.utf8)
        var i = 0
        var line = 1
        var lineStart = 0
        func text(_ a: Int, _ b: Int) -> String { String(decoding: s[a..<min(b, s.count)], as: UTF8.self) }
        func isNameStart(_ c: UInt8) -> Bool { (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c == 95 || c >= 128 }
        func isDigit(_ c: UInt8) -> Bool { c >= 48 && c <= 57 }
        /// The level of a long bracket opening at `j`, or nil.
        func longLevel(_ j: Int) -> Int? {
            guard j < s.count, s[j] == UInt8(ascii: "[") else { return nil }
            var k = j + 1
            while k < s.count && s[k] == UInt8(ascii: "=") { k += 1 }
            return k < s.count && s[k] == UInt8(ascii: "[") ? k - j - 1 : nil
        }
        /// Skips the long bracket at `i`; returns its start line.
        func skipLong(_ level: Int) {
            i += level + 2
            while i < s.count {
                if s[i] == UInt8(ascii: "\n") {
                    line += 1
                    lineStart = i + 1
                }
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
        while i < s.count {
            let c = s[i]
            let start = i
            let column = i - lineStart + 1
            if c == UInt8(ascii: "\n") {
                line += 1
                i += 1
                lineStart = i
            } else if c == 32 || c == 9 || c == 13 {
                i += 1
            } else if c == UInt8(ascii: "-") && i + 1 < s.count && s[i + 1] == UInt8(ascii: "-") {
                if let level = longLevel(i + 2) {
                    i += 2
                    skipLong(level)
                } else {
                    while i < s.count && s[i] != UInt8(ascii: "\n") { i += 1 }
                }
            } else if c == UInt8(ascii: "\"") || c == UInt8(ascii: "'") {
                i += 1
                while i < s.count && s[i] != c && s[i] != UInt8(ascii: "\n") {
                    if s[i] == UInt8(ascii: "\\") {
                        i += 1
                        if i < s.count && s[i] == UInt8(ascii: "\n") {
                            line += 1
                            lineStart = i + 1
                        }
                    }
                    i += 1
                }
                i += 1
                tokens.append(Token(kind: .string, text: text(start, i), line: line, column: column))
            } else if let level = longLevel(i) {
                let l = line
                skipLong(level)
                tokens.append(Token(kind: .string, text: text(start, i), line: l, column: column))
            } else if isNameStart(c) {
                while i < s.count && (isNameStart(s[i]) || isDigit(s[i])) { i += 1 }
                tokens.append(Token(kind: .name, text: text(start, i), line: line, column: column))
            } else if isDigit(c) || (c == UInt8(ascii: ".") && i + 1 < s.count && isDigit(s[i + 1])) {
                while i < s.count
                    && (isDigit(s[i]) || isNameStart(s[i]) || s[i] == UInt8(ascii: ".")
                        || ((s[i] == UInt8(ascii: "+") || s[i] == UInt8(ascii: "-")) && "eEpP".utf8.contains(s[i - 1])))
                {
                    i += 1
                }
                tokens.append(Token(kind: .number, text: text(start, i), line: line, column: column))
            } else {
                let two = i + 1 < s.count ? text(i, i + 2) : ""
                let width = ["==", "~=", "<=", ">=", "..", "::", "//", "<<", ">>"].contains(two) ? 2 : 1
                i += width
                tokens.append(Token(kind: .symbol, text: text(start, i), line: line, column: column))
            }
        }
    }
}
