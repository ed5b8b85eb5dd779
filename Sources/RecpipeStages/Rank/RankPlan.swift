import RecpipeData
import RecpipeScripting

/// Everything a rank worker needs, resolved once from the stage's inputs: a global user and item
/// universe with index maps into every source, the seen and purchased sets, item attributes used
/// by the YAML filters and the category cap, and the rules scripts' text. A Sendable value shared
/// by all worker tasks; each worker builds its own `LuaRuntime` and record views over it.
struct RankPlan: Sendable {
    // MARK: - Options

    enum Normalization: String, Sendable {
        /// `(s - min) / (max - min)` per user and source; a single or constant list scores 1.
        case minmax
        /// `(n - r) / n` for the item at 0-based rank `r` of `n`: the best item scores 1.
        case rank
    }

    enum OnError: String, Sendable {
        case fail
        case skipRecord = "skip_record"
    }

    struct Options: Sendable {
        var top = 20
        var normalize = Normalization.minmax
        var excludeSeen = true
        var inStockOnly = false
        var maxPerCategory: Int?
        var onError = OnError.fail
        /// Evaluate rules on every candidate (exact filter counts) instead of stopping once the
        /// top-N can no longer change.
        var exhaustive = false
    }

    /// One candidate source (a `Candidates` input, or the `popular` fallback).
    struct Source: Sendable {
        var name: String
        var weight: Float
        var candidates: Candidates
        /// Global user → the source's user row, or -1 when the source has no list for the user.
        var userRow: [Int32]
        /// The source's item index → global item index.
        var itemGlobal: [Int32]
    }

    /// A rules script to load into every worker's runtime.
    struct Script: Sendable {
        var file: String
        var text: String
    }

    var options = Options()
    var asOf = "1970-01-01"
    var seed: UInt64 = 0
    var limits = LuaRuntime.Limits()
    var scripts: [Script] = []

    // MARK: - Universe

    var userIDs: [String] = []
    var itemIDs: [String] = []
    /// Global item → its position among all item ids sorted ascending (the tie-break).
    var itemOrder: [Int32] = []
    /// The inverse of `itemOrder`: the global item at each id rank.
    var itemByOrder: [Int32] = []
    var sources: [Source] = []
    /// The fallback list source; its `userRow` points at the user's own list, else the global row.
    var popular: Source?

    // MARK: - Seen sets

    var seen: Interactions?
    /// Global user → row of `seen`, or -1.
    var seenUserRow: [Int32] = []
    /// `seen` item index → global item, or -1 when the item is not in the universe.
    var seenItemGlobal: [Int32] = []
    /// The `purchased` input (interactions of purchase events), read by `u:purchased(id)` only.
    var purchased: Interactions?
    /// Global user → row of `purchased`, or -1.
    var purchasedUserRow: [Int32] = []

    // MARK: - Items

    var items: Table?
    var itemIDColumn = "item_id"
    /// Global item → row of `items`, or -1.
    var itemRow: [Int32] = []
    /// Global item → category code, or -1 (no category).
    var itemCategory: [Int32] = []
    var categoryNames: [String] = []
    /// Global item → removed by `exclude_categories`.
    var excludedCategory: [Bool] = []
    /// Global item → passes `in_stock_only` (known stock > 0); empty when the filter is off.
    var inStock: [Bool] = []
    /// What `item` shows to rules: the items table's columns (or just the id column) …
    var itemFieldNames: [String] = []
    /// … and their values, row-major per global item (nil for items missing from the table,
    /// except the id). Precomputed once: a field read in a rule is one array load.
    var itemValues: [ScriptValue] = []

    // MARK: - Profiles

    var profiles: Table?
    /// Global user → row of `profiles`, or -1.
    var profileRow: [Int32] = []
    /// Tags per profiles row (from its `tags` column).
    var profileTags: [[String]] = []

    /// Sources in the order used for provenance: the blend sources, then `popular`.
    var allSources: [Source] { sources + (popular.map { [$0] } ?? []) }
}

extension RankPlan {
    /// Loads `scripts` into one runtime (the whole set is validated together) and sorts their
    /// rules by kind; no scripts give no rules.
    func loadRules() throws(RuleError) -> RankRules {
        guard !scripts.isEmpty else { return RankRules() }
        let lua = try LuaRuntime(limits: limits, context: .init(asOf: asOf, seed: seed))
        for s in scripts { try lua.load(source: s.text, chunkName: s.file) }
        return RankRules(lua.rules, asOf: asOf)
    }
}
