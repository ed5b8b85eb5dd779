import RecpipeCore
import RecpipeData
import RecpipeEngine
import RecpipeSpec

/// `drop_held_out`: a table without the rows whose (user, item) pair a split holds out (its test
/// entries), so what is computed from it sees the split's train part only (#16).
///
/// An `evaluate` stage derives one (`quality.clean`) in place of the table its split's matrix was
/// encoded from, and re-derives on it the other inputs of the models it refits (`baskets` for a
/// bought-together plugin, `profiles` for rank): see `PipelineDecoder+Refit.swift`. Written in a
/// pipeline, it builds train-only tables by hand. Rows with a null user or item are kept (no split
/// entry names them). The dropped rows are counted in the run summary.
struct DropHeldOutStage: Stage {
    static let declaration = StageDeclaration(
        kind: StageSpec.dropHeldOutKind,
        summary: "Drop the rows whose (user, item) pair a split holds out, for train-only features in an evaluation.",
        aliases: ["without_test", "train_rows", "drop_test"],
        inputs: [
            PortSpec(
                "data", accepts: [.table], doc: "the rows to filter (the events the split's matrix is encoded from)"),
            PortSpec("split", accepts: [.split], doc: "the split whose test entries are dropped"),
        ],
        params: [
            ParamSpec("user_column", .string, default: .string("user_id"), doc: "user id column (as the encode's)"),
            ParamSpec("item_column", .string, default: .string("item_id"), doc: "item id column (as the encode's)"),
        ],
        output: .table,
        check: { stage, pipeline in
            // The id columns must be in the rows, when their columns are known before the run.
            guard let input = stage.inputs["data"]?.first, let known = StageColumns.of(input, in: pipeline) else {
                return []
            }
            return ["user_column", "item_column"].compactMap { p in
                stage.params[p]?.stringValue.flatMap {
                    known.problem($0, what: p, stage: stage.name, at: stage.paramLocations[p] ?? stage.location)
                }
            }
        })

    func run(_ context: StageContext) async throws -> StageOutput {
        let table = try context.input("data", as: Table.self)
        let split = try context.input("split", as: EvaluationSplit.self)
        let source = context.inputs["data"]?.first?.stage ?? "data"
        let (uc, ic): (Int, Int)
        do {
            (uc, ic) = (
                try table.requireColumn(context.string("user_column")),
                try table.requireColumn(context.string("item_column"))
            )
        } catch let e as TableError {
            throw StageError(
                "\(e) (the rows of '\(source)' are matched to the split's test entries by these columns)",
                code: .init(rawValue: e.errorCode), at: context.spec.location)
        }
        let (mask, dropped) = Self.keep(table, userColumn: uc, itemColumn: ic, split: split)
        let splitName = context.spec.inputs["split"]?.first ?? "split"
        return StageOutput(
            table.filter(mask: mask), rowsIn: table.rowCount,
            counters: [.init("rows_held_out", dropped), .init("test_entries", split.testItems.count)],
            notes: [
                "dropped \(dropped) of \(table.rowCount) rows of '\(source)' whose (\(context.string("user_column")), "
                    + "\(context.string("item_column"))) pair is one of the \(split.testItems.count) test entries "
                    + "of '\(splitName)'"
            ])
    }

    /// Which rows to keep (those whose pair is not a test entry of `split`) and how many were
    /// dropped. O(rows + test entries) expected: a row costs two id lookups and a set probe.
    static func keep(_ table: Table, userColumn uc: Int, itemColumn ic: Int, split: EvaluationSplit) -> (
        mask: [Bool], dropped: Int
    ) {
        var test = Set<Int64>(minimumCapacity: split.testItems.count)
        for u in 0..<split.train.users.count {
            for i in split.testItems[split.testRange(user: u)] { test.insert(Int64(u) << 32 | Int64(i)) }
        }
        var mask = [Bool](repeating: true, count: table.rowCount)
        guard !test.isEmpty else { return (mask, 0) }
        var dropped = 0
        for r in 0..<table.rowCount {
            guard let user = table.value(row: r, col: uc).idText, let u = split.train.users[user],
                let item = table.value(row: r, col: ic).idText, let i = split.train.items[item],
                test.contains(Int64(u) << 32 | Int64(i))
            else { continue }
            mask[r] = false
            dropped += 1
        }
        return (mask, dropped)
    }
}
