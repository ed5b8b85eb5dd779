import Foundation

/// What `recpipe rules check` / `validate` learn about a script without any data.
package struct RuleCheckResult: Sendable, Hashable {
    /// Rules registered by the top level (complete only when `errors` is empty).
    package var rules: [RegisteredRule]
    /// Located problems: a syntax error, a registration error, or a runtime error of the top level
    /// (such as reading or writing an undeclared global). Running stops at the first one.
    package var errors: [RuleError]
    /// What the top level printed.
    package var printed: [String]

    package var isValid: Bool { errors.isEmpty }
}

/// Compiles a rules script and runs its top level in a fresh sandbox.
///
/// Rule bodies are not executed (there is no data), so mistakes inside them, like a misspelled
/// field, surface only when the rule runs: use ``RuleTestRunner`` for those.
package enum RuleChecker {
    package static func check(
        source: String, file: String, lineOffset: Int = 0,
        context: LuaRuntime.Context = .init(asOf: "1970-01-01"), limits: LuaRuntime.Limits = .init()
    ) -> RuleCheckResult {
        do {
            let lua = try LuaRuntime(limits: limits, context: context)
            do {
                try lua.load(source: source, chunkName: file, lineOffset: lineOffset)
                return RuleCheckResult(rules: lua.rules, errors: [], printed: lua.printed)
            } catch {
                return RuleCheckResult(rules: lua.rules, errors: [error], printed: lua.printed)
            }
        } catch {
            return RuleCheckResult(rules: [], errors: [error], printed: [])
        }
    }

    /// Checks a script file; an unreadable file is an `io` error.
    package static func check(
        file path: String, context: LuaRuntime.Context = .init(asOf: "1970-01-01"),
        limits: LuaRuntime.Limits = .init()
    ) -> RuleCheckResult {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            return RuleCheckResult(
                rules: [],
                errors: [RuleError(kind: .io, file: path, line: nil, message: "cannot read the rules script")],
                printed: [])
        }
        return check(source: text, file: path, context: context, limits: limits)
    }
}
