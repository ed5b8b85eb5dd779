import Foundation
import RecpipeAlgorithms
import RecpipeCore
import RecpipeData
import RecpipeEngine
import RecpipeSpec

// MARK: - Parameters → options

/// The resolved `als` parameters as algorithm options.
struct ALSStageSetup {
    var kind: ALSModel.Kind
    var iterations: Int
    var threads: Int

    init(kind: ALSModel.Kind, iterations: Int, threads: Int) {
        self.kind = kind
        self.iterations = iterations
        self.threads = threads
    }

    init(_ context: StageContext) throws {
        let seed = UInt64(truncatingIfNeeded: context.stageSeed)
        let factors = context.int("factors")
        let iterations = context.int("iterations")
        let lambda = Float(context.double("regularization"))
        let threads = context.int("threads")
        let tolerance = context.optionalDouble("tolerance")
        let computeLoss = context.bool("compute_loss")
        let scaling: ALSRegularizationScaling? = context.optionalString("regularization_scaling").map {
            $0 == "per_count" ? .perCount : .none
        }
        if context.bool("implicit") {
            let confidence: ALSConfidence =
                switch context.string("confidence") {
                case "one_plus": .onePlus
                case "log": .log(epsilon: Float(context.double("epsilon")))
                default: .linear
                }
            let solver: ALSSolver =
                context.string("solver") == "cholesky"
                ? .cholesky : .conjugateGradient(steps: context.int("cg_steps"))
            kind = .implicit(
                ALSImplicitOptions(
                    factors: factors, iterations: iterations, regularization: lambda,
                    alpha: Float(context.double("alpha")), confidence: confidence,
                    regularizationScaling: scaling ?? .none, solver: solver, seed: seed, threads: threads,
                    computeLoss: computeLoss, tolerance: tolerance))
        } else {
            var range: ClosedRange<Float>? = nil
            if let lo = context.optionalDouble("rating_min"), let hi = context.optionalDouble("rating_max") {
                guard lo < hi else {
                    throw StageError(
                        "rating_min (\(lo)) must be below rating_max (\(hi))", code: .invalidParam,
                        at: context.location(of: "rating_min"))
                }
                range = Float(lo)...Float(hi)
            }
            kind = .explicit(
                ALSExplicitOptions(
                    factors: factors, iterations: iterations, regularization: lambda,
                    regularizationScaling: scaling ?? .perCount, useBiases: context.bool("biases"),
                    ratingRange: range, seed: seed, threads: threads, computeLoss: computeLoss, tolerance: tolerance))
        }
        self.iterations = iterations
        self.threads = threads
    }

    /// One line naming the model and its settings, for the summary.
    var description: String {
        switch kind {
        case .implicit(let o):
            let solver =
                switch o.solver {
                case .cholesky: "cholesky"
                case .conjugateGradient(let steps): "cg \(steps) steps"
                }
            return "implicit ALS (confidence \(ALSSettings.name(o.confidence)), α=\(o.alpha), λ=\(o.regularization)"
                + "\(o.regularizationScaling == .perCount ? "·n" : ""), \(solver))"
        case .explicit(let o):
            let range = o.ratingRange.map { ", clipped to \($0.lowerBound)…\($0.upperBound)" } ?? ""
            return "explicit ALS (λ=\(o.regularization)\(o.regularizationScaling == .perCount ? "·n" : "")"
                + "\(o.useBiases ? ", biases" : "")\(range))"
        }
    }
}

// MARK: - Validation beyond types and ranges

extension ALSStage {
    static func check(_ spec: StageSpec) -> [Diagnostic] {
        var out: [Diagnostic] = []
        let params = StageParameters(spec, declaration: declaration)
        let implicit = params.bool("implicit")
        let lo = params.optionalDouble("rating_min"), hi = params.optionalDouble("rating_max")
        if lo != nil || hi != nil {
            let at = spec.paramLocations[lo != nil ? "rating_min" : "rating_max"] ?? spec.location
            if implicit {
                out.append(
                    .error(
                        "invalid-param", "stage '\(spec.name)': `rating_min`/`rating_max` only apply to explicit ALS",
                        at: at,
                        hint: "add `implicit: false`, or remove the rating range"))
            } else if lo == nil || hi == nil {
                out.append(
                    .error(
                        "invalid-param", "stage '\(spec.name)': give both `rating_min` and `rating_max`", at: at,
                        hint: "e.g. rating_min: 1, rating_max: 5"))
            } else if let lo, let hi, lo >= hi {
                out.append(
                    .error(
                        "invalid-param",
                        "stage '\(spec.name)': `rating_min` (\(lo)) must be below `rating_max` (\(hi))",
                        at: at, hint: "e.g. rating_min: 1, rating_max: 5"))
            }
        }
        if spec.params["confidence"]?.stringValue != "log", let at = spec.paramLocations["epsilon"] {
            out.append(
                .error(
                    "invalid-param", "stage '\(spec.name)': `epsilon` only applies to `confidence: log`", at: at,
                    hint: "add `confidence: log`, or remove `epsilon`"))
        }
        if !implicit {
            for name in ["alpha", "confidence", "solver", "cg_steps"] {
                guard let at = spec.paramLocations[name] else { continue }
                out.append(
                    .error(
                        "invalid-param", "stage '\(spec.name)': `\(name)` only applies to implicit ALS", at: at,
                        hint: "remove `\(name)`, or set `implicit: true`"))
            }
        }
        return out
    }
}
