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
public struct KNNItemRecommender: Sendable {
    /// Item → its K most similar items (including itself), best first.
    public let neighbors: NeighborLists
    public let weighting: KNNWeighting
    public var itemCount: Int { neighbors.rowCount }

    /// Fits on a users × items matrix of interaction strengths.
    public init(
        userItems: SparseMatrix, neighbors k: Int = 20, weighting: KNNWeighting = .none, maxMemoryBytes: Int? = nil
    ) throws(KNNError) {
        guard k >= 1 else { throw KNNError.invalid("`neighbors` must be at least 1 (got \(k))") }
        if case .bm25(let k1, let b) = weighting, !(k1 >= 0) || !(b >= 0 && b <= 1) {
            throw KNNError.invalid("BM25 needs k1 ≥ 0 and 0 ≤ b ≤ 1 (got k1 \(k1), b \(b))")
        }
        try KNNMemory.check(
            rows: userItems.cols, nonZeros: userItems.nonZeroCount, neighbors: k, maxBytes: maxMemoryBytes,
            entity: "item")
        let itemUsers = weighting.weightedItemUsers(userItems)
        let userItemsWeighted = itemUsers.transposed()
        let width = min(k, userItems.cols)
        let parts = Parallel.mapChunks(count: itemUsers.rows, minChunk: 32) { rows in
            Self.similarityChunk(rows, itemUsers: itemUsers, userItems: userItemsWeighted, k: width)
        }
        var ptr = [0]
        var indices: [Int32] = [], scores: [Float] = []
        for part in parts {
            for c in part.counts { ptr.append(ptr[ptr.count - 1] + c) }
            indices.append(contentsOf: part.indices)
            scores.append(contentsOf: part.scores)
        }
        self.neighbors = NeighborLists(rowPointers: ptr, indices: indices, scores: scores)
        self.weighting = weighting
    }

    /// Top-`count` items for each user in `users` (default: every row of `userItems`), one row per
    /// requested user, in order. `userItems` gives each user's history (usually the training
    /// matrix); with `excludeSeen` its items are never recommended.
    public func recommend(
        userItems: SparseMatrix, count: Int, users: [Int]? = nil, excludeSeen: Bool = true
    ) throws(KNNError) -> RankedLists {
        guard count >= 1 else { throw KNNError.invalid("top-N `count` must be at least 1 (got \(count))") }
        guard userItems.cols == itemCount else {
            throw KNNError(.dimensionMismatch, "the user × item matrix has \(userItems.cols) items but the model was "
                + "fitted on \(itemCount); use the same item encoding")
        }
        let targets = users ?? Array(0..<userItems.rows)
        if let bad = targets.first(where: { $0 < 0 || $0 >= userItems.rows }) {
            throw KNNError.invalid("user index \(bad) is outside 0..<\(userItems.rows)")
        }
        let parts = Parallel.mapChunks(count: targets.count, minChunk: 32) { range in
            scoreChunk(range, targets: targets, userItems: userItems, n: min(count, itemCount), excludeSeen: excludeSeen)
        }
        var ptr = [0]
        var indices: [Int32] = [], scores: [Float] = []
        for part in parts {
            for c in part.counts { ptr.append(ptr[ptr.count - 1] + c) }
            indices.append(contentsOf: part.indices)
            scores.append(contentsOf: part.scores)
        }
        return RankedLists(rowPointers: ptr, indices: indices, scores: scores)
    }

    // MARK: - Kernels

    struct Chunk {
        var counts: [Int] = []
        var indices: [Int32] = []
        var scores: [Float] = []
    }

    private static func similarityChunk(
        _ rows: Range<Int>, itemUsers: SparseMatrix, userItems: SparseMatrix, k: Int
    ) -> Chunk {
        var acc = [Double](repeating: 0, count: itemUsers.rows)
        var mark = [Bool](repeating: false, count: itemUsers.rows)
        var touched: [Int32] = []
        let selector = TopKSelector(capacity: k)
        var chunk = Chunk()
        itemUsers.rowPointers.withUnsafeBufferPointer { ip in
        itemUsers.columns.withUnsafeBufferPointer { icols in
        itemUsers.values.withUnsafeBufferPointer { ivals in
        userItems.rowPointers.withUnsafeBufferPointer { up in
        userItems.columns.withUnsafeBufferPointer { ucols in
        userItems.values.withUnsafeBufferPointer { uvals in
        acc.withUnsafeMutableBufferPointer { acc in
        mark.withUnsafeMutableBufferPointer { mark in
            for i in rows {
                for p in ip[i]..<ip[i + 1] {
                    let u = Int(icols[p])
                    let w = Double(ivals[p])
                    for q in up[u]..<up[u + 1] {
                        let j = Int(ucols[q])
                        if !mark[j] {
                            mark[j] = true
                            touched.append(Int32(j))
                        }
                        acc[j] += w * Double(uvals[q])
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
        }}}}}}}}
        return chunk
    }

    private func scoreChunk(
        _ range: Range<Int>, targets: [Int], userItems: SparseMatrix, n: Int, excludeSeen: Bool
    ) -> Chunk {
        var acc = [Double](repeating: 0, count: itemCount)
        var mark = [UInt8](repeating: 0, count: itemCount)  // 1 = scored, 2 = seen
        var touched: [Int32] = []
        let selector = TopKSelector(capacity: n)
        var chunk = Chunk()
        let nb = neighbors
        nb.rowPointers.withUnsafeBufferPointer { np in
        nb.indices.withUnsafeBufferPointer { nidx in
        nb.scores.withUnsafeBufferPointer { nsc in
            for t in range {
                let u = targets[t]
                let seen = userItems.rowRange(u)
                if excludeSeen { for p in seen { mark[Int(userItems.columns[p])] = 2 } }
                for p in seen {
                    let j = Int(userItems.columns[p])
                    let x = Double(userItems.values[p])
                    for q in np[j]..<np[j + 1] {
                        let i = Int(nidx[q])
                        if mark[i] == 0 {
                            mark[i] = 1
                            touched.append(Int32(i))
                        }
                        acc[i] += Double(nsc[q]) * x
                    }
                }
                for i in touched {
                    if mark[Int(i)] == 1 { selector.offer(i, acc[Int(i)]) }
                    acc[Int(i)] = 0
                    mark[Int(i)] = 0
                }
                for p in seen { mark[Int(userItems.columns[p])] = 0; acc[Int(userItems.columns[p])] = 0 }
                touched.removeAll(keepingCapacity: true)
                chunk.counts.append(selector.drain(indices: &chunk.indices, scores: &chunk.scores))
            }
        }}}
        return chunk
    }
}
