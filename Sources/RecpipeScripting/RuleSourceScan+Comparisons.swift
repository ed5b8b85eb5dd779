/// Comparisons of a record field with a literal (`item.category == "Christmas"`, `u.x ~= 0`) and
/// the parameter lists of `function (…)` headers, found in a rules script's tokens. A stage holds
/// them against the types of the data it runs on: `==` between a number and a string is never
/// true in Lua, and nothing else says so.
extension RuleSourceScan {
    /// `object.field op literal` (or `literal op object.field`), `op` being `==` or `~=`.
    public struct FieldComparison: Sendable, Equatable {
        public var line: Int
        public var object: String
        public var field: String
        public var op: String
        /// The literal as written (`"0"`, `'x'`, `12.5`).
        public var literal: String
        public var literalIsString: Bool
    }

    /// A `function (a, b)` header: its line and parameter names.
    public struct FunctionHeader: Sendable, Equatable {
        public var line: Int
        public var parameters: [String]
    }

    /// Every field-to-literal equality comparison, in source order. O(length of `source`).
    public static func fieldComparisons(in source: String) -> [FieldComparison] {
        let t = LuaTokens(source).tokens
        var out: [FieldComparison] = []
        func isField(_ i: Int) -> Bool {
            i + 2 < t.count && t[i].kind == .name && t[i + 1].text == "." && t[i + 2].kind == .name
                && (i == 0 || (t[i - 1].text != "." && t[i - 1].text != ":"))
        }
        for i in t.indices where t[i].text == "==" || t[i].text == "~=" {
            guard i > 0, i + 1 < t.count else { continue }
            // field op literal
            if i >= 3, isField(i - 3), t[i + 1].kind == .string || t[i + 1].kind == .number {
                out.append(
                    FieldComparison(
                        line: t[i].line, object: t[i - 3].text, field: t[i - 1].text, op: t[i].text,
                        literal: t[i + 1].text, literalIsString: t[i + 1].kind == .string))
                continue
            }
            // literal op field (not followed by a call, index or method)
            if t[i - 1].kind == .string || t[i - 1].kind == .number, isField(i + 1) {
                let after = i + 4 < t.count ? t[i + 4].text : ""
                guard after != "." && after != "[" && after != "(" && after != ":" else { continue }
                out.append(
                    FieldComparison(
                        line: t[i].line, object: t[i + 1].text, field: t[i + 3].text, op: t[i].text,
                        literal: t[i - 1].text, literalIsString: t[i - 1].kind == .string))
            }
        }
        return out
    }

    /// Every `function (…)` header (named or anonymous), in source order.
    public static func functionHeaders(in source: String) -> [FunctionHeader] {
        let t = LuaTokens(source).tokens
        var out: [FunctionHeader] = []
        for i in t.indices where t[i].kind == .name && t[i].text == "function" {
            var j = i + 1
            while j < t.count && t[j].text != "(" { j += 1 }
            var names: [String] = []
            j += 1
            while j < t.count && t[j].text != ")" {
                if t[j].kind == .name { names.append(t[j].text) }
                j += 1
            }
            out.append(FunctionHeader(line: t[i].line, parameters: names))
        }
        return out
    }
}

// MARK: - Tokens

/// A minimal Lua lexer: names, numbers, strings (short and long), punctuation; comments dropped.
struct LuaTokens {
    enum Kind { case name, number, string, symbol }

    struct Token {
        var kind: Kind
        var text: String
        var line: Int
    }

    var tokens: [Token] = []

    init(_ source: String) {
        let s = Array(source.utf8)
        var i = 0
        var line = 1
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
        while i < s.count {
            let c = s[i]
            let start = i
            if c == UInt8(ascii: "\n") {
                line += 1
                i += 1
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
                        if i < s.count && s[i] == UInt8(ascii: "\n") { line += 1 }
                    }
                    i += 1
                }
                i += 1
                tokens.append(Token(kind: .string, text: text(start, i), line: line))
            } else if let level = longLevel(i) {
                let l = line
                skipLong(level)
                tokens.append(Token(kind: .string, text: text(start, i), line: l))
            } else if isNameStart(c) {
                while i < s.count && (isNameStart(s[i]) || isDigit(s[i])) { i += 1 }
                tokens.append(Token(kind: .name, text: text(start, i), line: line))
            } else if isDigit(c) || (c == UInt8(ascii: ".") && i + 1 < s.count && isDigit(s[i + 1])) {
                while i < s.count && (isDigit(s[i]) || isNameStart(s[i]) || s[i] == UInt8(ascii: ".")
                    || ((s[i] == UInt8(ascii: "+") || s[i] == UInt8(ascii: "-")) && "eEpP".utf8.contains(s[i - 1])))
                {
                    i += 1
                }
                tokens.append(Token(kind: .number, text: text(start, i), line: line))
            } else {
                let two = i + 1 < s.count ? text(i, i + 2) : ""
                let width = ["==", "~=", "<=", ">=", "..", "::", "//", "<<", ">>"].contains(two) ? 2 : 1
                i += width
                tokens.append(Token(kind: .symbol, text: text(start, i), line: line))
            }
        }
    }
}
