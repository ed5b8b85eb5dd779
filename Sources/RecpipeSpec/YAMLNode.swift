import RecpipeCore

/// One node of a parsed YAML document, with the 1-based position where it starts.
///
/// Mappings keep their pairs in file order (duplicates are rejected by ``YAMLLoader``), so a
/// pipeline reads back in the order it was written.
package struct YAMLNode: Sendable, Hashable {
    /// How a scalar was written. Only plain scalars are typed (`42` is an int, `"42"` a string).
    package enum ScalarStyle: String, Sendable, Hashable {
        case plain, singleQuoted, doubleQuoted, literal, folded

        /// Whether the scalar was quoted or a block scalar, which makes it a string regardless of text.
        package var isQuotedOrBlock: Bool { self != .plain }
    }

    /// One `key: value` entry of a mapping.
    package struct Pair: Sendable, Hashable {
        package var key: YAMLNode
        package var value: YAMLNode
        package init(key: YAMLNode, value: YAMLNode) {
            self.key = key
            self.value = value
        }
    }

    package indirect enum Content: Sendable, Hashable {
        /// `tag` is the resolved tag when one was written (`!!str` arrives as
        /// `tag:yaml.org,2002:str`), nil otherwise.
        case scalar(text: String, style: ScalarStyle, tag: String?)
        case sequence([YAMLNode])
        case mapping([Pair])
    }

    package var content: Content
    package var location: SourceLocation

    package init(_ content: Content, at location: SourceLocation) {
        self.content = content
        self.location = location
    }

    // MARK: - Accessors

    /// The scalar's text, nil for collections.
    package var scalarText: String? {
        if case .scalar(let text, _, _) = content { text } else { nil }
    }
    package var items: [YAMLNode]? {
        if case .sequence(let items) = content { items } else { nil }
    }
    package var pairs: [Pair]? {
        if case .mapping(let pairs) = content { pairs } else { nil }
    }
    package var isScalar: Bool { scalarText != nil }

    /// The value for a scalar key in a mapping, or nil.
    package subscript(key: String) -> YAMLNode? {
        pairs?.first(where: { $0.key.scalarText == key })?.value
    }

    /// The human name of the node's type, for messages ("found a list").
    package var typeName: String {
        switch content {
        case .scalar: value.typeName
        case .sequence: "a list"
        case .mapping: "a mapping"
        }
    }

    /// Whether this is a plain scalar that reads as null (`null`, `~` or nothing at all).
    package var isNull: Bool {
        if case .scalar(_, .plain, nil) = content, case .null = value { true } else { false }
    }

    // MARK: - Typed value

    /// The node as a typed value: plain scalars resolved by ``resolvePlain(_:)`` (or by their
    /// explicit standard tag), quoted and block scalars as strings, mapping keys by their text.
    package var value: ParamValue {
        switch content {
        case .scalar(let text, let style, let tag):
            return Self.resolve(text, style: style, tag: tag)
        case .sequence(let items):
            return .list(items.map(\.value))
        case .mapping(let pairs):
            return .map(pairs.map { .init(key: $0.key.scalarText ?? $0.key.value.description, value: $0.value.value) })
        }
    }

    static func resolve(_ text: String, style: ScalarStyle, tag: String?) -> ParamValue {
        let standard = "tag:yaml.org,2002:"
        if let tag, tag.hasPrefix(standard) {
            let resolved = resolvePlain(text)
            switch tag.dropFirst(standard.count) {
            case "str": return .string(text)
            case "int": if case .int = resolved { return resolved }
            case "float":
                if let d = resolved.doubleValue { return .double(d) }
            case "bool": if case .bool = resolved { return resolved }
            case "null": if case .null = resolved { return resolved }
            default: break
            }
            return .string(text)
        }
        return style.isQuotedOrBlock ? .string(text) : resolvePlain(text)
    }

    /// Types a plain scalar, YAML 1.2 core schema style: `null`/`~`/empty → null,
    /// `true`/`false` (any case form the schema allows) → bool, decimal integers → int, decimal
    /// floats (`1.5`, `.5`, `1e3`, `-2.5E-3`, `.inf`, `.nan`) → double, anything else → string.
    /// An integer too large for `Int` becomes a double.
    package static func resolvePlain(_ text: String) -> ParamValue {
        switch text {
        case "", "~", "null", "Null", "NULL": return .null
        case "true", "True", "TRUE": return .bool(true)
        case "false", "False", "FALSE": return .bool(false)
        case ".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF": return .double(.infinity)
        case "-.inf", "-.Inf", "-.INF": return .double(-.infinity)
        case ".nan", ".NaN", ".NAN": return .double(.nan)
        default: break
        }
        switch numberShape(text) {
        case .integer:
            let digits = text.hasPrefix("+") ? String(text.dropFirst()) : text
            if let i = Int(digits) { return .int(i) }
            return Double(digits).map(ParamValue.double) ?? .string(text)
        case .float:
            let digits = text.hasPrefix("+") ? String(text.dropFirst()) : text
            return Double(digits).map(ParamValue.double) ?? .string(text)
        case .none:
            return .string(text)
        }
    }

    private enum NumberShape { case integer, float }

    /// Matches `[-+]?[0-9]+` (integer) or `[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?`.
    private static func numberShape(_ text: String) -> NumberShape? {
        var chars = Array(text.utf8)[...]
        if let first = chars.first, first == UInt8(ascii: "-") || first == UInt8(ascii: "+") {
            chars = chars.dropFirst()
        }
        func isDigit(_ c: UInt8) -> Bool { c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9") }
        let intDigits = chars.prefix(while: isDigit).count
        chars = chars.dropFirst(intDigits)
        var fracDigits = 0
        var hasDot = false
        if chars.first == UInt8(ascii: ".") {
            hasDot = true
            chars = chars.dropFirst()
            fracDigits = chars.prefix(while: isDigit).count
            chars = chars.dropFirst(fracDigits)
        }
        guard intDigits + fracDigits > 0 else { return nil }
        var hasExponent = false
        if let e = chars.first, e == UInt8(ascii: "e") || e == UInt8(ascii: "E") {
            chars = chars.dropFirst()
            if let s = chars.first, s == UInt8(ascii: "-") || s == UInt8(ascii: "+") {
                chars = chars.dropFirst()
            }
            let expDigits = chars.prefix(while: isDigit).count
            guard expDigits > 0 else { return nil }
            chars = chars.dropFirst(expDigits)
            hasExponent = true
        }
        guard chars.isEmpty else { return nil }
        return hasDot || hasExponent ? .float : .integer
    }
}
