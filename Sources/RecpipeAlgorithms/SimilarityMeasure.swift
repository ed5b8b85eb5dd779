/// A similarity between two sparse rating vectors (two rows of a CSR matrix: two users, or two
/// items when the matrix is items × users).
///
/// Definitions follow scikit-surprise's `similarities.pyx` exactly, so RMSEs are comparable.
/// "Co-rated" means the columns both rows have an entry in; `n` is their number.
package enum SimilarityMeasure: String, Sendable, CaseIterable, Codable {
    /// Σ a·b / √(Σ a² · Σ b²), all sums over co-rated columns only (Surprise's `cosine`).
    case cosine
    /// Pearson correlation over co-rated columns, each vector centred on its co-rated mean
    /// (Surprise's `pearson`): (n Σab − Σa Σb) / √((n Σa² − (Σa)²)(n Σb² − (Σb)²)); 0 if a
    /// vector is constant on the co-rated columns.
    case pearson
    /// Cosine of baseline residuals r − (μ + b_row + b_col) over co-rated columns, shrunk by
    /// (n − 1) / (n − 1 + shrinkage) (Surprise's `pearson_baseline`; needs `BiasTerms`;
    /// minimum support is at least 2).
    case pearsonBaseline
    /// Cosine over co-rated columns after subtracting each column's mean from its entries — for
    /// item–item similarity (rows = items, columns = users) this is Sarwar's adjusted cosine with
    /// user-mean centring.
    case adjustedCosine
    /// Binary: |A ∩ B| / |A ∪ B| over the rows' non-zero columns.
    case jaccard
    /// Mean squared difference: 1 / (Σ (a − b)² / n + 1) over co-rated columns (Surprise's `msd`).
    case msd
}

/// How to compute similarities: the measure, minimum support and shrinkage.
package struct SimilarityOptions: Sendable, Equatable {
    package var measure: SimilarityMeasure
    /// Pairs with fewer co-rated columns than this get similarity 0 (Surprise's `min_support`).
    /// `pearsonBaseline` always uses at least 2.
    package var minSupport: Int
    /// Shrinkage λ. For every measure except `pearsonBaseline`: sim · n / (n + λ) (0 = none).
    /// For `pearsonBaseline`: sim · (n − 1) / (n − 1 + λ), as Surprise.
    package var shrinkage: Double

    package init(measure: SimilarityMeasure, minSupport: Int = 1, shrinkage: Double? = nil) {
        self.measure = measure
        self.minSupport = minSupport
        self.shrinkage = shrinkage ?? (measure == .pearsonBaseline ? 100 : 0)
    }

    /// The minimum support actually applied.
    var effectiveMinSupport: Int { measure == .pearsonBaseline ? max(2, minSupport) : max(1, minSupport) }
}

/// Baseline terms for `pearsonBaseline`: the residual of entry (row x, column y) is
/// r − (globalMean + rowBias[x] + columnBias[y]).
package struct BiasTerms: Sendable, Equatable {
    package var globalMean: Double
    package var rowBias: [Double]
    package var columnBias: [Double]

    package init(globalMean: Double, rowBias: [Double], columnBias: [Double]) {
        self.globalMean = globalMean
        self.rowBias = rowBias
        self.columnBias = columnBias
    }
}

/// Co-rated statistics of one pair of rows (a, b), accumulated column by column.
struct SimilarityStatistics: Equatable {
    var n = 0
    var prods = 0.0, sqA = 0.0, sqB = 0.0, sumA = 0.0, sumB = 0.0, sqDiff = 0.0

    @inline(__always) mutating func add(_ a: Double, _ b: Double) {
        n += 1
        prods += a * b
        sqA += a * a
        sqB += b * b
        sumA += a
        sumB += b
        let d = a - b
        sqDiff += d * d
    }

    /// The similarity under `options`; `countA`/`countB` are the rows' entry counts (jaccard).
    /// Degenerate denominators give 0, never NaN.
    func similarity(_ options: SimilarityOptions, countA: Int, countB: Int) -> Double {
        if n < options.effectiveMinSupport || n == 0 { return 0 }
        let nd = Double(n)
        var sim: Double
        switch options.measure {
        case .cosine, .adjustedCosine:
            let den = (sqA * sqB).squareRoot()
            sim = den > 0 ? prods / den : 0
        case .pearson:
            let va = nd * sqA - sumA * sumA, vb = nd * sqB - sumB * sumB
            sim = va > 0 && vb > 0 ? (nd * prods - sumA * sumB) / (va * vb).squareRoot() : 0
        case .pearsonBaseline:
            let den = (sqA * sqB).squareRoot()
            sim = den > 0 ? prods / den : 0
            if options.shrinkage != 0 { sim *= (nd - 1) / (nd - 1 + options.shrinkage) }
            return sim
        case .jaccard:
            let union = countA + countB - n
            sim = union > 0 ? nd / Double(union) : 0
        case .msd:
            sim = 1 / (sqDiff / nd + 1)
        }
        if options.shrinkage != 0 { sim *= nd / (nd + options.shrinkage) }
        return sim
    }
}
