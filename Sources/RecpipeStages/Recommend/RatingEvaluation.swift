import Foundation
import RecpipeAlgorithms
import RecpipeCore
import RecpipeData
import RecpipeEngine
import RecpipeSpec

/// The `rating_models` of `evaluate`: kNN rating predictors (Surprise's KNNWithMeans /
/// KNNBaseline) fitted on the split's train part and scored by RMSE / MAE on its test entries.
enum RatingEvaluation {
    struct Result {
        var name: String
        var rmse: Double
        var mae: Double
        var fallbackShare: Double
        var count: Int
        var fitSeconds: Double
        var predictSeconds: Double
    }

    static let keys: Set<String> = [
        "name", "kind", "mode", "similarity", "k", "min_k", "min_support", "shrinkage", "max_memory",
    ]

    static func run(_ specs: [ParamValue], split: EvaluationSplit, context: StageContext) throws -> [Result] {
        let scale = context.doubles("rating_scale")
        guard scale.count == 2, scale[0] <= scale[1] else {
            throw StageError(
                "`rating_scale` must be [min, max] with min ≤ max", code: .invalidParam,
                at: context.location(of: "rating_scale"))
        }
        var users: [Int] = [], items: [Int] = [], actual: [Float] = []
        for u in 0..<split.train.users.count {
            for p in split.testRange(user: u) {
                users.append(u)
                items.append(Int(split.testItems[p]))
                actual.append(split.testValues[p])
            }
        }
        guard !actual.isEmpty else {
            throw StageError(
                "the split has no test entries to predict", code: .emptyInput, at: context.location(of: "rating_models")
            )
        }
        var out: [Result] = []
        for (n, spec) in specs.enumerated() {
            let config = try configuration(spec, index: n, scale: Float(scale[0])...Float(scale[1]), context: context)
            let name = spec.mapValue?.first { $0.key == "name" }?.value.stringValue ?? "rating_model_\(n + 1)"
            do {
                let clock = ContinuousClock()
                let t0 = clock.now
                let model = try KNNPredictor(ratings: split.train.matrix, configuration: config)
                let t1 = clock.now
                let predictions = try model.predict(users: users, items: items)
                let t2 = clock.now
                let predicted = predictions.map { $0.value }
                out.append(
                    Result(
                        name: name, rmse: try Metrics.rmse(predicted: predicted, actual: actual),
                        mae: try Metrics.mae(predicted: predicted, actual: actual),
                        fallbackShare: Double(predictions.count { $0.fellBack }) / Double(predictions.count),
                        count: predictions.count, fitSeconds: (t1 - t0).seconds, predictSeconds: (t2 - t1).seconds))
            } catch {
                throw StageError(
                    "rating model '\(name)': \(error.message)", code: .init(error.code),
                    at: context.location(of: "rating_models"))
            }
        }
        return out
    }

    /// One `rating_models` entry → a predictor configuration.
    static func configuration(
        _ spec: ParamValue, index: Int, scale: ClosedRange<Float>, context: StageContext
    ) throws -> KNNPredictor.Configuration {
        let at = context.location(of: "rating_models")
        guard let entries = spec.mapValue else {
            throw StageError(
                "rating_models[\(index)] must be a mapping like {kind: means, similarity: msd, k: 40}",
                code: .invalidParam, at: at)
        }
        var m: [String: ParamValue] = [:]
        for e in entries {
            guard keys.contains(e.key) else {
                throw StageError(
                    "rating_models[\(index)] has unknown key '\(e.key)'", code: .invalidParam, at: at,
                    hint: "known keys: \(keys.sorted().joined(separator: ", "))")
            }
            m[e.key] = e.value
        }
        func choice(_ key: String, _ allowed: [String], _ fallback: String) throws -> String {
            let v = m[key]?.stringValue ?? fallback
            guard allowed.contains(v) else {
                throw StageError(
                    "rating_models[\(index)].\(key) must be one of \(allowed.joined(separator: ", ")) (got \(v))",
                    code: .invalidParam, at: at)
            }
            return v
        }
        func int(_ key: String, _ fallback: Int, min: Int) throws -> Int {
            guard let raw = m[key] else { return fallback }
            guard let v = raw.intValue, v >= min else {
                throw StageError(
                    "rating_models[\(index)].\(key) must be an integer ≥ \(min) (got \(raw))", code: .invalidParam,
                    at: at)
            }
            return v
        }
        let kind = try choice("kind", ["means", "baseline"], "means")
        let mode = try choice("mode", ["user", "item"], "user")
        let simName = try choice("similarity", CFStage.similarities, kind == "baseline" ? "pearson_baseline" : "msd")
        let measure: SimilarityMeasure =
            switch simName {
            case "adjusted_cosine": .adjustedCosine
            case "pearson_baseline": .pearsonBaseline
            default: SimilarityMeasure(rawValue: simName) ?? .msd
            }
        let shrinkage: Double? = try m["shrinkage"].map { raw in
            guard let v = raw.doubleValue, v >= 0 else {
                throw StageError(
                    "rating_models[\(index)].shrinkage must be a number ≥ 0 (got \(raw))", code: .invalidParam, at: at)
            }
            return v
        }
        var maxMemory = MemoryLimit.defaultBytes
        if let raw = m["max_memory"] {
            guard let b = raw.intValue ?? raw.stringValue.flatMap(MemoryLimit.parse), b > 0 else {
                throw StageError(
                    "rating_models[\(index)].max_memory must be bytes or a size like \"2GB\" (got \(raw))",
                    code: .invalidParam, at: at)
            }
            maxMemory = b
        }
        return KNNPredictor.Configuration(
            kind: kind == "baseline" ? .baseline : .withMeans, userBased: mode == "user",
            k: try int("k", 40, min: 1), minK: try int("min_k", 1, min: 0),
            similarity: SimilarityOptions(
                measure: measure, minSupport: try int("min_support", 1, min: 1), shrinkage: shrinkage),
            ratingScale: scale, maxMemoryBytes: maxMemory)
    }
}
