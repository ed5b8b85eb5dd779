/// Comparisons of a record field with a literal (`item.category == "Christmas"`, `u.x ~= 0`) and
/// the parameter lists of `function (…)` headers, found in a rules script's tokens. A stage holds
/// them against the types of the data it runs on: `==` between a number and a string is never
/// true in Lua, and nothing else says so.
extension RuleSourceScan {
    /// `object.field op literal` (or `literal op object.field`), `op` being `==` or `~=`.
    package struct FieldComparison: Sendable, Equatable {
        package var line: Int
        package var object: String
        package var field: String
        package var op: String
        /// The literal as written (`"0"`, `'x'`, `12.5`).
        package var literal: String
        package var literalIsString: Bool
    }

    /// A `function (a, b)` header: its line and parameter names.
    package struct FunctionHeader: Sendable, Equatable {
        package var line: Int
        package var parameters: [String]
    }

    /// Every field-to-literal equality comparison, in source order. O(length of `source`).
    package static func fieldComparisons(in source: String) -> [FieldComparison] {
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
    package static func functionHeaders(in source: String) -> [FunctionHeader] {
        let t = LuaTokens(source).tokens
        var out: [FunctionHeader] = []
        for i in t.indices where t[i].kind == .name && t[i].text == "function" {
            out.append(FunctionHeader(line: t[i].line, parameters: parameters(t, at: i).names))
        }
        return out
    }
}
