import RecpipeCore

/// Checks one parameter value against its declared ``ParamType`` and range, converting it to the
/// stored form (`float` parameters store ints as doubles, a single scalar given for a list becomes
/// a one-element list).
///
/// Every problem is reported at the element that caused it, naming the parameter with a path for
/// nested elements (`weights.view`, `drop_nulls[1]`). Codes: `type-mismatch`, `out-of-range`,
/// `invalid-choice`.
struct ParamChecker {
    var stage: String
    var spec: ParamSpec

    /// The converted value, or nil when any problem was reported.
    func check(_ v: LocatedValue, into diagnostics: inout [Diagnostic]) -> ParamValue? {
        if spec.nullable, v.value.isNull { return .null }
        return check(v, as: spec.type, path: spec.name, into: &diagnostics)
    }

    // MARK: - Type walk

    private func check(
        _ v: LocatedValue, as type: ParamType, path: String, into diagnostics: inout [Diagnostic]
    ) -> ParamValue? {
        switch (type, v.shape) {
        case (.any, _):
            return v.value
        case (.int, .scalar(.int(let i))):
            return inRange(Double(i), v, path, &diagnostics) ? .int(i) : nil
        case (.float, .scalar(.int(let i))):
            return inRange(Double(i), v, path, &diagnostics) ? .double(Double(i)) : nil
        case (.float, .scalar(.double(let d))):
            return inRange(d, v, path, &diagnostics) ? .double(d) : nil
        case (.bool, .scalar(.bool(let b))):
            return .bool(b)
        case (.string, .scalar(.string(let s))), (.path, .scalar(.string(let s))),
            (.outputPath, .scalar(.string(let s))):
            return .string(s)
        case (.choice(let choices), .scalar(.string(let s))):
            if choices.contains(s) { return .string(s) }
            diagnostics.append(
                .error(
                    "invalid-choice",
                    "\(subject(path)) must be one of \(choices.joined(separator: ", ")); found '\(s)'",
                    at: v.location, hint: Suggestions.hint(for: s, in: choices)))
            return nil
        case (.list(let element), .list(let items)):
            var out: [ParamValue] = []
            var ok = true
            for (i, item) in items.enumerated() {
                if let e = check(item, as: element, path: "\(path)[\(i)]", into: &diagnostics) {
                    out.append(e)
                } else {
                    ok = false
                }
            }
            return ok ? .list(out) : nil
        case (.list(let element), .scalar) where !v.value.isNull && matchesShape(v, element):
            return check(v, as: element, path: path, into: &diagnostics).map { .list([$0]) }
        case (.map(let element), .map(let entries)):
            var out: [ParamValue.Entry] = []
            var ok = true
            for entry in entries {
                if let e = check(entry.value, as: element, path: "\(path).\(entry.key)", into: &diagnostics) {
                    out.append(.init(key: entry.key, value: e))
                } else {
                    ok = false
                }
            }
            return ok ? .map(out) : nil
        case (.oneOf(let types), _):
            return checkOneOf(v, types, path, &diagnostics)
        default:
            diagnostics.append(mismatch(v, expected: type, path: path))
            return nil
        }
    }

    private func checkOneOf(
        _ v: LocatedValue, _ types: [ParamType], _ path: String, _ diagnostics: inout [Diagnostic]
    ) -> ParamValue? {
        var firstShapeMatch: [Diagnostic]?
        for t in types {
            var scratch: [Diagnostic] = []
            if let out = check(v, as: t, path: path, into: &scratch), scratch.isEmpty { return out }
            if firstShapeMatch == nil, matchesShape(v, t) { firstShapeMatch = scratch }
        }
        if case .scalar(.string(let s)) = v.shape, YAMLNode.resolvePlain(s).doubleValue != nil,
            types.contains(where: { $0 == .int || $0 == .float })
        {
            // `k: "5"`: a quoted number is a string, but the number alternative was meant.
            var d = mismatch(v, expected: .oneOf(types), path: path)
            d.message += " ('\(s)')"
            d.hint = "remove the quotes to make it a number: \(s)"
            diagnostics.append(d)
        } else if let shaped = firstShapeMatch {
            diagnostics += shaped
        } else {
            var d = mismatch(v, expected: .oneOf(types), path: path)
            if case .scalar(.string(let s)) = v.shape {
                let choices = types.flatMap { t -> [String] in if case .choice(let c) = t { c } else { [] } }
                d.hint = Suggestions.hint(for: s, in: choices) ?? d.hint
            }
            diagnostics.append(d)
        }
        return nil
    }

    /// Whether the value has the right basic shape for `type` (ignoring range and choice lists),
    /// used to pick which alternative of a `oneOf` a wrong value was meant for.
    private func matchesShape(_ v: LocatedValue, _ type: ParamType) -> Bool {
        switch (type, v.shape) {
        case (.any, _), (.int, .scalar(.int)), (.float, .scalar(.int)), (.float, .scalar(.double)),
            (.bool, .scalar(.bool)), (.string, .scalar(.string)), (.path, .scalar(.string)),
            (.outputPath, .scalar(.string)), (.choice, .scalar(.string)), (.list, .list), (.map, .map):
            true
        case (.list(let element), .scalar): matchesShape(v, element)
        case (.oneOf(let types), _): types.contains { matchesShape(v, $0) }
        default: false
        }
    }

    // MARK: - Messages

    private func subject(_ path: String) -> String { "parameter '\(path)' of stage '\(stage)'" }

    private func inRange(_ x: Double, _ v: LocatedValue, _ path: String, _ diagnostics: inout [Diagnostic]) -> Bool {
        guard let range = spec.range, !range.contains(x) else { return true }
        let bound: String
        switch (range.lowerBound.isFinite, range.upperBound.isFinite && range.upperBound < .greatestFiniteMagnitude) {
        case (true, false): bound = "at least \(Self.format(range.lowerBound))"
        case (false, true): bound = "at most \(Self.format(range.upperBound))"
        default: bound = "between \(Self.format(range.lowerBound)) and \(Self.format(range.upperBound))"
        }
        diagnostics.append(
            .error(
                "out-of-range", "\(subject(path)) must be \(bound), found \(v.value)", at: v.location))
        return false
    }

    private func mismatch(_ v: LocatedValue, expected type: ParamType, path: String) -> Diagnostic {
        var found = v.typeName
        var hint: String?
        switch (type, v.value) {
        case (.int, .double(let d)):
            found = "a non-integer number (\(Self.format(d)))"
        case (.string, .int), (.string, .double), (.string, .bool), (.path, .int), (.path, .double),
            (.outputPath, .int), (.choice, .int), (.choice, .bool):
            hint = "quote it to make it a string: \"\(v.value)\""
        case (.int, .string(let s)), (.float, .string(let s)):
            if YAMLNode.resolvePlain(s).doubleValue != nil { hint = "remove the quotes to make it a number: \(s)" }
        case (_, .null):
            hint =
                spec.defaultValue.map { "remove the line to use the default (\($0))" }
                ?? "give a value or remove the line"
        default:
            break
        }
        return .error(
            "type-mismatch", "\(subject(path)) expects \(Self.phrase(type)), found \(found)",
            at: v.location, hint: hint)
    }

    /// "an integer", "a list of string values", "one of a, b", … for messages.
    static func phrase(_ type: ParamType) -> String {
        switch type {
        case .int: "an integer"
        case .float: "a number"
        case .bool: "a boolean (true or false)"
        case .string: "a string"
        case .path: "a path (a string)"
        case .outputPath: "an output path (a string)"
        case .choice(let c): "one of " + c.joined(separator: ", ")
        case .list(let t): "a list of \(t) values"
        case .map(let t): "a mapping of name: \(t)"
        case .oneOf(let ts): ts.map(phrase).joined(separator: " or ")
        case .any: "any value"
        }
    }

    static func format(_ d: Double) -> String {
        d.rounded() == d && abs(d) < 1e15 ? String(Int(d)) : String(d)
    }
}
