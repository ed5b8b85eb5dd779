/// One declared output column of a `map` or `aggregate` plugin (`"name:type"` in the script).
package struct PluginColumn: Sendable, Hashable, CustomStringConvertible {
    package enum ValueType: String, Sendable, Hashable, CaseIterable {
        case int, float, string, bool
    }

    package var name: String
    package var type: ValueType

    package init(name: String, type: ValueType) {
        self.name = name
        self.type = type
    }

    /// Parses `name:type` (as the prelude stored it); nil for anything else.
    package init?(declaration: String) {
        let parts = declaration.split(separator: ":", maxSplits: 1)
        guard parts.count == 2, let t = ValueType(rawValue: String(parts[1])) else { return nil }
        self.init(name: String(parts[0]), type: t)
    }

    package var description: String { "\(name):\(type.rawValue)" }
}

extension RegisteredRule {
    /// The declared output columns (`map`: `columns`; `aggregate`: `by`, typed later from the
    /// input, are not included).
    package var outputColumns: [PluginColumn] { (columns ?? []).compactMap(PluginColumn.init(declaration:)) }
}
