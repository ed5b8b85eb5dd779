import RecpipeAlgorithms
import RecpipeData

/// The ALS options stored as text in `Factors.settings`, so a cached artifact can be turned back
/// into an `ALSModel` (fold-in, explain, similar items) without re-training.
///
/// Keys: `model` (`als`), `implicit` (`true`/`false`), `factors`, `iterations`, `regularization`,
/// `regularization_scaling` (`none`/`per_count`), `seed`; implicit: `alpha`, `confidence`
/// (`linear`/`one_plus`/`log`), `epsilon`, `solver` (`cg`/`cholesky`), `cg_steps`; explicit:
/// `biases`, `rating_min`, `rating_max`. The stage adds `iterations_run` and `final_loss`.
package enum ALSSettings {
    // MARK: - Encoding

    /// The settings map of a model kind.
    package static func encode(_ kind: ALSModel.Kind) -> [String: String] {
        var s: [String: String] = ["model": "als"]
        switch kind {
        case .implicit(let o):
            s["implicit"] = "true"
            s["factors"] = String(o.factors)
            s["iterations"] = String(o.iterations)
            s["regularization"] = "\(o.regularization)"
            s["regularization_scaling"] = o.regularizationScaling == .perCount ? "per_count" : "none"
            s["alpha"] = "\(o.alpha)"
            s["confidence"] = name(o.confidence)
            if case .log(let epsilon) = o.confidence { s["epsilon"] = "\(epsilon)" }
            switch o.solver {
            case .cholesky: s["solver"] = "cholesky"
            case .conjugateGradient(let steps):
                s["solver"] = "cg"
                s["cg_steps"] = String(steps)
            }
            s["seed"] = String(o.seed)
        case .explicit(let o):
            s["implicit"] = "false"
            s["factors"] = String(o.factors)
            s["iterations"] = String(o.iterations)
            s["regularization"] = "\(o.regularization)"
            s["regularization_scaling"] = o.regularizationScaling == .perCount ? "per_count" : "none"
            s["biases"] = o.useBiases ? "true" : "false"
            if let r = o.ratingRange {
                s["rating_min"] = "\(r.lowerBound)"
                s["rating_max"] = "\(r.upperBound)"
            }
            s["seed"] = String(o.seed)
        }
        return s
    }

    /// `linear`, `one_plus` or `log`.
    package static func name(_ c: ALSConfidence) -> String {
        switch c {
        case .linear: "linear"
        case .onePlus: "one_plus"
        case .log: "log"
        }
    }

    // MARK: - Decoding

    /// The model kind described by `settings` (the inverse of `encode`).
    package static func kind(_ settings: [String: String]) throws -> ALSModel.Kind {
        guard settings["model"] == "als" else {
            throw AlgorithmError.invalidOption(
                "these factors were not produced by an als stage (settings: model=\(settings["model"] ?? "none"))")
        }
        let factors = try int(settings, "factors")
        let iterations = try int(settings, "iterations")
        let lambda = try float(settings, "regularization")
        let scaling: ALSRegularizationScaling = settings["regularization_scaling"] == "per_count" ? .perCount : .none
        let seed = UInt64(settings["seed"] ?? "0") ?? 0
        if settings["implicit"] != "false" {
            let confidence: ALSConfidence =
                switch settings["confidence"] {
                case "one_plus": .onePlus
                case "log": .log(epsilon: try float(settings, "epsilon"))
                default: .linear
                }
            let solver: ALSSolver =
                settings["solver"] == "cholesky"
                ? .cholesky : .conjugateGradient(steps: try int(settings, "cg_steps"))
            return .implicit(
                ALSImplicitOptions(
                    factors: factors, iterations: iterations, regularization: lambda,
                    alpha: try float(settings, "alpha"), confidence: confidence, regularizationScaling: scaling,
                    solver: solver, seed: seed))
        }
        var range: ClosedRange<Float>? = nil
        if settings["rating_min"] != nil {
            let lo = try float(settings, "rating_min"), hi = try float(settings, "rating_max")
            guard lo <= hi else {
                throw AlgorithmError.invalidOption("factor settings have rating_min \(lo) above rating_max \(hi)")
            }
            range = lo...hi
        }
        return .explicit(
            ALSExplicitOptions(
                factors: factors, iterations: iterations, regularization: lambda, regularizationScaling: scaling,
                useBiases: settings["biases"] != "false", ratingRange: range, seed: seed))
    }

    /// Rebuilds the trained model from a cached `Factors` artifact of an `als` stage.
    package static func model(from f: Factors) throws -> ALSModel {
        try ALSModel(
            kind: try kind(f.settings), factors: f.factors, userCount: f.users.count, itemCount: f.items.count,
            userFactors: f.userFactors, itemFactors: f.itemFactors, userBiases: f.userBias,
            itemBiases: f.itemBias, globalMean: f.globalMean)
    }

    // MARK: - Helpers

    static func int(_ s: [String: String], _ key: String) throws -> Int {
        guard let text = s[key], let v = Int(text) else {
            throw AlgorithmError.invalidOption(
                "factor settings lack a valid `\(key)` (got \(s[key] ?? "nothing")); re-run the als stage")
        }
        return v
    }

    static func float(_ s: [String: String], _ key: String) throws -> Float {
        guard let text = s[key], let v = Float(text) else {
            throw AlgorithmError.invalidOption(
                "factor settings lack a valid `\(key)` (got \(s[key] ?? "nothing")); re-run the als stage")
        }
        return v
    }
}
