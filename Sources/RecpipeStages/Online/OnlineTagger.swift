import RecpipeCore
import RecpipeData
import RecpipeEngine
import RecpipeScripting
import RecpipeSpec

/// A `tag` stage's rules, kept in memory to re-tag one user's profile row on request (the same
/// script, budgets, as-of and error policy as the stage).
package struct OnlineTagger: Sendable {
    let plan: TagPlan

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
    package func tags(_ table: Table, idColumn: String) throws -> [[String]] {
        var plan = self.plan
        plan.table = table
        plan.idColumn = idColumn
        let lua: LuaRuntime
        do throws(RuleError) { lua = try plan.makeRuntime() } catch { throw TagPlan.stageError(error, skipHint: false) }
        lua.bind(users: TableRecordSource(table: table, idColumn: idColumn))
        return try plan.tag(chunk: 0, rows: 0..<table.rowCount, lua: lua).tags
    }
}
