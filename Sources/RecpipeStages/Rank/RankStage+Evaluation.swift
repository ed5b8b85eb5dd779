import RecpipeAlgorithms
import RecpipeData
import RecpipeEngine

/// A rank stage run on a split: the evaluated copy of a production rank stage that an `evaluate`
/// stage refits (`quality.recs`, see `PipelineDecoder+Refit.swift`). Its `seen` input is the
/// split: the train part is what users have seen. What the split holds out is the answer, so a
/// held-out purchase is hidden from `u:purchased(id)` too (a `not u:purchased` filter would
/// otherwise drop exactly the items the metrics look for).
extension RankStage {
    /// The `seen` and `purchased` interactions, and how many purchases were hidden because the
    /// split holds them out (0 outside an evaluation).
    static func seenAndPurchased(_ context: StageContext) throws -> (
        seen: Interactions?, purchased: Interactions?, hidden: Int
    ) {
        var split: EvaluationSplit?
        func read(_ port: String) throws -> Interactions? {
            guard let input = context.inputs[port]?.first else { return nil }
            if let s = input.artifact as? EvaluationSplit {
                split = s
                return s.train
            }
            return try context.input(port, as: Interactions.self)
        }
        let seen = try read("seen")
        guard let purchased = try context.optionalInput("purchased", as: Interactions.self) else {
            return (seen, nil, 0)
        }
        guard let split else { return (seen, purchased, 0) }
        let (kept, hidden) = withoutHeldOut(purchased, split: split)
        return (seen, kept, hidden)
    }

    /// `purchased` without the (user, item) pairs that are test entries of `split`, and their count.
    /// O(entries + test entries).
    static func withoutHeldOut(_ purchased: Interactions, split: EvaluationSplit) -> (Interactions, Int) {
        let m = purchased.matrix
        // purchased item index → split item index (-1: not in the split).
        let itemMap = purchased.items.ids.map { split.train.items[$0] ?? -1 }
        var pointers = [0], columns: [Int32] = [], values: [Float] = []
        var stamps: [Int64]? = purchased.timestamps == nil ? nil : []
        columns.reserveCapacity(m.nonZeroCount)
        values.reserveCapacity(m.nonZeroCount)
        var hidden = 0
        for u in 0..<m.rows {
            let test =
                split.train.users[purchased.users.ids[u]].map { Set(split.testItems[split.testRange(user: $0)]) } ?? []
            for p in m.rowRange(u) {
                let i = itemMap[Int(m.columns[p])]
                if i >= 0 && test.contains(Int32(i)) {
                    hidden += 1
                    continue
                }
                columns.append(m.columns[p])
                values.append(m.values[p])
                stamps?.append(purchased.timestamps![p])
            }
            pointers.append(columns.count)
        }
        guard hidden > 0 else { return (purchased, 0) }
        let matrix = SparseMatrix(rows: m.rows, cols: m.cols, rowPointers: pointers, columns: columns, values: values)
        return (
            Interactions(users: purchased.users, items: purchased.items, matrix: matrix, timestamps: stamps), hidden
        )
    }
}
