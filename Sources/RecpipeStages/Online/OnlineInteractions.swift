import Foundation
import RecpipeAlgorithms
import RecpipeData
import RecpipeSpec

/// One user's row of an `encode target: interactions` matrix with the events received since the
/// run added, combined as the stage combines them (``InteractionsBuilder``): per event its type's
/// `weights` (types without one are skipped; none given: 1), the `half_life_days` decay against
/// the as-of date, then per item `aggregate` (`sum`, `max`, `last`) over the batch value and the
/// new weights, and `binarize`. So the row is the one the next batch run builds for that user.
///
/// Not reproduced: `value_column` (an event's own value, e.g. a rating): online events weigh by
/// type only.
package struct OnlineInteractions: Sendable {
    package let stage: String
    /// The matrix the stage built in the loaded run.
    package let matrix: Interactions
    let weights: [String: Double]?
    let aggregate: String
    let binarize: Bool
    let halfLifeDays: Double?
    let asOf: Int64?

    /// `spec`: the encode stage; `matrix`: its stored result; `asOf`: the pipeline's as-of date.
    package init(spec: StageSpec, matrix: Interactions, asOf: String?) {
        stage = spec.name
        self.matrix = matrix
        let params = StageParameters(spec, declaration: EncodeStage.declaration)
        weights = params.param("weights")?.mapValue.map { m in
            Dictionary(m.map { ($0.key, $0.value.doubleValue ?? 0) }) { a, _ in a }
        }
        aggregate = params.string("aggregate")
        binarize = InteractionsBuilder.binarizes(params.values)
        halfLifeDays = params.optionalDouble("half_life_days")
        self.asOf = asOf.flatMap(Timestamp.date)
    }

    /// An event's weight in this matrix; nil when its type has none (the stage skips it).
    package func weight(type: String?, time: Int64?) -> Double? {
        var w = 1.0
        if let weights {
            guard let ww = weights[type ?? ""] else { return nil }
            w = ww
        }
        if let half = halfLifeDays, half > 0, let asOf {
            w *= pow(0.5, max(0, Double(asOf - (time ?? 0)) / 86_400) / half)
        }
        return w
    }

    /// The batch row of `user` (empty for a user the run did not have), as (column, value).
    package func batchRow(user: String) -> [(item: Int, value: Float)] {
        guard let u = matrix.users[user] else { return [] }
        return matrix.matrix.rowRange(u).map { (Int(matrix.matrix.columns[$0]), matrix.matrix.values[$0]) }
    }

    /// The row of `user` after `events` (in the order received); `skipped` counts events whose
    /// type has no weight or whose item is not a column of the matrix.
    package func row(
        user: String, events: [(item: String, type: String?, time: Int64?)]
    ) -> (row: [(item: Int, value: Float)], skipped: Int) {
        var values: [Int: Double] = [:]
        var order: [Int] = []
        for (i, v) in batchRow(user: user) {
            values[i] = Double(v)
            order.append(i)
        }
        var skipped = 0
        for e in events {
            guard let w = weight(type: e.type, time: e.time), let i = matrix.items[e.item] else {
                skipped += 1
                continue
            }
            guard let old = values[i] else {
                values[i] = w
                order.append(i)
                continue
            }
            switch aggregate {
            case "max": values[i] = max(old, w)
            case "last": values[i] = w
            default: values[i] = old + w
            }
        }
        let row = order.sorted().compactMap { i -> (item: Int, value: Float)? in
            let v = values[i]!
            return v > 0 ? (i, binarize ? 1 : Float(v)) : nil
        }
        return (row, skipped)
    }
}
