import RecpipeData
import RecpipeScripting

/// Run-time check of rules against the data they ran on: a `==`/`~=` between a field and a
/// literal of another type (`u.x == "0"` on a number column, `item.price == "9.5"`) is never
/// equal in Lua and silently makes the rule do nothing. Each such comparison is one warning
/// naming the rule, the field, both types and one value of the field.
///
/// The field's record is the rule function's parameter it is read through (first: the user,
/// second: the item); its type is the type of the column the stage bound to that record.
struct RuleComparisonCheck {
    /// A rules script as loaded (the tag stage's inline scripts start `lineOffset` lines into the YAML).
    struct Script {
        var file: String
        var text: String
        var lineOffset = 0
    }

    /// The tables behind the rule parameters, in parameter order (user, then item); nil: unknown.
    var records: [Table?]
    /// The names a parameter is usually given, per position, when no header is found.
    static let usualNames = [["u", "user", "p", "profile"], ["item", "i", "it", "c", "candidate"]]

    func warnings(rules: [RegisteredRule], scripts: [Script]) -> [String] {
        var out: [String] = []
        for script in scripts {
            let headers = RuleSourceScan.functionHeaders(in: script.text)
            let ruleLines = rules.filter { $0.file == script.file }.sorted { $0.line < $1.line }
            for c in RuleSourceScan.fieldComparisons(in: script.text) {
                let line = c.line + script.lineOffset
                guard let rule = ruleLines.last(where: { $0.line <= line }) else { continue }
                let header = headers.last { $0.line <= c.line && $0.line + script.lineOffset >= rule.line }
                guard
                    let position = header?.parameters.firstIndex(of: c.object)
                        ?? Self.usualNames.firstIndex(where: { $0.contains(c.object) }),
                    position < records.count, let table = records[position],
                    let column = table.column(named: c.field),
                    let fieldType = Self.luaType(column.data), let example = Self.example(column)
                else { continue }
                let literalType = c.literalIsString ? "string" : "number"
                guard fieldType != literalType else { continue }
                out.append(
                    "\(rule.kind.rawValue) '\(rule.name)' (\(script.file):\(line)): \(c.object).\(c.field) \(c.op) \(c.literal) "
                        + "compares a \(fieldType) field with a \(literalType), which is never equal in Lua "
                        + "(\(c.object).\(c.field) is a \(fieldType), e.g. \(example)); "
                        + (fieldType == "number"
                            ? "write \(c.object).\(c.field) \(c.op) \(Self.unquoted(c.literal))"
                            : "compare with a \(fieldType)"))
            }
        }
        return out
    }

    /// The Lua type a column's cells have in rules.
    static func luaType(_ data: ColumnData) -> String? {
        switch data {
        case .int, .float, .timestamp: "number"
        case .string: "string"
        case .bool: "boolean"
        }
    }

    /// The first non-null cell, as Lua would print it (strings quoted).
    static func example(_ column: Column) -> String? {
        for r in 0..<column.count where !column.isNull(r) { return column.scriptValue(r).description }
        return nil
    }

    static func unquoted(_ literal: String) -> String {
        guard let f = literal.first, f == "\"" || f == "'", literal.count >= 2 else { return literal }
        return String(literal.dropFirst().dropLast())
    }
}
