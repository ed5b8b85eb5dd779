import RecpipeCore

/// A stage's parameter values with every omitted parameter's default filled in from its
/// declaration — the one place a default is resolved, for validation, runs, `serve` and tests
/// alike. A stage never restates a default: it reads a defaulted parameter through the
/// non-optional accessors (`int`, `string`, …) and a parameter without a default (or a nullable
/// one) through the `optional…` accessors.
///
/// Reading a parameter the declaration does not have, or reading one without a default as if it
/// had one, is a programming error and stops the process with the stage kind and parameter name:
/// every stage's tests reach each of its reads.
package struct StageParameters: Sendable {
    package let declaration: StageDeclaration
    /// Every declared parameter that has a value (given or default), by name.
    package let values: [String: ParamValue]

    /// `given` (type-checked values by name) with the declaration's defaults filled in for the
    /// parameters that are neither given nor in `written` (written but rejected by validation).
    package init(_ given: [String: ParamValue], declaration: StageDeclaration, written: Set<String> = []) {
        var values = given
        for p in declaration.params where values[p.name] == nil && !written.contains(p.name) {
            if let value = p.defaultValue { values[p.name] = value }
        }
        self.declaration = declaration
        self.values = values
    }

    /// The parameters of `spec`, a stage of `declaration`'s kind.
    package init(_ spec: StageSpec, declaration: StageDeclaration) {
        self.init(spec.params, declaration: declaration)
    }

    // MARK: - Parameters with a value (given or declared default)

    package func int(_ name: String) -> Int { required(name, "an int", \.intValue) }
    package func double(_ name: String) -> Double { required(name, "a number", \.doubleValue) }
    package func bool(_ name: String) -> Bool { required(name, "a bool", \.boolValue) }
    package func string(_ name: String) -> String { required(name, "a string", \.stringValue) }
    package func strings(_ name: String) -> [String] { required(name, "a string list", \.stringList) }
    package func ints(_ name: String) -> [Int] {
        required(name, "an int list") { $0.listValue?.compactMap(\.intValue) }
    }
    package func doubles(_ name: String) -> [Double] {
        required(name, "a number list") { $0.listValue?.compactMap(\.doubleValue) }
    }
    /// A `.choice` parameter as the enum whose raw values are its choices.
    package func choice<T: RawRepresentable>(_ name: String, as type: T.Type = T.self) -> T where T.RawValue == String {
        required(name, "one of \(T.self)'s raw values") { $0.stringValue.flatMap(T.init(rawValue:)) }
    }

    // MARK: - Parameters that may be absent (no default) or null

    /// The value, or nil when the parameter is absent or written as `null`.
    package func param(_ name: String) -> ParamValue? {
        precondition(declaration.param(name) != nil, "stage kind '\(declaration.kind)' declares no parameter '\(name)'")
        guard let v = values[name], !v.isNull else { return nil }
        return v
    }
    package func optionalInt(_ name: String) -> Int? { param(name)?.intValue }
    package func optionalDouble(_ name: String) -> Double? { param(name)?.doubleValue }
    package func optionalBool(_ name: String) -> Bool? { param(name)?.boolValue }
    package func optionalString(_ name: String) -> String? { param(name)?.stringValue }
    package func optionalStrings(_ name: String) -> [String]? { param(name)?.stringList }

    private func required<T>(_ name: String, _ what: String, _ read: (ParamValue) -> T?) -> T {
        guard let value = param(name).flatMap(read) else {
            preconditionFailure(
                "stage kind '\(declaration.kind)' reads parameter '\(name)' as \(what), but it has no such value "
                    + "(no declared default, null, or another type): read it with an optional… accessor")
        }
        return value
    }
}
