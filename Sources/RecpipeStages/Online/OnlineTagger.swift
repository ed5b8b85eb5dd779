import RecpipeCore
import RecpipeData
import RecpipeEngine
import RecpipeScripting
import RecpipeSpec
import Synchronization

/// A `tag` stage's rules, kept in memory to re-tag one user's profile row on request (the same
/// script, budgets, as-of and error policy as the stage).
/// Runtimes (script loaded and frozen once) are pooled across requests; a new tagger (new rules)
/// starts a new pool, so the old rules' runtimes go with the old tagger.
package struct OnlineTagger: Sendable {
    let plan: TagPlan
    private let pool = RuntimePool()

    /// Idle Lua runtimes, each used by one request at a time.
    final class RuntimePool: Sendable {
        let idle = Mutex<[RuntimeBox]>([])
    }

    final class RuntimeBox: @unchecked Sendable {
        let lua: LuaRuntime
        init(_ lua: LuaRuntime) { self.lua = lua }
    }

    /// The rules of tag stage `spec`; a located error when its script is missing.
    package init(stage spec: StageSpec, pipeline: PipelineSpec) throws {
        let script: RuleScript
        switch TagStage.script(spec, pipeline) {
        case .failure(let d): throw StageError(d)
        case .success(let s): script = s
        }
        let params = StageParameters(spec, declaration: TagStage.declaration)
        plan = TagPlan(
            table: Table(), idColumn: "user_id", script: script,
            limits: RuleLimits.limits(params),
            context: .init(
                asOf: pipeline.asOf ?? LuaRuntime.Context.today(), seed: UInt64(bitPattern: Int64(pipeline.seed))),
            skipErrors: params.string("on_error") == "skip_record")
        _ = try Self.validated(plan)
    }

    private init(plan: TagPlan) { self.plan = plan }

    /// The script file as the pipeline names it (or the pipeline file for inline rules).
    package var file: String { plan.script.chunkName }
    /// Whether the rules are written inline in the YAML (no file to watch).
    package var isInline: Bool { plan.script.lineOffset > 0 || plan.script.chunkName.hasSuffix(".yaml") }
    package var text: String { plan.script.text }

    /// The same rules with a new script text, validated (loaded once) first.
    package func replacingText(_ text: String) throws(RuleError) -> OnlineTagger {
        var next = plan
        next.script.text = text
        next.script.lineOffset = 0
        return try Self.validated(next)
    }

    private static func validated(_ plan: TagPlan) throws(RuleError) -> OnlineTagger {
        _ = try plan.makeRuntime()
        return OnlineTagger(plan: plan)
    }

    /// The tags of each row of `table` (a profile row without its `tags` column), rule order.
    /// A rule error throws, or is skipped under `on_error: skip_record`.
    /// A pooled runtime is rebound to `table` and reseeded, so it answers as a new one would; one
    /// whose rules threw is dropped rather than reused. Isolation between users is the runtime's,
    /// as in the batch (one runtime tags a whole chunk): rules cannot keep state between calls.
    package func tags(_ table: Table, idColumn: String) throws -> [[String]] {
        var plan = self.plan
        plan.table = table
        plan.idColumn = idColumn
        let box: RuntimeBox
        if let pooled = pool.idle.withLock({ $0.popLast() }) {
            box = pooled
            box.lua.reseed(plan.context.seed)
        } else {
            do throws(RuleError) {
                box = RuntimeBox(try plan.makeRuntime())
            } catch {
                throw TagPlan.stageError(error, skipHint: false)
            }
        }
        box.lua.bind(users: TableRecordSource(table: table, idColumn: idColumn))
        let tags = try plan.tag(chunk: 0, rows: 0..<table.rowCount, lua: box.lua).tags
        box.lua.bind(users: nil)
        pool.idle.withLock { $0.append(box) }
        return tags
    }

    /// Idle pooled runtimes (for tests of reuse).
    package var idleRuntimes: Int { pool.idle.withLock { $0.count } }
}
