// MARK: - Empty-cluster re-seeding

extension KMeans {
    /// Gives every empty cluster a new centre: the row farthest from its own centre (largest
    /// squared distance, lowest index on ties) among clusters that would keep at least one row.
    /// The row moves to the empty cluster (sums, counts, labels updated), so the inertia can only
    /// go down. Like scikit-learn's `_relocate_empty_clusters`.
    ///
    /// Complexity: O(k) when no cluster is empty, else O(n log n) to rank rows by distance.
    /// - Returns: the number of clusters re-seeded.
    func relocateEmptyClusters(_ ws: KMeansWorkspace, data: UnsafePointer<Double>) -> Int {
        let empty = (0..<ws.k).filter { ws.counts[$0] == 0 }
        guard !empty.isEmpty else { return 0 }
        let d = ws.d
        var order = (0..<ws.n).filter { ws.dist2[$0] > 0 }
        order.sort { a, b in
            ws.dist2[a] != ws.dist2[b] ? ws.dist2[a] > ws.dist2[b] : a < b
        }
        var cursor = 0, moved = 0
        for j in empty {
            while cursor < order.count && ws.counts[ws.labels[order[cursor]]] <= 1 { cursor += 1 }
            guard cursor < order.count else { break }
            let i = order[cursor]
            cursor += 1
            let old = ws.labels[i]
            for t in 0..<d {
                ws.sums[old * d + t] -= data[i * d + t]
                ws.sums[j * d + t] = data[i * d + t]
            }
            ws.counts[old] -= 1
            ws.counts[j] = 1
            ws.labels[i] = j
            ws.dist2[i] = 0
            ws.resetBounds(row: i)
            moved += 1
        }
        return moved
    }
}
