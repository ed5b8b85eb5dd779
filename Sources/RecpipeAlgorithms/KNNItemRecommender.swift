/// Implicit-feedback item-kNN top-N recommendation, like the `implicit` library's
/// `ItemItemRecommender` family (Cosine / TFIDF / BM25).
///
/// Fit: weight the matrix (`KNNWeighting`), take dot products between the weighted item vectors,
/// keep each item's K best (itself included, as `implicit` does). Recommend:
/// score(u, i) = Σ_{j ∈ seen(u)} S[j, i] · x_uj, where S[j, ·] is j's neighbour list and x_uj the
/// user's (unweighted) value; seen items are excluded; the best N (score descending, ties by item
/// index ascending). Only items reached through some neighbour list are scored, so a user may get
/// fewer than N.
///
/// Complexity: fit O(Σ_u deg(u)²) time and O(items × K) memory; recommending O(Σ_{j ∈ seen(u)} K)
/// per user plus O(log N) per scored item. Both run in parallel (items / users).
package struct KNNItemRecommender: Sendable {
    /// Item → its K most similar items (including itself), best first.
    package let neighbors: NeighborLists
    package let weighting: KNNWeighting
    package var itemCount: Int { neighbors.rowCount }

    /// Fits on a users × items matrix of interaction strengths.
    package init(
        userItems: SparseMatrix, neighbors k: Int = 20, weighting: KNNWeighting = .none, maxMemoryBytes: Int? = nil
    ) throws(AlgorithmError) {
        guard k >= 1 else { throw AlgorithmError.invalid("`neighbors` must be at least 1 (got \(k))") }
        if case .bm25(let k1, let b) = weighting, !(k1 >= 0) || !(b >= 0 && b <= 1) {
            throw AlgorithmError.invalid("BM25 needs k1 ≥ 0 and 0 ≤ b ≤ 1 (got k1 \(k1), b \(b))")
        }
        try KNNMemory.check(
            rows: userItems.cols, nonZeros: userItems.nonZeroCount, neighbors: k, maxBytes: maxMemoryBytes,
            entity: "item")
        let itemUsers = weighting.weightedItemUsers(userItems)
        let userItemsWeighted = itemUsers.transposed()
        let width = min(k, userItems.cols)
        let parts = itemUsers.withRows { items in
            userItemsWeighted.withRows { users in
                Parallel.mapChunks(count: itemUsers.rows, minChunk: 32) { range in
                    Self.similarityChunk(range, itemUsers: items, userItems: users, k: width)
                }
            }
        }
        self.neighbors = NeighborLists(chunks: parts, rows: itemUsers.rows)
        self.weighting = weighting
    }

    /// Top-`count` items for each user in `users` (default: every row of `userItems`), one row per
    /// requested user, in order. `userItems` gives each user's history (usually the training
    /// matrix); with `excludeSeen` its items are never recommended.
    package func recommend(
        userItems: SparseMatrix, count: Int, users: [Int]? = nil, excludeSeen: Bool = true
    ) throws(AlgorithmError) -> RankedLists {
        guard count >= 1 else { throw AlgorithmError.invalid("top-N `count` must be at least 1 (got \(count))") }
        guard userItems.cols == itemCount else {
            throw AlgorithmError(
                .dimensionMismatch,
                "the user × item matrix has \(userItems.cols) items but the model was "
                    + "fitted on \(itemCount); use the same item encoding")
        }
        if let bad = users?.first(where: { $0 < 0 || $0 >= userItems.rows }) {
            throw AlgorithmError.invalid("user index \(bad) is outside 0..<\(userItems.rows)")
        }
        return NeighborScoring.topN(
            first: userItems, second: neighbors.matrix(columns: itemCount), seen: excludeSeen ? userItems : nil,
            targets: users, itemCount: itemCount, count: count)
    }

    // MARK: - Kernel

    /// The K best dot products of the items `range` with every item (itself included).
    private static func similarityChunk(
        _ range: Range<Int>, itemUsers: CSRRows, userItems: CSRRows, k: Int
    ) -> RankedLists.Chunk {
        // Dense scratch indexed by the other item; only touched slots are non-zero.
        let sums = KernelScratch<Double>(rows: 1, width: max(1, itemUsers.rowCount), repeating: 0)
        let marks = KernelScratch<Bool>(rows: 1, width: max(1, itemUsers.rowCount), repeating: false)
        defer { withExtendedLifetime((sums, marks)) {} }
        let acc = sums.row(0), mark = marks.row(0)
        var touched: [Int32] = []
        let selector = TopKSelector(capacity: k)
        var chunk = RankedLists.Chunk()
        for i in range {
            for p in itemUsers.range(i) {
                let u = itemUsers.column(p)
                let w = Double(itemUsers.value(p))
                for q in userItems.range(u) {
                    let j = userItems.column(q)
                    if !mark[j] {
                        mark[j] = true
                        touched.append(Int32(j))
                    }
                    acc[j] += w * Double(userItems.value(q))
                }
            }
            for t in touched {
                selector.offer(t, acc[Int(t)])
                acc[Int(t)] = 0
                mark[Int(t)] = false
            }
            touched.removeAll(keepingCapacity: true)
            chunk.counts.append(selector.drain(indices: &chunk.indices, scores: &chunk.scores))
        }
        return chunk
    }
}
