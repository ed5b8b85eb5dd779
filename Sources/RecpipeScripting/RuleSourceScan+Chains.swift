/// Access chains after a name (`ctx.items[id].title`), for the field-read scan: which steps
/// name a field and which index by an expression.
extension RuleSourceScan {
    /// One step of an access chain: `.name` or `["name"]` (a field, at its line and column), or
    /// `[expression]` (no field).
    struct Step {
        var field: String?
        var line = 0
        var column = 0
    }

    /// The steps after the name at `at` (`.a`, `["b"]`, `[k]`), up to the first token that is
    /// none (a call, a method, an operator); `next` is that token's index.
    static func chain(_ t: [LuaTokens.Token], after at: Int, end: Int) -> (steps: [Step], next: Int) {
        var steps: [Step] = []
        var k = at + 1
        while k < end {
            if t[k].text == ".", k + 1 < end, t[k + 1].kind == .name {
                steps.append(Step(field: t[k + 1].text, line: t[k + 1].line, column: t[k + 1].column))
                k += 2
            } else if t[k].text == "[", let close = matching(t, k), close < end {
                if close == k + 2, let field = unquoted(t[k + 1].text), t[k + 1].kind == .string {
                    steps.append(Step(field: field, line: t[k + 1].line, column: t[k + 1].column))
                } else {
                    steps.append(Step(field: nil))
                }
                k = close + 1
            } else {
                break
            }
        }
        return (steps, k)
    }
}
