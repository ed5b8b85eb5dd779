/// Explicit-rating kNN prediction, user- or item-based, matching scikit-surprise's
/// `KNNWithMeans` and `KNNBaseline`.
///
/// Write x for the entity whose neighbours are used (the user when user-based, else the item) and
/// y for the other one. Among the neighbours x′ of x that rated y, the k with the largest
/// similarity are taken; only those with similarity > 0 contribute:
/// - `.withMeans`: r̂ = μ_x + Σ sim(x,x′)·(r_x′y − μ_x′) / Σ sim(x,x′)  (μ = mean rating of x)
/// - `.baseline`:  r̂ = b_xy + Σ sim(x,x′)·(r_x′y − b_x′y) / Σ sim(x,x′)  (b = μ + b_u + b_i)
/// When fewer than `minK` neighbours contribute, the neighbour term is dropped (r̂ = μ_x or
/// b_xy) and the prediction is marked as a fallback. An unknown user or item (index out of range
/// or no training ratings) gives the global mean (`.withMeans`, as Surprise's default prediction)
/// or the baseline with the unknown bias counted as 0 (`.baseline`). Predictions are clipped to
/// `ratingScale`.
///
/// Neighbour lists come from `KNNIndex`; with `neighborPool == nil` they hold every positive
/// similarity, which makes the predictions those of Surprise (up to ties at the k-th neighbour
/// and Float storage of similarities).
package struct KNNPredictor: Sendable {
    package enum Kind: String, Sendable { case withMeans, baseline }

    /// Why a prediction fell back to the mean / baseline.
    package enum Fallback: String, Sendable, Equatable {
        case unknownUser, unknownItem, tooFewNeighbors
    }

    package struct Configuration: Sendable, Equatable {
        package var kind: Kind
        package var userBased: Bool
        /// k: the most neighbours used per prediction (Surprise's default 40).
        package var k: Int
        /// Fewer contributing neighbours than this → fall back (Surprise's `min_k`, default 1).
        package var minK: Int
        package var similarity: SimilarityOptions
        package var baseline: BaselineModel.Options
        package var ratingScale: ClosedRange<Float>
        /// Neighbours kept per entity in the index; nil = all with positive similarity (exact).
        package var neighborPool: Int?
        /// Refuse before building the index when it would need more bytes than this.
        package var maxMemoryBytes: Int?

        /// Defaults: Surprise's k = 40, min_k = 1; similarity `msd` for `.withMeans` and
        /// `pearsonBaseline` (shrinkage 100) for `.baseline`, the measure Surprise recommends for it.
        package init(
            kind: Kind = .withMeans, userBased: Bool = true, k: Int = 40, minK: Int = 1,
            similarity: SimilarityOptions? = nil, baseline: BaselineModel.Options = .init(),
            ratingScale: ClosedRange<Float> = 1...5, neighborPool: Int? = nil, maxMemoryBytes: Int? = nil
        ) {
            self.kind = kind
            self.userBased = userBased
            self.k = k
            self.minK = minK
            self.similarity = similarity ?? SimilarityOptions(measure: kind == .baseline ? .pearsonBaseline : .msd)
            self.baseline = baseline
            self.ratingScale = ratingScale
            self.neighborPool = neighborPool
            self.maxMemoryBytes = maxMemoryBytes
        }
    }

    package let configuration: Configuration
    /// Neighbour lists of x (users when user-based, else items).
    package let neighbors: NeighborLists
    /// Baselines (only for `.baseline`).
    package let baselines: BaselineModel?
    package let globalMean: Double
    /// x × y ratings and their transpose (y → raters).
    let byX: SparseMatrix
    let byY: SparseMatrix
    let meansX: [Double]
    /// `baselines` in the x/y orientation.
    let biasTerms: BiasTerms?

    /// Fits on a users × items rating matrix (absent entries = unrated).
    package init(ratings: SparseMatrix, configuration: Configuration = Configuration()) throws(AlgorithmError) {
        guard configuration.k >= 1 else { throw AlgorithmError.invalid("`k` must be ≥ 1 (got \(configuration.k))") }
        guard configuration.minK >= 0 else {
            throw AlgorithmError.invalid("`min_k` must be ≥ 0 (got \(configuration.minK))")
        }
        self.configuration = configuration
        byX = configuration.userBased ? ratings : ratings.transposed()
        byY = byX.transposed()
        var total = 0.0
        for v in ratings.values { total += Double(v) }
        globalMean = ratings.nonZeroCount > 0 ? total / Double(ratings.nonZeroCount) : 0
        meansX = (0..<byX.rows).map { [byX] x in
            let r = byX.rowRange(x)
            guard !r.isEmpty else { return 0 }
            var s = 0.0
            for p in r { s += Double(byX.values[p]) }
            return s / Double(r.count)
        }
        let needsBaselines = configuration.kind == .baseline || configuration.similarity.measure == .pearsonBaseline
        let model = needsBaselines ? try BaselineModel(ratings: ratings, options: configuration.baseline) : nil
        baselines = model
        biasTerms = model?.biasTerms(userBased: configuration.userBased)
        neighbors = try KNNIndex.build(
            byX, neighbors: configuration.neighborPool, options: configuration.similarity, biases: biasTerms,
            maxMemoryBytes: configuration.maxMemoryBytes, entity: configuration.userBased ? "user" : "item")
    }
}
