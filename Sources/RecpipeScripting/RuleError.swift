import RecpipeCore

/// A located failure of a Lua rules script: at load (syntax, registration) or in a rule call.
///
/// Renders as `rules/tags.lua:12: attempt to compare nil with number (rule 'vip', user 'U1043')`.
package struct RuleError: Error, Sendable, Hashable, CustomStringConvertible {
    package enum Kind: String, Sendable, Hashable {
        /// The script does not compile.
        case syntax
        /// A Lua error while running the top level or a rule.
        case runtime
        /// The instruction budget ran out.
        case budget
        /// The memory cap was hit.
        case memory
        /// A `tag`/`filter`/`promote`/`pin`/`bury` call was invalid.
        case registration
        /// A rule returned a value of the wrong type (e.g. a number from a filter).
        case type
        /// The script file could not be read.
        case io
        /// A rule function assigns to a variable created while the file loaded (state that would
        /// carry from one user or item to the next).
        case isolation
        /// A rule's output is over a host limit (tags per user, bytes per tag).
        case limit
    }

    package var kind: Kind
    package var file: String
    /// 1-based line in `file` (the YAML file for inline scripts), when known.
    package var line: Int?
    /// 1-based column, when known (syntax errors: where the offending token is on the line).
    package var column: Int?
    package var rule: String?
    package var user: String?
    package var item: String?
    /// Another entity a plugin call was working on, with its label: `row 17`, `group 'U1'`.
    package var entity: String?
    /// Whether `rule` names a plugin (`map`, `aggregate`, `candidates`, `score`).
    package var isPlugin = false
    /// What went wrong, without the location prefix.
    package var message: String

    package init(
        kind: Kind, file: String, line: Int?, rule: String? = nil, user: String? = nil,
        item: String? = nil, message: String
    ) {
        self.kind = kind
        self.file = file
        self.line = line
        self.rule = rule
        self.user = user
        self.item = item
        self.message = message
    }

    package var description: String {
        var s = file
        if let line { s += ":\(line)" }
        return s + ": " + messageWithContext
    }

    /// The message with its rule and entity, without the location: `attempt to compare nil with
    /// number (rule 'vip', user 'U1043')`. For messages that print the location apart.
    package var messageWithContext: String {
        var context: [String] = []
        if let rule { context.append("\(isPlugin ? "plugin" : "rule") '\(rule)'") }
        if let user { context.append("user '\(user)'") }
        if let item { context.append("item '\(item)'") }
        if let entity { context.append(entity) }
        return context.isEmpty ? message : message + " (" + context.joined(separator: ", ") + ")"
    }

    /// Where the error is, as recpipe's diagnostics locate it (column 1 unless known).
    package var location: SourceLocation {
        SourceLocation(file: file, line: line ?? 1, column: column ?? 1)
    }

    /// The error in recpipe's common diagnostic shape (code `lua-<kind>`).
    package var diagnostic: Diagnostic {
        .error(errorCode, messageWithContext, at: location, hint: hint)
    }

    /// How to fix the most common kinds.
    var hint: String? {
        switch kind {
        case .budget: "make the rule cheaper, or raise the instruction budget"
        case .memory: "the rule allocates too much; avoid building large strings or tables per call"
        case .limit: "tags are labels: return a few short strings, and keep long values in features"
        case .isolation:
            "move the variable into the rule function, or compute the value once at the top level and only read it in rules"
        case .type:
            "tag rules return true/false, a tag string or a list of tags; filters and `when` return true or false"
        default: nil
        }
    }
}

extension RuleError: CodedError {
    /// `lua-<kind>`: `lua-runtime`, `lua-budget`, `lua-memory`, `lua-syntax`, … (as validation
    /// and `recpipe rules check` report them).
    package var errorCode: String { "lua-\(kind.rawValue)" }
}
