/// Comparisons between two clusterings of the same points.
package enum Clustering {
    /// The adjusted Rand index (Hubert & Arabie 1985) of two labelings of the same points: 1 for
    /// identical partitions (whatever the label values), about 0 for independent ones, negative
    /// when worse than chance. Matches scikit-learn's `adjusted_rand_score`, including its
    /// convention that two trivial partitions (fewer than 2 points, or both partitions with no
    /// pair split or joined differently) score 1.
    ///
    /// Labels may be any integers (only equality matters). `a` and `b` must have the same
    /// length (a precondition: comparing different point sets is a programming error).
    ///
    /// Complexity: O(n) expected time (hashing), O(distinct label pairs) memory.
    package static func adjustedRandIndex(_ a: [Int], _ b: [Int]) -> Double {
        precondition(a.count == b.count, "adjustedRandIndex needs two labelings of the same points")
        let n = a.count
        if n < 2 { return 1 }
        var rowIndex: [Int: Int] = [:], colIndex: [Int: Int] = [:]
        var rowSizes: [Int] = [], colSizes: [Int] = []
        var cells: [Int: Int] = [:]
        for i in 0..<n {
            let r =
                rowIndex[a[i]]
                ?? {
                    rowIndex[a[i]] = rowSizes.count
                    rowSizes.append(0)
                    return rowSizes.count - 1
                }()
            let c =
                colIndex[b[i]]
                ?? {
                    colIndex[b[i]] = colSizes.count
                    colSizes.append(0)
                    return colSizes.count - 1
                }()
            rowSizes[r] += 1
            colSizes[c] += 1
            cells[r &* n &+ c, default: 0] += 1
        }
        func pairs(_ m: Int) -> Double { Double(m) * Double(m - 1) / 2 }
        let index = cells.values.reduce(0.0) { $0 + pairs($1) }
        let sumRows = rowSizes.reduce(0.0) { $0 + pairs($1) }
        let sumCols = colSizes.reduce(0.0) { $0 + pairs($1) }
        let expected = sumRows * sumCols / pairs(n)
        let maximum = (sumRows + sumCols) / 2
        if maximum == expected { return 1 }
        return (index - expected) / (maximum - expected)
    }
}
