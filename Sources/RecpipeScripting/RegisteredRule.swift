/// A rule registered by a script's top level, with its static fields.
package struct RegisteredRule: Sendable, Hashable {
    package enum Kind: String, Sendable, Hashable, CaseIterable {
        case tag, filter, promote, pin, bury
        /// `name_segment("Big spenders", function(s) … end)`: names a cluster stage's segments.
        case nameSegment = "name_segment"
        /// Plugins (one per script): `map` and `aggregate` in `lua` stages make tables,
        /// `candidates` makes a candidate list per user, `score` re-scores inside `rank`.
        case map, aggregate, candidates, score

        /// Whether this kind is a plugin (not a rule).
        package var isPlugin: Bool { self == .map || self == .aggregate || self == .candidates || self == .score }
    }

    package var kind: Kind
    package var name: String
    /// The script file (the YAML file for inline scripts) and the line of the registering call.
    package var file: String
    package var line: Int
    /// `promote` only: the score multiplier (> 0).
    package var boost: Double?
    /// `promote`/`pin`/`bury`: the active window, inclusive `YYYY-MM-DD` dates.
    package var from: String?
    package var to: String?
    /// `promote` only: higher applies first (default 0).
    package var priority: Int?
    /// `pin` only: the pinned item ids and their 1-based position.
    package var items: [String]?
    package var position: Int?
    /// `map`/`aggregate`: the declared output columns as `name:type` (`aggregate`: after `by`).
    package var columns: [String]?
    /// `aggregate`: the group-by columns.
    package var by: [String]?
    /// `candidates`: at most this many candidates per user.
    package var limit: Int?
    /// Whether the rule has a `when` function (always for tag/filter/promote/bury; optional for pin).
    package var hasWhen: Bool

    package init(
        kind: Kind, name: String, file: String, line: Int, boost: Double? = nil, from: String? = nil,
        to: String? = nil, priority: Int? = nil, items: [String]? = nil, position: Int? = nil,
        hasWhen: Bool = true
    ) {
        self.kind = kind
        self.name = name
        self.file = file
        self.line = line
        self.boost = boost
        self.from = from
        self.to = to
        self.priority = priority
        self.items = items
        self.position = position
        self.hasWhen = hasWhen
    }

    /// Whether `date` (`YYYY-MM-DD`) lies in the rule's `from`…`to` window (open ends allowed).
    package func isActive(on date: String) -> Bool {
        if let from, date < from { return false }
        if let to, date > to { return false }
        return true
    }
}
