import RealModule

/// Weighting of an implicit-feedback matrix before item–item similarity, as in the `implicit`
/// library's `CosineRecommender`, `TFIDFRecommender` and `BM25Recommender`.
///
/// All weightings act on the items × users matrix (rows = items are the "documents", columns =
/// users the "terms"), which is how `implicit` applies them (`bm25_weight(user_items.T).T`).
/// With N = number of items and df(u) = number of items user u interacted with,
/// idf(u) = log(N) − log(1 + df(u)).
package enum KNNWeighting: Sendable, Equatable {
    /// Each item row L2-normalized: item–item dot products are cosines.
    case none
    /// √x · idf(u), then each item row L2-normalized.
    case tfidf
    /// x · (k1 + 1) / (k1 · norm(i) + x) · idf(u) with norm(i) = (1 − b) + b · len(i) / avgLen,
    /// len(i) = Σ_u x_iu and avgLen its mean over all items; not normalized afterwards.
    case bm25(k1: Double = 1.2, b: Double = 0.75)

    /// The weighted items × users matrix for a users × items input. O(nnz).
    package func weightedItemUsers(_ userItems: SparseMatrix) -> SparseMatrix {
        let itemUsers = userItems.transposed()
        switch self {
        case .none:
            return Self.normalizeRows(itemUsers)
        case .tfidf:
            return Self.normalizeRows(Self.tfidf(itemUsers))
        case .bm25(let k1, let b):
            return Self.bm25(itemUsers, k1: k1, b: b)
        }
    }

    /// √x · idf(column) over the rows of `m` (implicit's `tfidf_weight`). O(nnz).
    package static func tfidf(_ m: SparseMatrix) -> SparseMatrix {
        let idf = inverseDocumentFrequency(m)
        var out = m
        for p in 0..<m.nonZeroCount {
            out.values[p] = Float(Double(m.values[p]).squareRoot() * idf[Int(m.columns[p])])
        }
        return out
    }

    /// BM25 weights over the rows of `m` (implicit's `bm25_weight`). O(nnz).
    package static func bm25(_ m: SparseMatrix, k1: Double = 1.2, b: Double = 0.75) -> SparseMatrix {
        let idf = inverseDocumentFrequency(m)
        var rowSums = [Double](repeating: 0, count: m.rows)
        for r in 0..<m.rows { for p in m.rowRange(r) { rowSums[r] += Double(m.values[p]) } }
        let average = m.rows > 0 ? rowSums.reduce(0, +) / Double(m.rows) : 0
        var out = m
        for r in 0..<m.rows {
            let lengthNorm = (1 - b) + b * (average > 0 ? rowSums[r] / average : 0)
            for p in m.rowRange(r) {
                let x = Double(m.values[p])
                out.values[p] = Float(x * (k1 + 1) / (k1 * lengthNorm + x) * idf[Int(m.columns[p])])
            }
        }
        return out
    }

    /// Each row scaled to unit L2 norm (all-zero rows stay zero). O(nnz).
    package static func normalizeRows(_ m: SparseMatrix) -> SparseMatrix {
        var out = m
        for r in 0..<m.rows {
            var sq = 0.0
            for p in m.rowRange(r) { sq += Double(m.values[p]) * Double(m.values[p]) }
            guard sq > 0 else { continue }
            let norm = sq.squareRoot()
            for p in m.rowRange(r) { out.values[p] = Float(Double(m.values[p]) / norm) }
        }
        return out
    }

    /// idf(c) = log(rows) − log(1 + entries in column c).
    static func inverseDocumentFrequency(_ m: SparseMatrix) -> [Double] {
        var df = [Int](repeating: 0, count: m.cols)
        for c in m.columns { df[Int(c)] += 1 }
        let logN = Double.log(Double(max(1, m.rows)))
        return df.map { logN - Double.log(onePlus: Double($0)) }
    }
}
