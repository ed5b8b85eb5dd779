/// An item with its score (a recommendation, a similar item, or an explanation's contribution).
package struct ALSScoredItem: Sendable, Equatable, Hashable {
    package var item: Int
    package var score: Float
    package init(item: Int, score: Float) {
        self.item = item
        self.score = score
    }
}

// MARK: - Top-N selection

/// The best `n` items seen so far, best first: higher score first, then lower item index
/// (deterministic ties). Insertion is O(log n + n) but only for items that enter the list.
struct ALSTopN {
    let n: Int
    private(set) var items: [ALSScoredItem] = []

    init(n: Int) {
        self.n = n
        items.reserveCapacity(n + 1)
    }

    @inline(__always)
    static func better(_ a: ALSScoredItem, _ b: ALSScoredItem) -> Bool {
        a.score > b.score || (a.score == b.score && a.item < b.item)
    }

    mutating func offer(item: Int, score: Float) {
        let candidate = ALSScoredItem(item: item, score: score)
        if items.count == n {
            guard n > 0, Self.better(candidate, items[n - 1]) else { return }
            items.removeLast()
        }
        var lo = 0, hi = items.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if Self.better(items[mid], candidate) { lo = mid + 1 } else { hi = mid }
        }
        items.insert(candidate, at: lo)
    }
}

// MARK: - Recommendation

extension ALSModel {
    /// The top `n` items for `user` by `score`, skipping the items of `seen`'s row `user`
    /// (typically the training matrix). Ties go to the lower item index. O(items·f + items·log n).
    package func recommend(user: Int, n: Int, exclude seen: SparseMatrix? = nil) throws -> [ALSScoredItem] {
        try checkUser(user)
        try checkTopN(n, seen: seen)
        return userFactors.withRows(width: factors) { u in
            topItems(vector: u.row(user), offset: bias(user: user), n: n, seen: seen, row: user)
        }
    }

    /// The top `n` items for an arbitrary user vector (e.g. from `foldIn`), skipping `exclude`.
    package func recommend(vector: [Float], n: Int, exclude: [Int] = []) throws -> [ALSScoredItem] {
        guard vector.count == factors else {
            throw AlgorithmError(
                message: "the user vector has \(vector.count) values but the model has \(factors) factors")
        }
        try checkTopN(n, seen: nil)
        let excluded =
            exclude.isEmpty
            ? nil
            : SparseMatrix(
                rows: 1, cols: itemCount,
                triplets: try exclude.map { i in
                    try checkItem(i)
                    return (row: 0, col: i, value: Float(1))
                })
        return vector.withUnsafeBufferPointer { v in
            topItems(vector: v.baseAddress!, offset: 0, n: n, seen: excluded, row: 0)
        }
    }

    /// `recommend(user:n:exclude:)` for every user, in parallel over `threads` workers
    /// (0 = all cores). O(users·items·f).
    package func recommendAll(n: Int, exclude seen: SparseMatrix? = nil, threads: Int = 0) throws -> [[ALSScoredItem]] {
        try checkTopN(n, seen: seen)
        guard threads >= 0 else {
            throw AlgorithmError.invalidOption("threads must be >= 0 (got \(threads)); 0 uses all cores")
        }
        var out = [[ALSScoredItem]](repeating: [], count: userCount)
        guard userCount > 0 else { return out }
        userFactors.withRows(width: factors) { u in
            out.withMutableRows(width: 1) { o in
                Parallel.forEachInterleavedChunk(count: userCount, chunk: 16, threads: threads) { range, _ in
                    for user in range {
                        o[user] = topItems(vector: u.row(user), offset: bias(user: user), n: n, seen: seen, row: user)
                    }
                }
            }
        }
        return out
    }

    /// ``recommendAll(n:exclude:threads:)`` written straight into per-user lists' storage: one
    /// slot of `n` entries per user, filled in parallel and compacted in place where a list is
    /// shorter, so the lists are built once (8 bytes per entry, no per-user arrays). With
    /// `onlyUsersWithHistory`, a user whose row of `seen` is empty gets an empty list (an implicit
    /// model's zero vector scores every item 0). Same entries as `recommendAll`. O(users·items·f).
    package func recommendAllLists(
        n: Int, exclude seen: SparseMatrix? = nil, threads: Int = 0, onlyUsersWithHistory: Bool = false
    ) throws -> RankedLists {
        try checkTopN(n, seen: seen)
        guard threads >= 0 else {
            throw AlgorithmError.invalidOption("threads must be >= 0 (got \(threads)); 0 uses all cores")
        }
        var counts = [Int](repeating: 0, count: userCount)
        var indices = [Int32](repeating: 0, count: userCount * n)
        var scores = [Float](repeating: 0, count: userCount * n)
        if userCount > 0 && n > 0 {
            userFactors.withRows(width: factors) { u in
                counts.withMutableRows(width: 1) { c in
                    indices.withMutableRows(width: n) { slotIndices in
                        scores.withMutableRows(width: n) { slotScores in
                            Parallel.forEachInterleavedChunk(count: userCount, chunk: 16, threads: threads) {
                                range, _ in
                                for user in range {
                                    if onlyUsersWithHistory, let seen, user >= seen.rows || seen.rowCount(user) == 0 {
                                        continue
                                    }
                                    let top = topItems(
                                        vector: u.row(user), offset: bias(user: user), n: n, seen: seen, row: user)
                                    c[user] = top.count
                                    let (i, s) = (slotIndices.row(user), slotScores.row(user))
                                    for (k, e) in top.enumerated() {
                                        i[k] = Int32(e.item)
                                        s[k] = e.score
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        let rowPointers = RankedLists.compactInPlace(width: n, counts: counts, indices: &indices, scores: &scores)
        return RankedLists(rowPointers: rowPointers, indices: indices, scores: scores)
    }

    /// The `n` items most similar to `item` by cosine of the item factors (zero vectors have
    /// similarity 0), excluding `item` itself unless `includeSelf`. O(items·f).
    package func similarItems(item: Int, n: Int, includeSelf: Bool = false) throws -> [ALSScoredItem] {
        try checkItem(item)
        try checkTopN(n, seen: nil)
        return itemFactors.withRows(width: factors) { y in
            let q = y.row(item)
            let qNorm = ALSLinearAlgebra.dot(q, q, factors).squareRoot()
            var top = ALSTopN(n: n)
            for i in 0..<itemCount where includeSelf || i != item {
                let yi = y.row(i)
                let norm = ALSLinearAlgebra.dot(yi, yi, factors).squareRoot() * qNorm
                top.offer(item: i, score: norm > 0 ? ALSLinearAlgebra.dot(q, yi, factors) / norm : 0)
            }
            return top.items
        }
    }

    // MARK: - Helpers

    func checkTopN(_ n: Int, seen: SparseMatrix?) throws {
        guard n >= 0 else { throw AlgorithmError(message: "n must be >= 0 (got \(n))") }
        if let seen, seen.cols != itemCount {
            throw AlgorithmError(
                message:
                    "the exclusion matrix has \(seen.cols) items but the model has \(itemCount); pass the training matrix"
            )
        }
    }

    /// Scores every item against `vector` (plus `offset` and item biases), skipping row `row` of `seen`.
    func topItems(vector: UnsafePointer<Float>, offset: Float, n: Int, seen: SparseMatrix?, row: Int) -> [ALSScoredItem]
    {
        var top = ALSTopN(n: n)
        var skip: ArraySlice<Int32> = []
        if let seen, row < seen.rows { skip = seen.columns[seen.rowRange(row)] }
        var next = skip.startIndex
        itemFactors.withRows(width: factors) { y in
            for i in 0..<itemCount {
                if next < skip.endIndex && Int(skip[next]) == i {
                    next += 1
                    continue
                }
                let s = ALSLinearAlgebra.dot(vector, y.row(i), factors) + offset
                top.offer(item: i, score: itemBiases.isEmpty ? s : s + itemBiases[i])
            }
        }
        return top.items
    }
}
