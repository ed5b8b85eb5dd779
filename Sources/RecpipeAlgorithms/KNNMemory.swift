/// Predicts the memory a kNN computation needs, and refuses before computing when over a limit.
package enum KNNMemory {
    /// Bytes needed to build neighbour lists for `rows` entities over a matrix with `nonZeros`
    /// entries: the lists themselves (`rows × min(neighbors, rows) × 8` bytes: Int32 index +
    /// Float score, plus row pointers), a transformed copy and transpose of the matrix
    /// (`2 × nonZeros × 8`), and per-thread scratch (`rows × 60` bytes of co-rating statistics
    /// plus a heap of `neighbors` entries) for each of `workers` threads. `neighbors == nil`
    /// means unlimited (every other row may be kept). O(1).
    package static func estimateBytes(rows: Int, nonZeros: Int, neighbors: Int?, workers: Int? = nil) -> Int {
        let k = min(neighbors ?? rows, rows)
        let threads = max(1, workers ?? Parallel.defaultWorkers)
        let lists = rows * k * 8 + (rows + 1) * 8
        let matrices = 2 * nonZeros * 8 + 2 * (rows + 1) * 8
        let scratchPerThread = rows * 60 + k * 12 * 2
        return lists + matrices + threads * scratchPerThread
    }

    /// Throws `.memoryLimitExceeded` when the estimate is over `maxBytes` (nil = no limit).
    /// `entity` names the rows in the message ("item" → "item-kNN with 1,682 items").
    package static func check(
        rows: Int, nonZeros: Int, neighbors: Int?, maxBytes: Int?, entity: String, workers: Int? = nil
    ) throws(AlgorithmError) {
        guard let maxBytes else { return }
        let need = estimateBytes(rows: rows, nonZeros: nonZeros, neighbors: neighbors, workers: workers)
        if need > maxBytes {
            let k = neighbors.map { "\(KNNFormat.grouped($0)) neighbours" } ?? "all neighbours"
            throw AlgorithmError(
                .memoryLimitExceeded,
                "\(entity)-kNN with \(KNNFormat.grouped(rows)) \(entity)s × \(k) needs ~\(KNNFormat.megabytes(need)) MB, "
                    + "over max_memory \(KNNFormat.megabytes(maxBytes)) MB; lower `neighbors` or raise `max_memory`")
        }
    }
}
