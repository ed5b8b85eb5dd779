/// Per-row ranked sparse lists: for each row (a user or an item), a list of `(index, score)`
/// pairs sorted by score descending, ties by index ascending.
///
/// Used both for kNN neighbour lists (row = item, entries = its most similar items) and for
/// top-N recommendations (row = user, entries = recommended items). CSR layout: row `r`'s entries
/// are `indices[rowPointers[r]..<rowPointers[r+1]]` with matching `scores`.
package struct RankedLists: Sendable, Equatable {
    package var rowPointers: [Int]
    package var indices: [Int32]
    package var scores: [Float]

    package init(rowPointers: [Int], indices: [Int32], scores: [Float]) {
        precondition(!rowPointers.isEmpty, "rowPointers needs at least one entry")
        precondition(indices.count == scores.count, "indices and scores must have equal length")
        precondition(rowPointers.last == indices.count, "rowPointers must end at the entry count")
        self.rowPointers = rowPointers
        self.indices = indices
        self.scores = scores
    }

    /// Number of rows.
    package var rowCount: Int { rowPointers.count - 1 }

    /// Total number of stored entries.
    package var entryCount: Int { indices.count }

    /// Range of row `r`'s entries in `indices` / `scores`.
    package func range(_ r: Int) -> Range<Int> { rowPointers[r]..<rowPointers[r + 1] }

    /// Row `r` as an array of pairs, best first.
    package func row(_ r: Int) -> [(index: Int32, score: Float)] {
        range(r).map { (index: indices[$0], score: scores[$0]) }
    }

    /// Approximate heap bytes held by the lists.
    package var byteCount: Int { rowPointers.count * 8 + indices.count * 4 + scores.count * 4 }

    /// Assembles lists from per-row slots of a fixed width: row `r` owns
    /// `slotIndices[r*width ..< r*width + counts[r]]`. O(rows × width).
    static func compact(
        rows: Int, width: Int, counts: [Int], slotIndices: [Int32], slotScores: [Float]
    ) -> RankedLists {
        var ptr = [Int](repeating: 0, count: rows + 1)
        for r in 0..<rows { ptr[r + 1] = ptr[r] + counts[r] }
        var idx = [Int32](repeating: 0, count: ptr[rows])
        var sc = [Float](repeating: 0, count: ptr[rows])
        for r in 0..<rows {
            let src = r * width, dst = ptr[r]
            for k in 0..<counts[r] {
                idx[dst + k] = slotIndices[src + k]
                sc[dst + k] = slotScores[src + k]
            }
        }
        return RankedLists(rowPointers: ptr, indices: idx, scores: sc)
    }
}

extension RankedLists {
    /// Turns per-row slots of a fixed width (row `r` owns the first `counts[r]` entries of
    /// `indices[r*width ..< (r+1)*width]`) into list storage in place: entries move left over the
    /// unused slot ends and the arrays are cut to the entry count. Returns the row pointers.
    /// No copy when every slot is full. O(entries).
    static func compactInPlace(width: Int, counts: [Int], indices: inout [Int32], scores: inout [Float]) -> [Int] {
        precondition(indices.count == counts.count * width && scores.count == indices.count)
        var pointers = [Int](repeating: 0, count: counts.count + 1)
        for r in counts.indices { pointers[r + 1] = pointers[r] + counts[r] }
        let total = pointers[counts.count]
        guard total < indices.count else { return pointers }
        for r in counts.indices where pointers[r] < r * width {
            // The destination never passes the source (pointers[r] ≤ r·width): moving left is safe.
            for k in 0..<counts[r] {
                indices[pointers[r] + k] = indices[r * width + k]
                scores[pointers[r] + k] = scores[r * width + k]
            }
        }
        indices.removeSubrange(total...)
        scores.removeSubrange(total...)
        return pointers
    }
}

extension RankedLists {
    /// The lists as a sparse matrix (row r's entries: its indices as columns, its scores as values)
    /// sharing the storage, e.g. a hop of ``NeighborScoring``. O(1).
    package func matrix(columns: Int) -> SparseMatrix {
        SparseMatrix(rows: rowCount, cols: columns, rowPointers: rowPointers, columns: indices, values: scores)
    }
}

// MARK: - Assembling from parallel chunks

extension RankedLists {
    /// The lists of a run of consecutive rows, as a parallel kernel produces them: `counts[r]`
    /// entries per row, appended in row order to `indices` / `scores`.
    struct Chunk {
        var counts: [Int] = []
        var indices: [Int32] = []
        var scores: [Float] = []
    }

    /// Concatenates chunks that cover `rows` rows in order. O(entries + rows).
    init(chunks: [Chunk], rows: Int) {
        var ptr = [Int](repeating: 0, count: rows + 1)
        var r = 0
        for chunk in chunks {
            for c in chunk.counts {
                ptr[r + 1] = ptr[r] + c
                r += 1
            }
        }
        precondition(r == rows, "chunks cover \(r) rows, expected \(rows)")
        var indices: [Int32] = [], scores: [Float] = []
        indices.reserveCapacity(ptr[rows])
        scores.reserveCapacity(ptr[rows])
        for chunk in chunks {
            indices.append(contentsOf: chunk.indices)
            scores.append(contentsOf: chunk.scores)
        }
        self.init(rowPointers: ptr, indices: indices, scores: scores)
    }
}

/// kNN neighbour lists: row = entity (user or item), entries = its most similar entities.
package typealias NeighborLists = RankedLists

extension RankedLists {
    /// Each row's indices as an array, e.g. for `Metrics.ranking(recommendations:…)`.
    package func indexLists() -> [[Int32]] {
        (0..<rowCount).map { Array(indices[range($0)]) }
    }
}
