import RecpipeCore

/// A parameter value whose every part remembers where it was written, so type and range errors
/// deep inside a list or mapping point at the offending element.
///
/// Values that do not come from a YAML node (a `${vars.x}` substitution, a `--set` override)
/// are lifted with one location for all their parts: the place they were used or given.
struct LocatedValue: Sendable {
    indirect enum Shape: Sendable {
        /// A scalar: null, bool, int, double or string.
        case scalar(ParamValue)
        case list([LocatedValue])
        case map([(key: String, value: LocatedValue)])
    }

    var shape: Shape
    var location: SourceLocation

    init(_ shape: Shape, at location: SourceLocation) {
        self.shape = shape
        self.location = location
    }

    /// The node's typed value, keeping each node's location.
    init(_ node: YAMLNode) {
        location = node.location
        switch node.content {
        case .scalar: shape = .scalar(node.value)
        case .sequence(let items): shape = .list(items.map(LocatedValue.init))
        case .mapping(let pairs):
            shape = .map(
                pairs.map { (key: $0.key.scalarText ?? $0.key.value.description, value: LocatedValue($0.value)) })
        }
    }

    /// A value with every part at `location`.
    init(lifting value: ParamValue, at location: SourceLocation) {
        self.location = location
        switch value {
        case .list(let items): shape = .list(items.map { LocatedValue(lifting: $0, at: location) })
        case .map(let entries):
            shape = .map(entries.map { (key: $0.key, value: LocatedValue(lifting: $0.value, at: location)) })
        default: shape = .scalar(value)
        }
    }

    /// The plain value, locations dropped.
    var value: ParamValue {
        switch shape {
        case .scalar(let v): v
        case .list(let items): .list(items.map(\.value))
        case .map(let entries): .map(entries.map { .init(key: $0.key, value: $0.value.value) })
        }
    }

    var typeName: String { value.typeName }
}

// MARK: - Interpolation

/// Expands `${vars.NAME}` references inside string scalars.
///
/// A string that is exactly one reference takes the variable's typed value (`"${vars.top_n}"` is
/// the int 20); otherwise each reference is replaced by the variable's text. `$${` writes a
/// literal `${`. Problems are `unknown-var` (with a did-you-mean hint) and `bad-interpolation`
/// (unterminated, or a reference that is not `vars.NAME`), located at the scalar.
struct Interpolator {
    /// Variables visible to the text being expanded.
    var vars: [String: ParamValue]
    /// Every declared var's position in `vars:`, and the position of the var being expanded
    /// (only for a better hint: a var used above its declaration).
    var declarationOrder: [String: Int] = [:]
    var expanding: Int?

    /// The value with every string expanded, or nil when any reference failed (each failure is
    /// reported once).
    func expand(_ v: LocatedValue, into diagnostics: inout [Diagnostic]) -> LocatedValue? {
        switch v.shape {
        case .scalar(.string(let s)):
            return expand(s, at: v.location, into: &diagnostics)
        case .scalar:
            return v
        case .list(let items):
            var out: [LocatedValue] = []
            var ok = true
            for item in items {
                if let e = expand(item, into: &diagnostics) { out.append(e) } else { ok = false }
            }
            return ok ? LocatedValue(.list(out), at: v.location) : nil
        case .map(let entries):
            var out: [(key: String, value: LocatedValue)] = []
            var ok = true
            for entry in entries {
                if let e = expand(entry.value, into: &diagnostics) { out.append((entry.key, e)) } else { ok = false }
            }
            return ok ? LocatedValue(.map(out), at: v.location) : nil
        }
    }

    private enum Piece { case text(String), reference(String) }

    private func expand(_ s: String, at location: SourceLocation, into diagnostics: inout [Diagnostic]) -> LocatedValue?
    {
        guard s.contains("${") else { return LocatedValue(.scalar(.string(s)), at: location) }
        var pieces: [Piece] = []
        var text = ""
        var i = s.startIndex
        while i < s.endIndex {
            if s[i...].hasPrefix("$${") {
                text += "${"
                i = s.index(i, offsetBy: 3)
            } else if s[i...].hasPrefix("${") {
                let start = s.index(i, offsetBy: 2)
                guard let close = s[start...].firstIndex(of: "}") else {
                    diagnostics.append(
                        .error(
                            "bad-interpolation", "unterminated '${' in \"\(Self.excerpt(s))\"", at: location,
                            hint: "write `${vars.NAME}`, or `$${` for a literal '${'"))
                    return nil
                }
                if !text.isEmpty { pieces.append(.text(text)); text = "" }
                pieces.append(.reference(String(s[start..<close])))
                i = s.index(after: close)
            } else {
                text.append(s[i])
                i = s.index(after: i)
            }
        }
        if !text.isEmpty { pieces.append(.text(text)) }

        // Each distinct reference is resolved (and reported) once, however often it is used.
        var resolved: [String: ParamValue?] = [:]
        var values: [ParamValue] = []
        var ok = true
        for case .reference(let ref) in pieces {
            if resolved[ref] == nil { resolved[ref] = .some(resolve(ref, in: s, at: location, into: &diagnostics)) }
            if let v = resolved[ref]! { values.append(v) } else { ok = false }
        }
        guard ok else { return nil }
        if pieces.count == 1, case .reference = pieces[0] {
            return LocatedValue(lifting: values[0], at: location)
        }
        var out = ""
        var next = values.makeIterator()
        for piece in pieces {
            switch piece {
            case .text(let t): out += t
            case .reference: out += next.next()!.description
            }
            // Vars that each repeat the one above double at every step: stop before memory does.
            guard out.utf8.count <= Self.maxExpandedBytes else {
                diagnostics.append(
                    .error(
                        "bad-interpolation",
                        "\"\(Self.excerpt(s))\" expands to more than \(Self.maxExpandedBytes / 1_048_576) MiB",
                        at: location,
                        hint: "a var that repeats other vars grows with each level; keep large text in a file"))
                return nil
            }
        }
        return LocatedValue(.scalar(.string(out)), at: location)
    }

    /// The longest text one interpolated string may expand to.
    static let maxExpandedBytes = 1 << 20

    /// The text as quoted in messages: at most 60 characters.
    static func excerpt(_ s: String) -> String { s.count > 60 ? String(s.prefix(60)) + "…" : s }

    private func resolve(
        _ ref: String, in s: String, at location: SourceLocation, into diagnostics: inout [Diagnostic]
    ) -> ParamValue? {
        guard ref.hasPrefix("vars.") else {
            diagnostics.append(
                .error(
                    "bad-interpolation",
                    "cannot interpolate '${\(ref)}' in \"\(Self.excerpt(s))\": only `${vars.NAME}` is supported",
                    at: location,
                    hint: "declare the value under `vars:` and write `${vars.NAME}`, or `$${` for a literal '${'"))
            return nil
        }
        let name = String(ref.dropFirst(5))
        if let v = vars[name] { return v }
        let hint: String
        if let expanding, let declared = declarationOrder[name], declared > expanding {
            hint = "a var can only use vars declared above it; move '\(name)' up"
        } else if let h = Suggestions.hint(for: name, in: vars.keys.sorted()) {
            hint = h
        } else if vars.isEmpty {
            hint = "declare it under `vars:`"
        } else {
            hint = "declared vars: " + vars.keys.sorted().joined(separator: ", ")
        }
        diagnostics.append(
            .error("unknown-var", "unknown variable '\(name)' in \"\(Self.excerpt(s))\"", at: location, hint: hint))
        return nil
    }
}
