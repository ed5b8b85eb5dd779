import Foundation

/// One problem found in user input, in the shape every part of recpipe reports:
/// `file:line:col: error: message` then the source line and a caret, then the hint.
package struct Diagnostic: Error, Sendable, Hashable, CustomStringConvertible {
    package enum Severity: String, Sendable, Hashable {
        case error, warning, note
    }

    package var severity: Severity
    /// A stable machine-readable code, e.g. `unknown-key`, `cycle`, `type-mismatch`.
    package var code: String
    package var message: String
    package var location: SourceLocation?
    /// A "did you mean …?" or "how to fix" line.
    package var hint: String?

    package init(
        _ severity: Severity = .error, code: String, _ message: String,
        at location: SourceLocation? = nil, hint: String? = nil
    ) {
        self.severity = severity
        self.code = code
        self.message = message
        self.location = location
        self.hint = hint
    }

    package static func error(
        _ code: String, _ message: String, at location: SourceLocation? = nil, hint: String? = nil
    ) -> Diagnostic {
        Diagnostic(.error, code: code, message, at: location, hint: hint)
    }

    /// `file:line:col: error: message (hint)` on one line.
    package var description: String {
        var s = ""
        if let location { s += "\(location): " }
        s += "\(severity.rawValue): \(message)"
        if let hint { s += " (\(hint))" }
        return s
    }
}

/// A batch of diagnostics thrown together: validation collects them all, then throws once.
package struct DiagnosticsError: Error, Sendable, CustomStringConvertible {
    package var diagnostics: [Diagnostic]
    package init(_ diagnostics: [Diagnostic]) { self.diagnostics = diagnostics }
    package var description: String { diagnostics.map(\.description).joined(separator: "\n") }
}

/// Renders diagnostics for a terminal: the one-line form, then the source line and a caret.
package struct DiagnosticRenderer: Sendable {
    /// File name → file text, for echoing the offending line.
    package var sources: [String: String]

    /// The directory paths are shown relative to (the current one); files outside it stay absolute.
    package var relativeTo: String

    package init(sources: [String: String] = [:], relativeTo: String = FileManager.default.currentDirectoryPath) {
        self.sources = sources
        self.relativeTo = relativeTo
    }

    /// `file` as the user would type it: relative to ``relativeTo`` when inside it, like the
    /// pipeline path on the command line (`pipelines/rules/promotions.lua`, not `/home/…/pipelines/…`).
    package func displayed(_ file: String) -> String {
        let base = relativeTo.hasSuffix("/") ? relativeTo : relativeTo + "/"
        return file.hasPrefix("/") && file.hasPrefix(base) && file.count > base.count
            ? String(file.dropFirst(base.count)) : file
    }

    package func render(_ d: Diagnostic) -> String {
        var out = ""
        if let loc = d.location { out += "\(displayed(loc.file)):\(loc.line):\(loc.column): " }
        out += "\(d.severity.rawValue): \(d.message)"
        if let loc = d.location, let text = sources[loc.file], loc.line >= 1 {
            var lineNo = 1
            var found: Substring?
            for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
                if lineNo == loc.line { found = line; break }
                lineNo += 1
            }
            if var line = found {
                if line.hasSuffix("\r") { line = line.dropLast() }
                out += "\n    \(line)\n    "
                // Column is 1-based and counts characters; keep tabs so the caret lines up.
                let prefix = line.prefix(max(0, loc.column - 1))
                out += String(prefix.map { $0 == "\t" ? "\t" : " " }) + "^"
            }
        }
        if let hint = d.hint { out += "\n    hint: \(hint)" }
        return out
    }

    package func render(_ ds: [Diagnostic]) -> String {
        ds.map(render).joined(separator: "\n")
    }
}
