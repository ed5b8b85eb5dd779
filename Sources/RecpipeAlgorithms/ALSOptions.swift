import RealModule

// MARK: - Confidence, regularization, solver

/// How an implicit-feedback value `r` (a count, a rating, a dwell time …) becomes a confidence
/// `c` and a preference `p` (Hu, Koren & Volinsky 2008). In every mode `p = 1` when `r > 0` and
/// `p = 0` otherwise; unobserved pairs have `c = 1`, `p = 0`. A negative `r` is a *dislike* with
/// confidence computed from `|r|` (the convention of the `implicit` library).
package enum ALSConfidence: Sendable, Equatable, Hashable, Codable {
    /// `c = α·r` — the matrix values *are* the confidences, as in the `implicit` library
    /// (`AlternatingLeastSquares` multiplies the matrix by `alpha` and uses it directly; the
    /// `c − 1` of the Gram update is `α·r − 1`, which can be negative when `α·r < 1`).
    case linear
    /// `c = 1 + α·r` — the original paper (which uses α = 40) and Spark MLlib.
    case onePlus
    /// `c = 1 + α·log(1 + r/ε)` — the paper's logarithmic variant.
    case log(epsilon: Float)

    /// The confidence for a stored value (uses `|r|`).
    @inlinable
    package func confidence(_ r: Float, alpha: Float) -> Float {
        let a = abs(r)
        switch self {
        case .linear: return alpha * a
        case .onePlus: return 1 + alpha * a
        case .log(let epsilon): return 1 + alpha * Float.log(onePlus: a / epsilon)
        }
    }
}

/// Whether the regularization weight grows with the number of interactions of a row.
package enum ALSRegularizationScaling: Sendable, Equatable, Hashable, Codable {
    /// `λ‖x_u‖²` — the `implicit` library and the implicit-feedback paper.
    case none
    /// `λ·n_u‖x_u‖²` — ALS-WR (Zhou et al. 2008) and Spark MLlib (`n_u` = number of entries of
    /// the row; for implicit data Spark counts the positive ones, as done here).
    case perCount
}

/// The per-row linear solver.
package enum ALSSolver: Sendable, Equatable, Hashable, Codable {
    /// Conjugate gradient warm-started from the previous factors (Takács et al. 2011), as
    /// `implicit` does with `use_cg=True` (3 steps). O(steps·(f² + n_u·f)) per row.
    case conjugateGradient(steps: Int)
    /// Exact solve: build the f×f normal matrix and factor it (Cholesky, in Double).
    /// O(n_u·f² + f³) per row.
    case cholesky
}

// MARK: - Options

/// Options of implicit-feedback ALS.
///
/// Reproducing other systems:
/// - `implicit` (benfred): `confidence: .linear, regularizationScaling: .none,
///   solver: .conjugateGradient(steps: 3)` (or `.cholesky` for `use_cg=False`); same init.
/// - Spark MLlib `ALS(implicitPrefs=true)`: `confidence: .onePlus, regularizationScaling: .perCount`.
/// - Hu, Koren & Volinsky 2008: `confidence: .onePlus` (α = 40) or `.log(epsilon:)`,
///   `regularizationScaling: .none`, `solver: .cholesky`.
package struct ALSImplicitOptions: Sendable, Equatable, Codable {
    package var factors: Int = 64
    package var iterations: Int = 15
    package var regularization: Float = 0.01
    package var alpha: Float = 1
    package var confidence: ALSConfidence = .linear
    package var regularizationScaling: ALSRegularizationScaling = .none
    package var solver: ALSSolver = .conjugateGradient(steps: 3)
    /// Seed of the initial factors (uniform in [0, 0.01), like `implicit`).
    package var seed: UInt64 = 0
    /// Worker threads; 0 = all cores. Results do not depend on this value.
    package var threads: Int = 0
    /// Compute the training loss after every iteration (always on when `tolerance` is set).
    package var computeLoss: Bool = false
    /// Stop early once the relative loss decrease of an iteration falls below this value.
    package var tolerance: Double? = nil

    package init(
        factors: Int = 64, iterations: Int = 15, regularization: Float = 0.01, alpha: Float = 1,
        confidence: ALSConfidence = .linear, regularizationScaling: ALSRegularizationScaling = .none,
        solver: ALSSolver = .conjugateGradient(steps: 3), seed: UInt64 = 0, threads: Int = 0,
        computeLoss: Bool = false, tolerance: Double? = nil
    ) {
        self.factors = factors
        self.iterations = iterations
        self.regularization = regularization
        self.alpha = alpha
        self.confidence = confidence
        self.regularizationScaling = regularizationScaling
        self.solver = solver
        self.seed = seed
        self.threads = threads
        self.computeLoss = computeLoss
        self.tolerance = tolerance
    }

    /// Throws `AlgorithmError.invalidOption` naming the first bad option.
    package func validate() throws {
        try AlgorithmError.check(
            factors: factors, iterations: iterations, regularization: regularization,
            threads: threads, tolerance: tolerance)
        guard alpha > 0, alpha.isFinite else {
            throw AlgorithmError.invalidOption(
                "alpha must be > 0 (got \(alpha)); it scales the confidence of observed interactions, e.g. alpha: 1 (implicit) or 40 (the paper)"
            )
        }
        if case .log(let epsilon) = confidence, !(epsilon > 0 && epsilon.isFinite) {
            throw AlgorithmError.invalidOption("confidence log epsilon must be > 0 (got \(epsilon))")
        }
        if case .conjugateGradient(let steps) = solver, steps < 1 {
            throw AlgorithmError.invalidOption(
                "conjugate-gradient steps must be >= 1 (got \(steps)); use 3 like implicit, or the cholesky solver for an exact solve"
            )
        }
    }
}

/// Options of explicit-rating ALS with weighted-λ regularization (Zhou et al. 2008).
package struct ALSExplicitOptions: Sendable, Equatable, Codable {
    package var factors: Int = 32
    package var iterations: Int = 15
    package var regularization: Float = 0.05
    package var regularizationScaling: ALSRegularizationScaling = .perCount
    /// Model `rating ≈ μ + b_u + b_i + x_u·y_i` (biases regularized like the factors).
    package var useBiases: Bool = true
    /// Predictions are clipped to this range (e.g. 1...5); nil = no clipping.
    package var ratingRange: ClosedRange<Float>? = nil
    /// Seed of the initial factors (uniform in [0, 1)/√f).
    package var seed: UInt64 = 0
    package var threads: Int = 0
    package var computeLoss: Bool = false
    package var tolerance: Double? = nil

    package init(
        factors: Int = 32, iterations: Int = 15, regularization: Float = 0.05,
        regularizationScaling: ALSRegularizationScaling = .perCount, useBiases: Bool = true,
        ratingRange: ClosedRange<Float>? = nil, seed: UInt64 = 0, threads: Int = 0,
        computeLoss: Bool = false, tolerance: Double? = nil
    ) {
        self.factors = factors
        self.iterations = iterations
        self.regularization = regularization
        self.regularizationScaling = regularizationScaling
        self.useBiases = useBiases
        self.ratingRange = ratingRange
        self.seed = seed
        self.threads = threads
        self.computeLoss = computeLoss
        self.tolerance = tolerance
    }

    package func validate() throws {
        try AlgorithmError.check(
            factors: factors, iterations: iterations, regularization: regularization,
            threads: threads, tolerance: tolerance)
    }
}

// MARK: - Errors and progress

/// ALS training and querying options checked (an ``AlgorithmError``, code `invalidParameter`).
extension AlgorithmError {
    package static func invalidOption(_ message: String) -> AlgorithmError {
        AlgorithmError(.invalidParameter, message)
    }

    static func check(
        factors: Int, iterations: Int, regularization: Float, threads: Int,
        tolerance: Double?
    ) throws {
        guard factors >= 1 else {
            throw invalidOption("factors must be >= 1 (got \(factors)); typical values are 32–256")
        }
        guard iterations >= 1 else {
            throw invalidOption("iterations must be >= 1 (got \(iterations)); 15 is a good default")
        }
        guard regularization >= 0, regularization.isFinite else {
            throw invalidOption("regularization must be a finite number >= 0 (got \(regularization)); try 0.01–0.1")
        }
        guard threads >= 0 else {
            throw invalidOption("threads must be >= 0 (got \(threads)); 0 uses all cores")
        }
        if let tolerance, !(tolerance >= 0 && tolerance.isFinite) {
            throw invalidOption("tolerance must be a finite number >= 0 (got \(tolerance))")
        }
    }
}

/// What the progress callback receives after every iteration.
package struct ALSIterationReport: Sendable, Equatable {
    /// 1-based iteration number.
    package var iteration: Int
    /// Training loss after the iteration (nil unless requested); see `ALS.implicitLoss`.
    package var loss: Double?
}
