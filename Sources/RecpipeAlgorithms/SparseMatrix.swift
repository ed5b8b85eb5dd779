/// A compressed-sparse-row matrix of `Float` (rows = users, columns = items for interactions).
///
/// `rowPointers` has `rows + 1` entries; row `r`'s entries are
/// `columns[rowPointers[r]..<rowPointers[r+1]]` with matching `values`, columns ascending and unique.
/// A value type: copies are cheap (copy-on-write arrays) and it is `Sendable`.
package struct SparseMatrix: Sendable, Equatable {
    package var rows: Int
    package var cols: Int
    package var rowPointers: [Int]
    package var columns: [Int32]
    package var values: [Float]

    package init(rows: Int, cols: Int, rowPointers: [Int], columns: [Int32], values: [Float]) {
        precondition(rowPointers.count == rows + 1, "rowPointers must have rows + 1 entries")
        precondition(columns.count == values.count, "columns and values must have equal length")
        self.rows = rows
        self.cols = cols
        self.rowPointers = rowPointers
        self.columns = columns
        self.values = values
    }

    /// Builds from (row, col, value) triplets; duplicates are combined with `combine`
    /// (sum by default). O(nnz log nnz).
    package init(
        rows: Int, cols: Int, triplets: [(row: Int, col: Int, value: Float)],
        combine: (Float, Float) -> Float = { $0 + $1 }
    ) {
        let sorted = triplets.sorted { ($0.row, $0.col) < ($1.row, $1.col) }
        var ptr = [Int](repeating: 0, count: rows + 1)
        var colsOut: [Int32] = []
        var vals: [Float] = []
        colsOut.reserveCapacity(sorted.count)
        vals.reserveCapacity(sorted.count)
        var lastRow = -1, lastCol = -1
        for t in sorted {
            precondition(t.row >= 0 && t.row < rows && t.col >= 0 && t.col < cols, "triplet out of bounds")
            if t.row == lastRow && t.col == lastCol {
                vals[vals.count - 1] = combine(vals[vals.count - 1], t.value)
            } else {
                colsOut.append(Int32(t.col))
                vals.append(t.value)
                ptr[t.row + 1] += 1
                lastRow = t.row
                lastCol = t.col
            }
        }
        for r in 0..<rows { ptr[r + 1] += ptr[r] }
        self.init(rows: rows, cols: cols, rowPointers: ptr, columns: colsOut, values: vals)
    }

    package var nonZeroCount: Int { values.count }

    package func rowRange(_ r: Int) -> Range<Int> { rowPointers[r]..<rowPointers[r + 1] }

    package func rowCount(_ r: Int) -> Int { rowPointers[r + 1] - rowPointers[r] }

    /// The value at (r, c), or 0. O(log row length).
    package subscript(r: Int, c: Int) -> Float {
        var lo = rowPointers[r], hi = rowPointers[r + 1]
        let target = Int32(c)
        while lo < hi {
            let mid = (lo + hi) / 2
            if columns[mid] < target { lo = mid + 1 } else { hi = mid }
        }
        return lo < rowPointers[r + 1] && columns[lo] == target ? values[lo] : 0
    }

    /// The transpose (items × users), O(nnz + rows + cols).
    package func transposed() -> SparseMatrix {
        var ptr = [Int](repeating: 0, count: cols + 1)
        for c in columns { ptr[Int(c) + 1] += 1 }
        for c in 0..<cols { ptr[c + 1] += ptr[c] }
        var next = ptr
        var outCols = [Int32](repeating: 0, count: columns.count)
        var outVals = [Float](repeating: 0, count: values.count)
        for r in 0..<rows {
            for k in rowRange(r) {
                let c = Int(columns[k])
                let dst = next[c]
                outCols[dst] = Int32(r)
                outVals[dst] = values[k]
                next[c] += 1
            }
        }
        return SparseMatrix(rows: cols, cols: rows, rowPointers: ptr, columns: outCols, values: outVals)
    }
}
