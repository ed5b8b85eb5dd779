import CLua
import Foundation

/// A sandboxed Lua 5.4 state that loads rules scripts and evaluates their rules.
///
/// One `lua_State` per instance, confined to the task or thread that created it (the class is
/// explicitly not `Sendable`). Scripts see only an allow-listed environment, run under a
/// per-call instruction budget and a per-state memory cap, and read host records through
/// read-only views (see ``ScriptRecordSource``). Any error leaves the state usable for the next
/// call, so the caller can apply its own `on_error` policy.
///
/// ```swift
/// let lua = try LuaRuntime(context: .init(asOf: "2026-11-23", seed: 42))
/// try lua.load(file: "rules/tags.lua")
/// lua.bind(users: profiles)
/// let tags = try lua.evaluateTags(user: 17)
/// ```
package final class LuaRuntime {
    /// Resource limits for one state.
    package struct Limits: Sendable, Hashable {
        /// Lua VM instructions per call (top-level load or one rule call). Work the library does
        /// in C counts too: a pattern-matching step is one instruction, 64 allocated bytes are
        /// one, and `table.sort`/`insert`/`remove`/`unpack`/`concat`, `string.byte` and
        /// `utf8.len`/`codepoint`/`offset` are charged for the size of their input.
        package var instructionBudget: Int
        /// Bytes the state may hold while script code runs.
        package var memoryLimit: Int
        /// Largest `string.rep` result, in bytes.
        package var maxStringRepBytes: Int
        /// Largest subject string of `string.find/match/gmatch/gsub`, in bytes.
        package var maxPatternSubjectBytes: Int
        /// Distinct tags one user may get from all tag rules together (and from one rule's list).
        package var maxTagsPerEntity: Int
        /// Bytes of one tag.
        package var maxTagBytes: Int
        /// The count hook fires every this many instructions (nil: budget / 1000, at most 1000).
        /// Smaller is more precise for ``CallStats/instructions`` and slower; 1 counts exactly.
        package var instructionGranularity: Int?

        package init(
            instructionBudget: Int = 1_000_000, memoryLimit: Int = 64 << 20,
            maxStringRepBytes: Int = 4 << 20, maxPatternSubjectBytes: Int = 1 << 20,
            instructionGranularity: Int? = nil, maxTagsPerEntity: Int = 256, maxTagBytes: Int = 256
        ) {
            self.maxTagsPerEntity = maxTagsPerEntity
            self.maxTagBytes = maxTagBytes
            self.instructionBudget = instructionBudget
            self.memoryLimit = memoryLimit
            self.maxStringRepBytes = maxStringRepBytes
            self.maxPatternSubjectBytes = maxPatternSubjectBytes
            self.instructionGranularity = instructionGranularity
        }

        var granularity: Int {
            max(1, instructionGranularity ?? min(1000, instructionBudget / 1000))
        }
    }

    /// What scripts see as `ctx` and how `math.random` is seeded.
    package struct Context: Sendable, Hashable {
        /// `ctx.as_of`, the run date (`YYYY-MM-DD`).
        package var asOf: String
        /// `ctx.params`, from the pipeline YAML.
        package var params: [String: ScriptValue]
        /// Seeds `math.random`: the same seed gives the same sequence.
        package var seed: UInt64

        package init(asOf: String, params: [String: ScriptValue] = [:], seed: UInt64 = 0) {
            self.asOf = asOf
            self.params = params
            self.seed = seed
        }

        /// Today's date in UTC as `YYYY-MM-DD`: `ctx.as_of` when a pipeline sets no `as_of`.
        package static func today() -> String {
            let f = DateFormatter()
            f.locale = Locale(identifier: "en_US_POSIX")
            f.timeZone = TimeZone(identifier: "UTC")
            f.dateFormat = "yyyy-MM-dd"
            return f.string(from: Date())
        }
    }

    /// Cost of the last call (load or rule call).
    package struct CallStats: Sendable, Hashable {
        /// VM instructions executed, to within ``Limits/instructionGranularity``.
        package var instructions: Int
        /// The most bytes the state held during the call.
        package var memoryPeak: Int
    }

    /// Which global functions scripts get besides the standard allow-list.
    enum API {
        /// `tag`, `filter`, `promote`, `pin`, `bury`.
        case rules
        /// `case` (for rule test files).
        case tests
    }

    // MARK: - State

    let L: OpaquePointer
    let ctx: UnsafeMutablePointer<recpipe_ctx>
    package let limits: Limits
    package let context: Context
    let api: API

    /// Loaded chunks: index `id - 1` for the internal chunk name `=#id`.
    var chunkFiles: [String] = []
    package internal(set) var rules: [RegisteredRule] = []
    var tagRuleIndices: [Int] = []
    var filterRuleIndices: [Int] = []
    /// `rules[i].hasWhen`, kept apart (like `ruleKinds`) so `evaluateWhen` does not copy a whole
    /// `RegisteredRule` on the hot path.
    var ruleHasWhen: [Bool] = []
    var ruleByName: [String: Int] = [:]

    /// The bound record sources; the views point at these without retaining them.
    var userBinding: RecordBinding?
    var itemBinding: RecordBinding?
    var userSource: (any ScriptRecordSource)? { userBinding?.source }
    var itemSource: (any ScriptRecordSource)? { itemBinding?.source }
    /// The bound user source's sets in item numbers, and the plugin context's neighbour lists in
    /// item numbers: the C fast paths read them (kept alive here).
    var boundItemSets: ScriptItemSets?
    var neighborNumbers: NeighborNumbers?
    /// The dense index of the newest `ctx.scores()` table, as long as the item numbering.
    var denseScoreIndex: DenseScoreIndex?
    /// Per plugin index, its output column names as a Lua list (a registry reference).
    var columnKeys: [Int: (Int32, [String])] = [:]
    /// `row` of map and aggregate plugins (``pushRow()``), made when users are bound.
    var rowTable: RowTable?
    /// The fast `map` row reader (``startMapRows(_:columns:)``), made once per plugin.
    var mapReader: MapReader?
    /// The most strings a map's string table keeps (``startMapRows(_:columns:)``); past it, the
    /// next batch starts a new table. A setting only so tests can make it small.
    package var maxMapStrings = 1 << 16
    /// The bound sources' columns read in C (user view, item view), kept alive here.
    var boundColumns: [ScriptColumns?] = [nil, nil]
    /// Rule kinds and names by index, for the hot path (no struct copies).
    var ruleKinds: [RegisteredRule.Kind] = []
    var ruleNames: [String] = []

    /// Lines printed by scripts (`print` never reaches stdout), at most ``maxPrintedLines``.
    package internal(set) var printed: [String] = []
    package var maxPrintedLines = 10_000
    package internal(set) var droppedPrintedLines = 0

    /// Cost of the last load or rule call.
    package var lastCall: CallStats {
        CallStats(
            instructions: Int(ctx.pointee.ticks - ctx.pointee.start_ticks) * limits.granularity
                + Int(ctx.pointee.charged - ctx.pointee.start_charged),
            memoryPeak: ctx.pointee.mem_peak)
    }

    /// Permanent stack slots.
    static let msghSlot: Int32 = 1
    static let functionsSlot: Int32 = 2
    static let userViewSlot: Int32 = 3
    static let itemViewSlot: Int32 = 4
    static let envSlot: Int32 = 5
    static let stateSlot: Int32 = 6
    static let rulesSlot: Int32 = 7
    static let casesSlot: Int32 = 8
    static let baseTop: Int32 = 8

    // MARK: - Life cycle

    /// Creates a state with the rule API (`tag`, `filter`, `promote`, `pin`, `bury`).
    package convenience init(limits: Limits = Limits(), context: Context) throws(RuleError) {
        try self.init(limits: limits, context: context, api: .rules)
    }

    init(limits: Limits, context: Context, api: API) throws(RuleError) {
        self.limits = limits
        self.context = context
        self.api = api
        let ctx = UnsafeMutablePointer<recpipe_ctx>.allocate(capacity: 1)
        ctx.initialize(to: recpipe_ctx())
        ctx.pointee.mem_limit = limits.memoryLimit
        ctx.pointee.budget = lua_Integer(limits.instructionBudget)
        ctx.pointee.granularity = lua_Integer(limits.granularity)
        ctx.pointee.max_rep = lua_Integer(limits.maxStringRepBytes)
        ctx.pointee.seed = lua_Integer(bitPattern: context.seed)
        ctx.pointee.err_chunk = -1
        ctx.pointee.err_line = -1
        let scratchCapacity = 256
        ctx.pointee.scratch = UnsafeMutablePointer<CChar>.allocate(capacity: scratchCapacity)
        ctx.pointee.scratch_cap = scratchCapacity
        guard let L = recpipe_newstate(ctx) else {
            ctx.pointee.scratch.deallocate()
            ctx.deallocate()
            throw RuleError(kind: .memory, file: "<lua>", line: nil, message: "could not create a Lua state")
        }
        self.L = L
        self.ctx = ctx
        ctx.pointee.host = Unmanaged.passUnretained(self).toOpaque()
        installCallbacks()
        try buildSandbox()
    }

    /// Switches the state to Lua's generational collector: for plugin stages, whose calls make
    /// short-lived tables next to large tables that live as long as the state (`ctx.neighbors`,
    /// `ctx.items`), which the default collector walks again on every cycle.
    package func useGenerationalCollector() {
        recpipe_gc_generational(L)
    }

    deinit {
        lua_close(L)
        ctx.pointee.scratch.deallocate()
        ctx.deallocate()
    }

    // MARK: - Stats and seeding

    /// Bytes the state holds now.
    package var memoryInUse: Int { ctx.pointee.mem_used }

    /// Reseeds `math.random`, e.g. per entity for results independent of evaluation order.
    package func reseed(_ seed: UInt64) {
        ctx.pointee.seed = lua_Integer(bitPattern: seed)
        // A chunk's calls do not depend on the chunks this state ran before (ctx.scores() sizing).
        ctx.pointee.scores_hint = 0
        lua_settop(L, Self.baseTop)
        lua_pushinteger(L, lua_Integer(bitPattern: seed))
        // The sandbox's randomseed with an explicit seed calls the original one.
        _ = lua_getfield(L, recpipe_registryindex(), "recpipe.randomseed")
        lua_rotate(L, -2, 1)
        lua_callk(L, 1, 0, 0, nil)
        lua_settop(L, Self.baseTop)
    }

    /// Clears the captured `print` output.
    package func clearPrinted() {
        printed.removeAll()
        droppedPrintedLines = 0
    }
}

@available(*, unavailable)
extension LuaRuntime: Sendable {}
