import RecpipeCore

/// A simple row predicate — the one filter grammar of every YAML filter (`clean` filters,
/// `encode`'s `purchase_when`/`returns_when`): `quantity > 0`, `price <= 100.5`,
/// `country in [United Kingdom, France]`, `country not in [...]`, `status == "paid"`, `x != 3`,
/// `name is not null`, `name is null`, and on text `invoice startswith C`, `code endswith X`,
/// `description contains POSTAGE`, `code matches "^[0-9]{5}$"` (a regular expression found
/// anywhere in the text; anchor with ^ $), each also as `not startswith` …; a trailing
/// `ignore case` makes `==`, `!=`, `in`, `not in` and the text operators case-insensitive.
/// Text operators on a number column read the number as text (`customer startswith 17`).
/// Comparisons with a null cell are false (the row is dropped) — negated ones too — except `is null`.
package struct FilterExpression: Sendable, Hashable, CustomStringConvertible {
    package enum Op: String, Sendable, Hashable {
        case eq = "==", ne = "!=", lt = "<", le = "<=", gt = ">", ge = ">="
        case isIn = "in", notIn = "not in", isNull = "is null", isNotNull = "is not null"
        case startsWith = "startswith", endsWith = "endswith", contains = "contains", matches = "matches"
        case notStartsWith = "not startswith", notEndsWith = "not endswith", notContains = "not contains"
        case notMatches = "not matches"

        /// The operators on text.
        var isText: Bool {
            switch self {
            case .startsWith, .endsWith, .contains, .matches, .notStartsWith, .notEndsWith, .notContains, .notMatches:
                true
            default: false
            }
        }
    }

    package enum Literal: Sendable, Hashable, CustomStringConvertible {
        case number(Double), string(String), bool(Bool)
        package var description: String {
            switch self {
            case .number(let d): d.rounded() == d && abs(d) < 1e15 ? String(Int64(d)) : String(d)
            case .string(let s): "\"\(s)\""
            case .bool(let b): String(b)
            }
        }
    }

    package struct ParseError: Error, Sendable, Hashable, CustomStringConvertible {
        package var expression: String
        package var message: String
        package var description: String { "invalid filter '\(expression)': \(message)" }
    }

    package var column: String
    package var op: Op
    package var values: [Literal]
    /// `ignore case` was given: text comparisons fold case.
    package var ignoreCase = false
    package let text: String

    package var description: String { text }

    // MARK: - Parsing

    package init(parsing text: String) throws {
        self.text = text
        let s = text.trimmingCharacters()
        func fail(_ m: String) -> ParseError { ParseError(expression: text, message: m) }
        var rest = Substring(s)
        // Column: a quoted or backquoted name, or a run up to whitespace or an operator character.
        if let q = rest.first, q == "`" || q == "\"" {
            guard let close = rest.dropFirst().firstIndex(of: q) else { throw fail("unclosed column name") }
            column = String(rest[rest.index(after: rest.startIndex)..<close])
            rest = rest[rest.index(after: close)...]
        } else {
            let end = rest.firstIndex { $0 == " " || "=!<>".contains($0) } ?? rest.endIndex
            column = String(rest[..<end])
            rest = rest[end...]
        }
        guard !column.isEmpty else { throw fail("expected a column name first") }
        rest = rest.drop { $0 == " " }
        let lower = rest.lowercased()
        let ops: [(String, Op)] = [
            ("is not null", .isNotNull), ("is null", .isNull), ("not in", .notIn), ("in", .isIn),
            ("not startswith", .notStartsWith), ("not endswith", .notEndsWith), ("not contains", .notContains),
            ("not matches", .notMatches), ("startswith", .startsWith), ("endswith", .endsWith),
            ("contains", .contains), ("matches", .matches),
            ("==", .eq), ("!=", .ne), ("<=", .le), (">=", .ge), ("<", .lt), (">", .gt), ("=", .eq),
        ]
        // A word operator ends at a space, `[` or the end (`in` is not the start of `inside`).
        func matchesOp(_ word: String) -> Bool {
            guard lower.hasPrefix(word) else { return false }
            guard word.last!.isLetter, lower.count > word.count else { return true }
            let next = lower[lower.index(lower.startIndex, offsetBy: word.count)]
            return next == " " || next == "["
        }
        guard let (word, op) = ops.first(where: { matchesOp($0.0) }) else {
            throw fail(
                "expected an operator (==, !=, <, <=, >, >=, in, not in, is null, is not null, startswith, endswith, contains, matches) after '\(column)'"
            )
        }
        self.op = op
        rest = rest.dropFirst(word.count).drop { $0 == " " }
        let suffix = " ignore case"
        if rest.lowercased().hasSuffix(suffix) {
            guard op != .isNull, op != .isNotNull, ![Op.lt, .le, .gt, .ge].contains(op) else {
                throw fail("'ignore case' applies to ==, !=, in, not in and the text operators, not to '\(word)'")
            }
            ignoreCase = true
            rest = Substring(String(rest.dropLast(suffix.count)).trimmingCharacters())
        }
        switch op {
        case .isNull, .isNotNull:
            guard rest.isEmpty else { throw fail("unexpected text after '\(word)'") }
            values = []
        case .isIn, .notIn:
            guard rest.first == "[", rest.last == "]" else { throw fail("expected a list like [a, b] after '\(word)'") }
            values = Self.splitList(rest.dropFirst().dropLast()).map(Self.literal)
            guard !values.isEmpty else { throw fail("the list is empty") }
        default:
            guard !rest.isEmpty else { throw fail("expected a value after '\(word)'") }
            values = [Self.literal(rest)]
        }
        if op == .matches || op == .notMatches {
            do { _ = try Regex(Self.text(of: values[0])) } catch {
                throw fail("'\(Self.text(of: values[0]))' is not a regular expression: \(error)")
            }
        }
    }

    /// A literal as the text a text operator compares with.
    static func text(of v: Literal) -> String {
        if case .string(let s) = v { return s }
        return v.description
    }

    private static func splitList(_ s: Substring) -> [Substring] {
        var items: [Substring] = []
        var start = s.startIndex, quote: Character?
        var i = s.startIndex
        while i < s.endIndex {
            let c = s[i]
            if let q = quote {
                if c == q { quote = nil }
            } else if c == "\"" || c == "'" {
                quote = c
            } else if c == "," {
                items.append(s[start..<i])
                start = s.index(after: i)
            }
            i = s.index(after: i)
        }
        items.append(s[start...])
        return items.map { $0.drop { $0 == " " } }.map { Substring(String($0).trimmingCharacters()) }.filter {
            !$0.isEmpty
        }
    }

    private static func literal(_ s: Substring) -> Literal {
        if s.count >= 2, let f = s.first, f == "\"" || f == "'", s.last == f {
            return .string(String(s.dropFirst().dropLast()))
        }
        if s == "true" { return .bool(true) }
        if s == "false" { return .bool(false) }
        if let d = ByteParsing.double(String(s)), s.contains(where: \.isNumber) { return .number(d) }
        return .string(String(s))
    }

    // MARK: - Checking

    /// Problems with running this expression on a table of `schema`: an unknown column (with a
    /// did-you-mean) or a literal that cannot compare with the column's type. Empty when valid.
    package func check(against schema: [Field]) -> [Diagnostic] {
        guard let field = schema.first(where: { $0.name == column }) else {
            return [
                .error(
                    "unknown-column", "filter '\(text)': unknown column '\(column)'",
                    hint: Suggestions.hint(for: column, in: schema.map(\.name)))
            ]
        }
        for v in values where compiled(v, for: field.type) == nil {
            return [
                .error(
                    "type-mismatch", "filter '\(text)': \(v) cannot be compared with \(field.type) column '\(column)'",
                    hint: field.type == .timestamp ? "write dates like \"2026-05-01\"" : nil)
            ]
        }
        if field.type == .bool, [.lt, .le, .gt, .ge].contains(op) || op.isText {
            return [
                .error("type-mismatch", "filter '\(text)': '\(op.rawValue)' does not apply to bool column '\(column)'")
            ]
        }
        if field.type == .timestamp, op.isText {
            return [
                .error(
                    "type-mismatch",
                    "filter '\(text)': '\(op.rawValue)' does not apply to timestamp column '\(column)'",
                    hint: "compare dates with < or >, e.g. \(column) >= \"2026-05-01\"")
            ]
        }
        if ignoreCase, field.type != .string, !op.isText {
            return [
                .error(
                    "type-mismatch", "filter '\(text)': 'ignore case' needs a text column; '\(column)' is \(field.type)"
                )
            ]
        }
        return []
    }

    /// A literal converted to the column's representation: a number for numeric and bool columns,
    /// a string for string columns. Nil when it cannot compare.
    func compiled(_ v: Literal, for type: ColumnType) -> Value? {
        if op.isText { return .string(Self.text(of: v)) }
        switch (v, type) {
        case (.number(let d), .int), (.number(let d), .float): return .double(d)
        case (.number(let d), .timestamp): return .double(d)
        case (.string(let s), .timestamp):
            return TimestampFormat.common.lazy.compactMap { $0.parse(s) }.first.map { .double(Double($0)) }
        case (.bool(let b), .bool): return .double(b ? 1 : 0)
        case (.number(let d), .bool) where d == 0 || d == 1: return .double(d)
        case (.string(let s), .string): return .string(s)
        case (.number, .string), (.bool, .string): return .string(v.description)
        default: return nil
        }
    }

    // MARK: - Evaluation

    /// The keep-mask over `table`'s rows. Throws the first `check` problem. O(rows).
    package func mask(_ table: Table) throws -> [Bool] {
        if let d = check(against: table.schema).first { throw DiagnosticsError([d]) }
        let col = table.columns[table.columnIndex(column)!]
        let targets = values.map { compiled($0, for: col.type)! }
        let n = table.rowCount
        switch op {
        case .isNull: return (0..<n).map { col.isNull($0) }
        case .isNotNull: return (0..<n).map { !col.isNull($0) }
        default: break
        }
        if case .string(let dict, let codes) = col.data {
            let strs = targets.map { if case .string(let s) = $0 { s } else { "" } }
            let test = try TextTest(op: op, targets: strs, ignoreCase: ignoreCase)
            let hits = dict.map(test.holds)
            return (0..<n).map { !col.isNull($0) && hits[Int(codes[$0])] }
        }
        if op.isText {
            let test = try TextTest(
                op: op, targets: targets.map { if case .string(let s) = $0 { s } else { "" } }, ignoreCase: false)
            return (0..<n).map { r in col.value(r).idText.map(test.holds) ?? false }
        }
        let nums = targets.map { $0.doubleValue ?? .nan }
        return (0..<n).map { r in
            guard let x = col.double(r) else { return false }
            switch op {
            case .eq: return x == nums[0]
            case .ne: return x != nums[0]
            case .lt: return x < nums[0]
            case .le: return x <= nums[0]
            case .gt: return x > nums[0]
            case .ge: return x >= nums[0]
            case .isIn: return nums.contains(x)
            case .notIn: return !nums.contains(x)
            case .isNull, .isNotNull: return false
            default: return false
            }
        }
    }
}

/// One comparison of text values (the cells of a string column's dictionary, or numbers as text).
private struct TextTest {
    let op: FilterExpression.Op
    let targets: [String]
    let ignoreCase: Bool
    let regex: Regex<AnyRegexOutput>?

    init(op: FilterExpression.Op, targets: [String], ignoreCase: Bool) throws {
        self.op = op
        self.ignoreCase = ignoreCase
        self.targets = ignoreCase ? targets.map { $0.lowercased() } : targets
        if op == .matches || op == .notMatches {
            let r = try Regex(targets[0])
            regex = ignoreCase ? r.ignoresCase() : r
        } else {
            regex = nil
        }
    }

    func holds(_ raw: String) -> Bool {
        let d = ignoreCase && regex == nil ? raw.lowercased() : raw
        let t = targets.first ?? ""
        switch op {
        case .eq, .isIn: return targets.contains(d)
        case .ne, .notIn: return !targets.contains(d)
        case .lt: return d < t
        case .le: return d <= t
        case .gt: return d > t
        case .ge: return d >= t
        case .startsWith: return d.hasPrefix(t)
        case .endsWith: return d.hasSuffix(t)
        case .contains: return d.contains(t)
        case .notStartsWith: return !d.hasPrefix(t)
        case .notEndsWith: return !d.hasSuffix(t)
        case .notContains: return !d.contains(t)
        case .matches: return d.contains(regex!)
        case .notMatches: return !d.contains(regex!)
        case .isNull, .isNotNull: return false
        }
    }
}

extension StringProtocol {
    func trimmingCharacters() -> String {
        String(drop { $0 == " " || $0 == "\t" }.reversed().drop { $0 == " " || $0 == "\t" }.reversed())
    }
}
