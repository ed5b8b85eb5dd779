/// Static look-ups in a rules script's text, for validate-time checks that need no Lua state.
package enum RuleSourceScan {
    /// The 1-based lines where code calls the method `name` with `:` (`u:purchased(id)`,
    /// `u : purchased "x"`), one entry per call. Comments, quoted strings and long strings are
    /// skipped, so `-- u:purchased` or `"u:purchased"` do not count; `::label::` is not a call.
    /// O(length of `source`).
    package static func methodCallLines(_ name: String, in source: String) -> [Int] {
        let t = LuaTokens(source).tokens
        return t.indices.compactMap { i in
            i + 1 < t.count && t[i].text == ":" && t[i + 1].kind == .name && t[i + 1].text == name ? t[i + 1].line : nil
        }
    }
}
