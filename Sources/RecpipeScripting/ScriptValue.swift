/// A value crossing between Swift records and Lua rules.
///
/// Integers stay Lua integers (`math.type(x) == "integer"`), doubles stay floats, `null` is `nil`,
/// strings are passed byte for byte (UTF-8 intact) and lists become fresh Lua sequences.
package enum ScriptValue: Sendable, Hashable {
    case null
    case bool(Bool)
    case int(Int64)
    case double(Double)
    case string(String)
    case list([ScriptValue])
}

extension ScriptValue: CustomStringConvertible {
    /// A Lua-like rendering: `nil`, `true`, `42`, `0.5`, `"x"`, `{1, 2}`.
    package var description: String {
        switch self {
        case .null: "nil"
        case .bool(let b): b ? "true" : "false"
        case .int(let i): String(i)
        case .double(let d): String(d)
        case .string(let s): "\"\(s)\""
        case .list(let l): "{" + l.map(\.description).joined(separator: ", ") + "}"
        }
    }
}

/// The named sets a record view can test membership in (`u:has_tag(t)`, `u:purchased(id)`, `u:seen(id)`).
package enum ScriptRecordSet: Int32, Sendable, Hashable, CaseIterable {
    case tags = 0
    case purchased = 1
    case seen = 2

    /// The set's name as passed to ``ScriptRecordSource/has(set:row:key:)``.
    package var name: String {
        switch self {
        case .tags: "tags"
        case .purchased: "purchased"
        case .seen: "seen"
        }
    }

    /// The Lua method that tests membership in this set.
    package var methodName: String {
        switch self {
        case .tags: "has_tag"
        case .purchased: "purchased"
        case .seen: "seen"
        }
    }
}

/// Host-side records (a table of users or items) that Lua rules read through read-only views.
///
/// The runtime resolves ``fieldNames`` once into indices when the source is bound, then each field
/// access in a rule is one ``value(row:field:)`` call: nothing is copied into Lua tables per call.
/// A source is used from the runtime's thread only, so it needs no locking.
package protocol ScriptRecordSource: AnyObject {
    /// Column names, in index order. A method name (`has_tag`, `purchased`, `seen`) is shadowed by the method.
    var fieldNames: [String] { get }
    /// The value of `field` (an index into ``fieldNames``) in `row`.
    func value(row: Int, field: Int) -> ScriptValue
    /// The record's identifier, for error messages (`user 'U1043'`).
    func id(row: Int) -> String
    /// Whether the record's set named `set` (`tags`, `purchased`, `seen`) contains `key`.
    func has(set: String, row: Int, key: String) -> Bool
    /// Why the set named `set` cannot be read from these records (say, the stage input holding it
    /// is not connected), or nil when ``has(set:row:key:)`` answers for it. Asked once when the
    /// source is bound: a rule calling that set's method (`u:purchased(id)`) then fails with this
    /// text at its `file:line`, instead of reading an empty set.
    func unavailableReason(set: String) -> String?
    /// The `seen` and `purchased` sets in the item numbers of the plugin context (a candidates
    /// plugin's fast path), or nil: ``has(set:row:key:)`` answers every call.
    var itemSets: ScriptItemSets? { get }
    /// Columns the record views read in C (in ``fieldNames`` order), or nil: every field access
    /// asks ``value(row:field:)``.
    var scriptColumns: ScriptColumns? { get }
}

extension ScriptRecordSource {
    /// Every set is readable (an absent set is empty).
    package func unavailableReason(set: String) -> String? { nil }

    /// No fast path: every membership test asks ``has(set:row:key:)``.
    package var itemSets: ScriptItemSets? { nil }

    /// No fast path: every field access asks ``value(row:field:)``.
    package var scriptColumns: ScriptColumns? { nil }
}
