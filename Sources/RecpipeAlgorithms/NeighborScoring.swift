/// Top-N scoring through two CSR hops: kNN candidate generation (`cf` stage) and
/// ``KNNItemRecommender/recommend(userItems:count:users:excludeSeen:)``.
///
/// For each target user u: score(i) = Σ_{(a, w) ∈ first(u)} Σ_{(i, s) ∈ second(a)} w · s, where
/// - user-kNN: first = u's neighbour list (a = neighbour v, w = sim(u, v)), second = v's row of the
///   interaction matrix (s = x_vi);
/// - item-kNN: first = u's row (a = seen item j, w = x_uj), second = j's neighbour list (s = sim(j, i)).
/// Items in `seen(u)` are never scored; an item reached through fewer than `minContributions`
/// (a, ·) pairs is dropped. The best `count` are kept (score descending, ties by item ascending;
/// sums in Double, ranked as Float, NaN never kept), so the result does not depend on threads.
///
/// Complexity: O(Σ_{a ∈ first(u)} |second(a)|) per user plus O(log count) per scored item; users
/// run in parallel chunks (``Parallel/mapChunks(count:minChunk:threads:_:)``), each chunk with
/// O(items) scratch.
package enum NeighborScoring {
    /// The best `count` items for each target row of `first` (default: every row, one output row
    /// each, in order). item-kNN: `first` = the interaction matrix, `second` = the item neighbour
    /// lists (``RankedLists/matrix(columns:)``); user-kNN: `first` = the user neighbour lists,
    /// `second` = the interaction matrix. `seen`: items never scored for a user (row = user).
    package static func topN(
        first: SparseMatrix, second: SparseMatrix, seen: SparseMatrix?, targets: [Int]? = nil, itemCount: Int,
        count: Int, minContributions: Int = 1, threads: Int? = nil
    ) -> RankedLists {
        let rows = targets?.count ?? first.rows
        let width = min(count, itemCount)
        let score = { (a: CSRRows, b: CSRRows, seen: CSRRows?) -> RankedLists in
            let parts = Parallel.mapChunks(count: rows, minChunk: 32, threads: threads) { range in
                scoreChunk(
                    range, targets: targets, first: a, second: b, seen: seen, itemCount: itemCount,
                    width: width, minContributions: minContributions)
            }
            return RankedLists(chunks: parts, rows: rows)
        }
        return first.withRows { a in
            second.withRows { b in
                guard let seen else { return score(a, b, nil) }
                return seen.withRows { score(a, b, $0) }
            }
        }
    }

    /// Scores the targets `range`; scratch: O(items) per call.
    private static func scoreChunk(
        _ range: Range<Int>, targets: [Int]?, first: CSRRows, second: CSRRows, seen: CSRRows?, itemCount: Int,
        width: Int, minContributions: Int
    ) -> RankedLists.Chunk {
        var acc = [Double](repeating: 0, count: itemCount)
        var hits = [Int32](repeating: 0, count: itemCount)
        var blocked = [Bool](repeating: false, count: itemCount)
        var touched: [Int32] = []
        let selector = TopKSelector(capacity: width)
        var chunk = RankedLists.Chunk()
        chunk.counts.reserveCapacity(range.count)
        for t in range {
            let u = targets?[t] ?? t
            if let seen { for p in seen.range(u) { blocked[seen.column(p)] = true } }
            for p in first.range(u) {
                let a = first.column(p)
                let w = Double(first.value(p))
                for q in second.range(a) {
                    let i = second.column(q)
                    if blocked[i] { continue }
                    if hits[i] == 0 { touched.append(Int32(i)) }
                    hits[i] += 1
                    acc[i] += w * Double(second.value(q))
                }
            }
            for i in touched {
                if Int(hits[Int(i)]) >= minContributions { selector.offer(i, acc[Int(i)]) }
                acc[Int(i)] = 0
                hits[Int(i)] = 0
            }
            touched.removeAll(keepingCapacity: true)
            if let seen { for p in seen.range(u) { blocked[seen.column(p)] = false } }
            chunk.counts.append(selector.drain(indices: &chunk.indices, scores: &chunk.scores))
        }
        return chunk
    }
}
