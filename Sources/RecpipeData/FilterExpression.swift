import RecpipeCore

/// A simple row predicate: `quantity > 0`, `price <= 100.5`, `country in [United Kingdom, France]`,
/// `country not in [...]`, `status == "paid"`, `x != 3`, `name is not null`, `name is null`.
/// Comparisons with a null cell are false (the row is dropped), except `is null`.
public struct FilterExpression: Sendable, Hashable, CustomStringConvertible {
    public enum Op: String, Sendable, Hashable {
        case eq = "==", ne = "!=", lt = "<", le = "<=", gt = ">", ge = ">="
        case isIn = "in", notIn = "not in", isNull = "is null", isNotNull = "is not null"
    }

    public enum Literal: Sendable, Hashable, CustomStringConvertible {
        case number(Double), string(String), bool(Bool)
        public var description: String {
            switch self {
            case .number(let d): d.rounded() == d && abs(d) < 1e15 ? String(Int64(d)) : String(d)
            case .string(let s): "\"\(s)\""
            case .bool(let b): String(b)
            }
        }
    }

    public struct ParseError: Error, Sendable, Hashable, CustomStringConvertible {
        public var expression: String
        public var message: String
        public var description: String { "invalid filter '\(expression)': \(message)" }
    }

    public var column: String
    public var op: Op
    public var values: [Literal]
    public let text: String

    public var description: String { text }

    // MARK: - Parsing

    public init(parsing text: String) throws {
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
            ("==", .eq), ("!=", .ne), ("<=", .le), (">=", .ge), ("<", .lt), (">", .gt), ("=", .eq),
        ]
        guard let (word, op) = ops.first(where: { lower.hasPrefix($0.0) }) else {
            throw fail("expected an operator (==, !=, <, <=, >, >=, in, not in, is null, is not null) after '\(column)'")
        }
        self.op = op
        rest = rest.dropFirst(word.count).drop { $0 == " " }
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
    }

    private static func splitList(_ s: Substring) -> [Substring] {
        var items: [Substring] = []
        var start = s.startIndex, quote: Character?
        var i = s.startIndex
        while i < s.endIndex {
            let c = s[i]
            if let q = quote { if c == q { quote = nil } } else if c == "\"" || c == "'" { quote = c } else if c == "," {
                items.append(s[start..<i])
                start = s.index(after: i)
            }
            i = s.index(after: i)
        }
        items.append(s[start...])
        return items.map { $0.drop { $0 == " " } }.map { Substring(String($0).trimmingCharacters()) }.filter { !$0.isEmpty }
    }

    private static func literal(_ s: Substring) -> Literal {
        if s.count >= 2, let f = s.first, f == "\"" || f == "'", s.last == f { return .string(String(s.dropFirst().dropLast())) }
        if s == "true" { return .bool(true) }
        if s == "false" { return .bool(false) }
        if let d = ByteParsing.double(String(s)), s.contains(where: \.isNumber) { return .number(d) }
        return .string(String(s))
    }

    // MARK: - Checking

    /// Problems with running this expression on a table of `schema`: an unknown column (with a
    /// did-you-mean) or a literal that cannot compare with the column's type. Empty when valid.
    public func check(against schema: [Field]) -> [Diagnostic] {
        guard let field = schema.first(where: { $0.name == column }) else {
            return [.error("unknown-column", "filter '\(text)': unknown column '\(column)'",
                           hint: Suggestions.hint(for: column, in: schema.map(\.name)))]
        }
        for v in values where compiled(v, for: field.type) == nil {
            return [.error("type-mismatch", "filter '\(text)': \(v) cannot be compared with \(field.type) column '\(column)'",
                           hint: field.type == .timestamp ? "write dates like \"2026-05-01\"" : nil)]
        }
        if field.type == .bool, [.lt, .le, .gt, .ge].contains(op) {
            return [.error("type-mismatch", "filter '\(text)': '\(op.rawValue)' does not apply to bool column '\(column)'")]
        }
        return []
    }

    /// A literal converted to the column's representation: a number for numeric and bool columns,
    /// a string for string columns. Nil when it cannot compare.
    func compiled(_ v: Literal, for type: ColumnType) -> Value? {
        switch (v, type) {
        case (.number(let d), .int), (.number(let d), .float): return .double(d)
        case (.number(let d), .timestamp): return .double(d)
        case (.string(let s), .timestamp): return TimestampFormat.common.lazy.compactMap { $0.parse(s) }.first.map { .double(Double($0)) }
        case (.bool(let b), .bool): return .double(b ? 1 : 0)
        case (.number(let d), .bool) where d == 0 || d == 1: return .double(d)
        case (.string(let s), .string): return .string(s)
        case (.number, .string), (.bool, .string): return .string(v.description)
        default: return nil
        }
    }

    // MARK: - Evaluation

    /// The keep-mask over `table`'s rows. Throws the first `check` problem. O(rows).
    public func mask(_ table: Table) throws -> [Bool] {
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
            let hits = dict.map { d -> Bool in
                switch op {
                case .eq, .isIn: strs.contains(d)
                case .ne, .notIn: !strs.contains(d)
                case .lt: d < strs[0]
                case .le: d <= strs[0]
                case .gt: d > strs[0]
                case .ge: d >= strs[0]
                case .isNull, .isNotNull: false
                }
            }
            return (0..<n).map { !col.isNull($0) && hits[Int(codes[$0])] }
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
            }
        }
    }
}

extension StringProtocol {
    func trimmingCharacters() -> String {
        String(drop { $0 == " " || $0 == "\t" }.reversed().drop { $0 == " " || $0 == "\t" }.reversed())
    }
}
