import Foundation
import RecpipeAlgorithms
import RecpipeCore
import RecpipeData
import RecpipeEngine
import RecpipeSpec

/// `evaluate` for explicit ALS factors (`als` with `implicit: false`) on the `models` port: each
/// test rating of the split is predicted with the rebuilt model's `predict(user:item:)` and scored
/// by RMSE / MAE, beside the kNN `rating_models`.
///
/// Predictions are clipped to the model's `[rating_min, rating_max]` when it has one, else to
/// `evaluate`'s `rating_scale`. A test entry whose user or item is not in the factors, or has no
/// train ratings in the split (its factors are all zero), is predicted as the train global mean
/// and counted in `unknown_share`. Complexity: O(n · f) for n test ratings and f factors.
enum FactorsRatingEvaluation {
    struct Result {
        var name: String
        var rmse: Double
        var mae: Double
        /// Test ratings predicted as the global mean (unknown user or item) / all test ratings.
        var unknownShare: Double
        var unknown: Int
        var count: Int
        var predictSeconds: Double
    }

    // MARK: - Evaluate stage hook

    /// Adds a `rmse`, `mae`, `unknown_share` row triple and a note line per explicit factors input.
    static func apply(
        to rows: inout EvaluateStage.MetricRows, notes: inout [String], split: EvaluationSplit, context: StageContext
    ) throws {
        let results = try run(context.inputs["models"] ?? [], split: split, context: context)
        for r in results {
            rows.append(r.name, "rmse", "all", r.rmse)
            rows.append(r.name, "mae", "all", r.mae)
            rows.append(r.name, "unknown_share", "all", r.unknownShare)
            notes.append(
                EvaluateStage.line(r.name, [("rmse", r.rmse), ("mae", r.mae), ("unknown_share", r.unknownShare)])
                    + String(
                        format:
                            "  (explicit ALS; predict %.3f s, %d test ratings, %d with an unknown user or item → global mean)",
                        r.predictSeconds, r.count, r.unknown))
        }
        if !results.isEmpty {
            notes.append(
                "  unknown share = test ratings whose user or item has no trained factors (predicted as the train global mean) / all test ratings"
            )
        }
    }

    // MARK: - Scoring

    /// RMSE / MAE of every explicit-ALS `Factors` among `inputs` (others are skipped).
    static func run(_ inputs: [StageContext.Input], split: EvaluationSplit, context: StageContext) throws -> [Result] {
        let explicit = inputs.compactMap { input -> (String, Factors)? in
            guard let f = input.artifact as? Factors, f.settings["model"] == "als", f.settings["implicit"] == "false"
            else { return nil }
            return (input.stage, f)
        }
        guard !explicit.isEmpty else { return [] }
        let scale = context.doubles("rating_scale")
        guard scale.count == 2, scale[0] <= scale[1] else {
            throw StageError(
                "`rating_scale` must be [min, max] with min ≤ max", code: .invalidParam,
                at: context.location(of: "rating_scale"))
        }
        let train = split.train
        guard train.matrix.nonZeroCount > 0 else {
            throw StageError(
                "the split's train part is empty; explicit ALS needs train ratings", code: .emptyInput,
                at: context.spec.location)
        }
        let globalMean = Float(train.matrix.values.reduce(0.0) { $0 + Double($1) } / Double(train.matrix.nonZeroCount))
        var itemTrainCount = [Int](repeating: 0, count: train.items.count)
        for c in train.matrix.columns { itemTrainCount[Int(c)] += 1 }
        var out: [Result] = []
        for (name, factors) in explicit {
            let model: ALSModel
            do { model = try ALSSettings.model(from: factors) } catch let e as AlgorithmError {
                throw StageError(
                    "input '\(name)': \(e.message)", code: .init(e.code), at: context.spec.location,
                    hint: "re-run the als stage")
            }
            var range = Float(scale[0])...Float(scale[1])
            if case .explicit(let o) = model.kind, let r = o.ratingRange { range = r }
            // Split index → factors index (-1: unknown or without train ratings).
            let userMap: [Int] = (0..<train.users.count).map { u in
                train.matrix.rowCount(u) == 0 ? -1 : (factors.users[train.users[u]] ?? -1)
            }
            let itemMap: [Int] = (0..<train.items.count).map { i in
                itemTrainCount[i] == 0 ? -1 : (factors.items[train.items[i]] ?? -1)
            }
            let clock = ContinuousClock()
            let started = clock.now
            var predicted: [Float] = [], actual: [Float] = []
            predicted.reserveCapacity(split.testItems.count)
            actual.reserveCapacity(split.testItems.count)
            var unknown = 0
            for u in 0..<train.users.count {
                let fu = userMap[u]
                for p in split.testRange(user: u) {
                    let fi = itemMap[Int(split.testItems[p])]
                    let value: Float
                    if fu < 0 || fi < 0 {
                        value = globalMean
                        unknown += 1
                    } else {
                        value = model.predict(user: fu, item: fi)
                    }
                    predicted.append(min(max(value, range.lowerBound), range.upperBound))
                    actual.append(split.testValues[p])
                }
            }
            let elapsed = (clock.now - started).seconds
            guard !actual.isEmpty else {
                throw StageError(
                    "the split has no test entries to predict for '\(name)'", code: .emptyInput,
                    at: context.spec.location)
            }
            do {
                out.append(
                    Result(
                        name: name, rmse: try Metrics.rmse(predicted: predicted, actual: actual),
                        mae: try Metrics.mae(predicted: predicted, actual: actual),
                        unknownShare: Double(unknown) / Double(actual.count), unknown: unknown, count: actual.count,
                        predictSeconds: elapsed))
            } catch {
                throw StageError(
                    "input '\(name)': \(error.message)", code: .init(error.code), at: context.spec.location)
            }
        }
        return out
    }
}
