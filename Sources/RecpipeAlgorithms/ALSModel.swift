/// Alternating least squares for collaborative filtering: implicit feedback
/// (Hu, Koren & Volinsky 2008, conjugate-gradient or Cholesky solves) and explicit ratings
/// (weighted-λ ALS of Zhou et al. 2008, optional biases). See `ALS.fitImplicit` and
/// `ALS.fitExplicit`; the result is an `ALSModel`.
package enum ALS {}

/// A trained ALS factorization: user and item factors in contiguous row-major `Float` storage
/// (`userFactors[u * factors ..< (u + 1) * factors]`), plus biases for explicit models.
///
/// Users and items without interactions have all-zero factors (and zero biases).
package struct ALSModel: Sendable, Equatable, Codable {
    /// How the model was trained; fold-in and explain use the same objective.
    package enum Kind: Sendable, Equatable, Codable {
        case implicit(ALSImplicitOptions)
        case explicit(ALSExplicitOptions)
    }

    package let kind: Kind
    /// Latent dimension f.
    package let factors: Int
    package let userCount: Int
    package let itemCount: Int
    /// `userCount × factors`, row-major.
    package internal(set) var userFactors: [Float]
    /// `itemCount × factors`, row-major.
    package internal(set) var itemFactors: [Float]
    /// Per-user bias `b_u` (explicit models with biases; otherwise empty).
    package internal(set) var userBiases: [Float]
    /// Per-item bias `b_i` (explicit models with biases; otherwise empty).
    package internal(set) var itemBiases: [Float]
    /// Global mean μ of the ratings (explicit models with biases; otherwise 0).
    package internal(set) var globalMean: Float
    /// Training loss after each iteration, when it was computed.
    package internal(set) var losses: [Double]

    init(
        unchecked kind: Kind, factors: Int, userCount: Int, itemCount: Int, userFactors: [Float],
        itemFactors: [Float]
    ) {
        self.kind = kind
        self.factors = factors
        self.userCount = userCount
        self.itemCount = itemCount
        self.userFactors = userFactors
        self.itemFactors = itemFactors
        self.userBiases = []
        self.itemBiases = []
        self.globalMean = 0
        self.losses = []
    }

    /// Rebuilds a model from stored parts (e.g. a cached artifact), checking the sizes.
    /// Biases are empty, or one per user / item.
    package init(
        kind: Kind, factors: Int, userCount: Int, itemCount: Int, userFactors: [Float],
        itemFactors: [Float], userBiases: [Float] = [], itemBiases: [Float] = [], globalMean: Float = 0
    ) throws {
        guard factors >= 1, userCount >= 0, itemCount >= 0,
            userFactors.count == userCount * factors, itemFactors.count == itemCount * factors
        else {
            throw AlgorithmError(
                message:
                    "ALS model parts do not fit: \(userFactors.count) user and \(itemFactors.count) item values for \(userCount) users, \(itemCount) items and \(factors) factors"
            )
        }
        guard
            (userBiases.isEmpty && itemBiases.isEmpty)
                || (userBiases.count == userCount && itemBiases.count == itemCount)
        else {
            throw AlgorithmError(
                message:
                    "ALS model biases must be empty or have one value per user (\(userCount)) and per item (\(itemCount))"
            )
        }
        self.init(
            unchecked: kind, factors: factors, userCount: userCount, itemCount: itemCount,
            userFactors: userFactors, itemFactors: itemFactors)
        self.userBiases = userBiases
        self.itemBiases = itemBiases
        self.globalMean = globalMean
    }

    // MARK: - Accessors

    /// The factor vector of `user`.
    package func userVector(_ user: Int) -> ArraySlice<Float> {
        userFactors[user * factors..<(user + 1) * factors]
    }

    /// The factor vector of `item`.
    package func itemVector(_ item: Int) -> ArraySlice<Float> {
        itemFactors[item * factors..<(item + 1) * factors]
    }

    /// The raw score `x_u·y_i` (+ μ + b_u + b_i for explicit models with biases), unclipped.
    /// O(f).
    package func score(user: Int, item: Int) -> Float {
        let s = userFactors.withRows(width: factors) { u in
            itemFactors.withRows(width: factors) { i in ALSLinearAlgebra.dot(u.row(user), i.row(item), factors) }
        }
        return s + bias(user: user) + (itemBiases.isEmpty ? 0 : itemBiases[item])
    }

    /// The predicted rating: `score` clipped to the explicit model's `ratingRange`, if any.
    package func predict(user: Int, item: Int) -> Float {
        let s = score(user: user, item: item)
        guard case .explicit(let o) = kind, let range = o.ratingRange else { return s }
        return min(max(s, range.lowerBound), range.upperBound)
    }

    /// μ + b_u for explicit models with biases, else 0.
    func bias(user: Int) -> Float {
        userBiases.isEmpty ? 0 : globalMean + userBiases[user]
    }

    // MARK: - Validation helpers

    func checkUser(_ user: Int) throws {
        guard user >= 0 && user < userCount else {
            throw AlgorithmError(
                message: "user index \(user) is out of range; the model has \(userCount) users (0..<\(userCount))")
        }
    }

    func checkItem(_ item: Int) throws {
        guard item >= 0 && item < itemCount else {
            throw AlgorithmError(
                message: "item index \(item) is out of range; the model has \(itemCount) items (0..<\(itemCount))")
        }
    }
}

extension ALS {
    /// Checks the interaction matrix before training.
    static func checkMatrix(_ m: SparseMatrix) throws {
        guard m.rows > 0, m.cols > 0 else {
            throw AlgorithmError(
                message:
                    "the interaction matrix is empty (\(m.rows) users × \(m.cols) items); ALS needs at least one user and one item"
            )
        }
        if let bad = m.values.firstIndex(where: { !$0.isFinite }) {
            throw AlgorithmError(
                message:
                    "the interaction matrix holds a non-finite value (\(m.values[bad])) at entry \(bad); remove NaN/infinite values before training"
            )
        }
    }

    /// Row-major `rows × f` factors drawn uniformly from `[0, scale)`.
    static func initialFactors(rows: Int, f: Int, scale: Float, generator: inout SeededGenerator) -> [Float] {
        var out = [Float](repeating: 0, count: rows * f)
        for k in 0..<out.count { out[k] = generator.nextFloat() * scale }
        return out
    }

    /// Stops when the relative decrease of the loss falls below `tolerance`.
    static func converged(_ losses: [Double], tolerance: Double?) -> Bool {
        guard let tolerance, losses.count >= 2 else { return false }
        let prev = losses[losses.count - 2], cur = losses[losses.count - 1]
        guard prev > 0 else { return true }
        return (prev - cur) / prev < tolerance
    }
}
