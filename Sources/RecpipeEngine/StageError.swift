import RecpipeCore

/// A failure a stage reports to the user, in the shape of a validation diagnostic: a stable code,
/// what went wrong, where (a YAML or script location if known) and how to fix it. The run
/// summary prints it with the source line and a caret; the manifest and `--json` keep the code.
/// Any other error a stage throws becomes one (``init(wrapping:code:)``): under its own code when
/// it is a ``CodedError`` (a Lua rule's `lua-runtime`, a database's `database-query-failed`),
/// else under `stage-failed`.
package struct StageError: Error, Sendable, CustomStringConvertible {
    /// A stable machine-readable code (`stage-failed` unless the failure has its own).
    package var code: Code
    package var message: String
    package var location: SourceLocation?
    package var hint: String?

    package init(_ message: String, code: Code = .stageFailed, at location: SourceLocation? = nil, hint: String? = nil)
    {
        self.code = code
        self.message = message
        self.location = location
        self.hint = hint
    }

    /// `error` itself when it is a StageError; else its description under `code`, or under the
    /// error's own code when it is a ``CodedError``, or `stage-failed`.
    package init(wrapping error: any Error, code: Code? = nil) {
        if let e = error as? StageError { self = e } else { self.init("\(error)", code: code ?? .of(error)) }
    }

    /// The failure as a diagnostic (severity error), for the renderer with source line and caret.
    package var diagnostic: Diagnostic { .error(code.rawValue, message, at: location, hint: hint) }

    package var description: String {
        var s = location.map { "\($0): " } ?? ""
        s += message
        if let hint { s += " (\(hint))" }
        return s
    }
}
