import RecpipeCore
import RecpipeData
import RecpipeEngine
import RecpipeScripting

/// Everything the tag workers share (all values), and the parallel loop over users.
struct TagPlan: Sendable {
    var table: Table
    var idColumn: String
    var script: RuleScript
    var limits: LuaRuntime.Limits
    var context: LuaRuntime.Context
    var skipErrors: Bool

    struct Result: Sendable {
        /// Tags per user row, rule order, no duplicates.
        var tags: [[String]] = []
        var errorCount = 0
        var firstErrors: [String] = []
        var rules: [String] = []
        /// The tag rules as registered, and per rule the users it gave at least one tag.
        var registered: [RegisteredRule] = []
        var matched: [Int] = []
        var printed: [String] = []
    }

    /// One chunk's output.
    struct Part: Sendable {
        var chunk: Int
        var tags: [[String]]
        var errorCount = 0
        var firstErrors: [String] = []
        var matched: [Int] = []
        var printed: [String] = []
    }

    /// Tags every row. Workers pull fixed chunks of ``TagStage/chunkSize`` users; each has its own
    /// Lua state (loaded once) reseeded per chunk, so results do not depend on `threads`.
    func run(threads: Int, progress: @escaping @Sendable (Double?, String) -> Void = { _, _ in }) async throws -> Result
    {
        let n = table.rowCount
        // Load once up front so load errors surface once, and learn the rule names.
        let all: [RegisteredRule]
        do throws(RuleError) {
            all = try makeRuntime().rules
        } catch {
            throw Self.stageError(error, skipHint: false)
        }
        if let p = all.first(where: { $0.kind.isPlugin }) {
            throw StageError(
                "\(p.kind.rawValue) '\(p.name)' is a plugin; a tag stage runs tag rules",
                code: .luaRegistration, at: SourceLocation(file: p.file, line: p.line, column: 1),
                hint: "run plugins in a `lua` stage (uses: lua)")
        }
        let registered = all.filter { $0.kind == .tag }
        let pool = LuaWorkerPool(count: n, chunkSize: TagStage.chunkSize, threads: threads)
        let parts = try await pool.run(progress: progress) { () throws(StageError) -> LuaRuntime in
            let lua: LuaRuntime
            do throws(RuleError) { lua = try makeRuntime() } catch { throw Self.stageError(error, skipHint: false) }
            lua.bind(users: TableRecordSource(table: table, idColumn: idColumn))
            return lua
        } work: { lua, c, rows in
            lua.reseed(context.seed &+ UInt64(c))
            return try tag(chunk: c, rows: rows, lua: lua)
        }
        var result = Result(rules: registered.map(\.name), registered: registered)
        result.matched = [Int](repeating: 0, count: registered.count)
        result.tags.reserveCapacity(n)
        for p in parts {
            result.tags += p.tags
            result.errorCount += p.errorCount
            for (i, m) in p.matched.enumerated() where i < result.matched.count { result.matched[i] += m }
            if result.firstErrors.count < 3 { result.firstErrors += p.firstErrors.prefix(3 - result.firstErrors.count) }
            if result.printed.count < 20 { result.printed += p.printed }
        }
        return result
    }

    func makeRuntime() throws(RuleError) -> LuaRuntime {
        let lua = try LuaRuntime(limits: limits, context: context)
        try lua.load(source: script.text, chunkName: script.chunkName, lineOffset: script.lineOffset)
        return lua
    }

    /// Runs every tag rule for the rows; a failing rule fails the stage or is skipped for that user.
    func tag(chunk: Int, rows: Range<Int>, lua: LuaRuntime) throws -> Part {
        let ruleIndices = lua.ruleIndices(of: .tag)
        var part = Part(chunk: chunk, tags: [], matched: [Int](repeating: 0, count: ruleIndices.count))
        part.tags.reserveCapacity(rows.count)
        var buffer: [String] = []
        var seen = Set<String>()
        for row in rows {
            buffer.removeAll(keepingCapacity: true)
            seen.removeAll(keepingCapacity: true)
            for (slot, index) in ruleIndices.enumerated() {
                let start = buffer.count
                do throws(RuleError) {
                    try lua.evaluateTag(index, user: row, into: &buffer)
                    if buffer.count > start { part.matched[slot] += 1 }
                    // Drop duplicates of earlier tags (linear), within the tags-per-user limit.
                    try lua.mergeTags(&buffer, from: start, seen: &seen, rule: index, user: row)
                } catch {
                    guard skipErrors else { throw Self.stageError(error, skipHint: true) }
                    buffer.removeSubrange(start...)
                    part.errorCount += 1
                    if part.firstErrors.count < 3 { part.firstErrors.append(error.description) }
                    continue
                }
            }
            part.tags.append(buffer)
        }
        if !lua.printed.isEmpty {
            part.printed = Array(lua.printed.prefix(20))
            lua.clearPrinted()
        }
        return part
    }

    static func stageError(_ e: RuleError, skipHint: Bool) -> StageError {
        StageError(
            e,
            hint: skipHint
                ? "fix the rule, or set `on_error: skip_record` to skip the rule for the users it fails on (counted)"
                : nil)
    }
}
