/// The record fields a rules script reads (`u.avg_quantity`, `item["category"]`), found in its
/// tokens without running it, so `validate` can hold them against the columns the stage will bind.
///
/// A read is attributed to a rule when it goes through a parameter of the rule's function: the
/// function written in the registering call (`tag("x", function(u) … end)`,
/// `promote{ when = function(u, item) … end }`) or a file-level function passed by name
/// (`tag("x", is_big)`, `when = christmas`). Simple local aliases (`local c = item`,
/// `local a, b = u, item`) read as the parameter. A name that is declared again inside the rule
/// (`local u = …`, a loop variable, an inner function's parameter) or assigned stops being
/// followed from there on, so a read that cannot be attributed is skipped, never guessed.
///
/// Plugins (`map{ fn = function(row) … end }`, `aggregate{ step = …, finish = … }`,
/// `candidates{ fn = function(u, ctx) … end }`, `score{ … }`) are read the same way. Reads deeper
/// in a parameter (`ctx.items[id].title`, or `it.title` after `local it = ctx.items[id]`) carry
/// the path from the parameter to the record read (`["items", "[]"]`), and each function the key
/// it is given under (`fn`, `step`, `finish`), so a check can bind every level to its columns.
extension RuleSourceScan {
    /// One read of `object.field` (or `object["field"]`) inside a rule function.
    package struct FieldRead: Sendable, Equatable {
        /// Line and 1-based column of the field name (of the string for `u["x"]`).
        package var line: Int
        package var column: Int
        /// What the code reads through, as written: the parameter or an alias of it, with the
        /// steps before the field (`ctx.items[…]`).
        package var object: String
        package var field: String
        /// The registering call: `tag`, `filter`, `promote`, `pin`, `bury`, `name_segment`, or a
        /// plugin's `map`, `aggregate`, `candidates` or `score`.
        package var ruleKind: String
        /// The rule's name when written as a literal string, else nil.
        package var rule: String?
        /// 0 for the rule function's first parameter (the user, or the segment), 1 for the second
        /// (the item).
        package var parameter: Int
        /// The steps from the parameter to the record read: field names, and `[]` for an index by
        /// an expression (`ctx.items[id].title`: `["items", "[]"]`); empty for the parameter itself.
        package var path: [String] = []
        /// The key the function is given under in the registering table (`fn`, `step`, `finish`,
        /// `when`); nil for a positional argument.
        package var slot: String? = nil
    }

    /// The registering functions whose arguments hold rule (or plugin) functions.
    package static let registrations: Set<String> = [
        "tag", "filter", "promote", "pin", "bury", "name_segment", "map", "aggregate", "candidates", "score",
    ]

    /// The registering functions of plugins.
    package static let pluginKinds: Set<String> = ["map", "aggregate", "candidates", "score"]

    /// What a followed name stands for: parameter `parameter`, or a record `path` steps inside it.
    struct Alias: Equatable {
        var parameter: Int
        var path: [String] = []
    }

    /// Every field read through a rule function's parameters, in source order. O(length of `source`).
    package static func fieldReads(in source: String) -> [FieldRead] {
        let t = LuaTokens(source).tokens
        let named = namedFunctions(t)
        var out: [FieldRead] = []
        var i = 0
        while i < t.count {
            guard isRegistration(t, i), let close = matching(t, i + 1) else {
                i += 1
                continue
            }
            let rule = ruleName(t, open: i + 1, close: close)
            var depth = 0
            var j = i + 2
            while j < close {
                let x = t[j]
                if x.kind == .symbol && ["(", "{", "["].contains(x.text) {
                    depth += 1
                } else if x.kind == .symbol && [")", "}", "]"].contains(x.text) {
                    depth -= 1
                } else if depth == 0, x.kind == .name, x.text == "function", let f = function(t, at: j) {
                    out += reads(t, f, kind: t[i].text, rule: rule, slot: slot(t, j))
                    j = f.end
                } else if depth == 0, x.kind == .name, let f = named[x.text], isValuePosition(t, j) {
                    out += reads(t, f, kind: t[i].text, rule: rule, slot: slot(t, j))
                }
                j += 1
            }
            i = close + 1
        }
        return out
    }

    // MARK: - Functions

    /// A function's parameters and body: tokens `bodyStart..<end`, `end` being its `end` token.
    struct FunctionSpan {
        var parameters: [String]
        var bodyStart: Int
        var end: Int
    }

    /// The function whose `function` keyword is token `at`, if its header and `end` are found.
    static func function(_ t: [LuaTokens.Token], at: Int) -> FunctionSpan? {
        let (names, close) = parameters(t, at: at)
        guard close < t.count, let end = blockEnd(t, from: close + 1) else { return nil }
        return FunctionSpan(parameters: names, bodyStart: close + 1, end: end)
    }

    /// The parameter names of the `function` keyword at `at`, and the index of the `)` closing them.
    static func parameters(_ t: [LuaTokens.Token], at: Int) -> (names: [String], close: Int) {
        var j = at + 1
        while j < t.count && t[j].text != "(" { j += 1 }
        var names: [String] = []
        j += 1
        while j < t.count && t[j].text != ")" {
            if t[j].kind == .name { names.append(t[j].text) }
            j += 1
        }
        return (names, j)
    }

    /// The index of the `end` closing a block whose body starts at `from` (one block open).
    static func blockEnd(_ t: [LuaTokens.Token], from: Int) -> Int? {
        var depth = 1
        for j in from..<t.count where t[j].kind == .name {
            switch t[j].text {
            case "function", "if", "do", "repeat": depth += 1
            case "end", "until":
                depth -= 1
                if depth == 0 { return j }
            default: break
            }
        }
        return nil
    }

    /// File-level `local function f(…)` and `function f(…)`, by name (the last definition wins).
    static func namedFunctions(_ t: [LuaTokens.Token]) -> [String: FunctionSpan] {
        var out: [String: FunctionSpan] = [:]
        var depth = 0
        var j = 0
        while j < t.count {
            if t[j].kind == .name, t[j].text == "function", depth == 0, j + 1 < t.count, t[j + 1].kind == .name,
                j + 2 < t.count, t[j + 2].text == "(", let f = function(t, at: j)
            {
                out[t[j + 1].text] = f
                j = f.end + 1
                continue
            }
            if t[j].kind == .name {
                switch t[j].text {
                case "function", "if", "do", "repeat": depth += 1
                case "end", "until": depth -= 1
                default: break
                }
            }
            j += 1
        }
        return out
    }

    /// Whether token `i` is a call of a registering function (`tag(`, `promote{`), not a field,
    /// method or definition of that name.
    static func isRegistration(_ t: [LuaTokens.Token], _ i: Int) -> Bool {
        guard t[i].kind == .name, registrations.contains(t[i].text), i + 1 < t.count,
            t[i + 1].text == "(" || t[i + 1].text == "{"
        else { return false }
        return i == 0 || ![".", ":", "function", "local"].contains(t[i - 1].text)
    }

    /// The key of a table field whose value starts at `j` (`step` in `step = function…`).
    static func slot(_ t: [LuaTokens.Token], _ j: Int) -> String? {
        j >= 2 && t[j - 1].text == "=" && t[j - 2].kind == .name ? t[j - 2].text : nil
    }

    /// Whether the name at `j` is a whole argument or table value (`, f)`, `when = f }`).
    static func isValuePosition(_ t: [LuaTokens.Token], _ j: Int) -> Bool {
        guard j > 0, j + 1 < t.count else { return false }
        return [",", "(", "{", "="].contains(t[j - 1].text) && [",", ")", "}", ";"].contains(t[j + 1].text)
    }

    /// The index of the bracket closing the one at `open`.
    static func matching(_ t: [LuaTokens.Token], _ open: Int) -> Int? {
        var depth = 0
        for j in open..<t.count where t[j].kind == .symbol {
            if ["(", "{", "["].contains(t[j].text) { depth += 1 }
            if [")", "}", "]"].contains(t[j].text) {
                depth -= 1
                if depth == 0 { return j }
            }
        }
        return nil
    }

    /// The rule's literal name: the first argument of `tag("x", …)`, or `name = "x"` in `promote{…}`.
    static func ruleName(_ t: [LuaTokens.Token], open: Int, close: Int) -> String? {
        if t[open].text == "(" {
            return open + 1 < close && t[open + 1].kind == .string ? unquoted(t[open + 1].text) : nil
        }
        var depth = 0
        for j in (open + 1)..<close {
            if t[j].kind == .symbol && ["(", "{", "["].contains(t[j].text) { depth += 1 }
            if t[j].kind == .symbol && [")", "}", "]"].contains(t[j].text) { depth -= 1 }
            if depth == 0, t[j].text == "name", j + 2 < close, t[j + 1].text == "=", t[j + 2].kind == .string {
                return unquoted(t[j + 2].text)
            }
        }
        return nil
    }

    /// The contents of a short string literal without escapes (`"x"`, `'x'`), else nil.
    static func unquoted(_ literal: String) -> String? {
        guard let q = literal.first, q == "\"" || q == "'", literal.count >= 2, literal.last == q,
            !literal.contains("\\")
        else { return nil }
        return String(literal.dropFirst().dropLast())
    }

    // MARK: - Reads in a body

    /// The reads through `f`'s parameters (and their aliases) in its body.
    static func reads(_ t: [LuaTokens.Token], _ f: FunctionSpan, kind: String, rule: String?, slot: String?)
        -> [FieldRead]
    {
        var followed: [String: Alias] = [:]
        for (p, name) in f.parameters.enumerated() where name != "..." { followed[name] = Alias(parameter: p) }
        var out: [FieldRead] = []
        var j = f.bodyStart
        while j < f.end {
            let x = t[j]
            if x.kind == .name, x.text == "local" {
                j = declaration(t, j, end: f.end, followed: &followed)
                continue
            }
            if x.kind == .name, x.text == "for" {
                // Loop variables up to `=` or `in` shadow what they name.
                var k = j + 1
                while k < f.end, t[k].text != "=", t[k].text != "in" {
                    if t[k].kind == .name { followed[t[k].text] = nil }
                    k += 1
                }
                j = k
                continue
            }
            if x.kind == .name, x.text == "function", let inner = function(t, at: j) {
                for name in inner.parameters { followed[name] = nil }
                j = inner.bodyStart
                continue
            }
            guard x.kind == .name, let alias = followed[x.text], j == 0 || ![".", ":"].contains(t[j - 1].text) else {
                j += 1
                continue
            }
            if j + 1 < f.end, t[j + 1].text == "=" {
                followed[x.text] = nil  // reassigned: no longer the record
                j += 1
                continue
            }
            let chain = self.chain(t, after: j, end: f.end)
            // `u.x = …` writes the last step: every step before it is a read.
            let assigned = chain.next < f.end && t[chain.next].text == "="
            var path = alias.path
            var written = x.text
            for (n, step) in chain.steps.enumerated() {
                guard let field = step.field else {
                    path.append("[]")
                    written += "[…]"
                    continue
                }
                if assigned && n == chain.steps.count - 1 { break }
                out.append(
                    FieldRead(
                        line: step.line, column: step.column, object: written, field: field, ruleKind: kind,
                        rule: rule, parameter: alias.parameter, path: path, slot: slot))
                path.append(field)
                written += "." + field
            }
            j += 1  // an index expression (`ctx.items[u.fav]`) is scanned on its own
        }
        return out
    }

    /// `local a, b = x, y.f[k]` (or `local a`): names aliasing a followed name, or a path inside
    /// one, stay followed; every other declared name stops being followed. Returns the index
    /// after the names list.
    static func declaration(_ t: [LuaTokens.Token], _ at: Int, end: Int, followed: inout [String: Alias]) -> Int {
        var k = at + 1
        if k < end, t[k].text == "function" { return k }  // `local function f`: its parameters, as any function
        var names: [String] = []
        while k < end, t[k].kind == .name {
            names.append(t[k].text)
            k += 1
            if k < end, t[k].text == "<" { k += 3 }  // attribs: `<const>`, `<close>`
            guard k < end, t[k].text == "," else { break }
            k += 1
        }
        var aliases: [Alias?] = names.map { _ in nil }
        if k < end, t[k].text == "=" {
            var e = k + 1
            for n in names.indices {
                guard e < end, t[e].kind == .name else { break }
                let chain = self.chain(t, after: e, end: end)
                let next = chain.next < end ? t[chain.next] : nil
                let single =
                    next == nil || next!.text == "," || next!.text == ";"
                    || (next!.kind == .name && !["and", "or"].contains(next!.text))
                if single, var alias = followed[t[e].text] {
                    alias.path += chain.steps.map { $0.field ?? "[]" }
                    aliases[n] = alias
                }
                guard let next, next.text == "," else { break }
                e = chain.next + 1
            }
        }
        for (n, name) in names.enumerated() { followed[name] = aliases[n] }
        return k
    }
}
