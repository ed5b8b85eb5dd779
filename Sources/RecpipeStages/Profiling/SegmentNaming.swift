import Foundation
import RecpipeAlgorithms
import RecpipeData

/// The chosen feature columns as numbers: per column (for scaling) and row-major (for k-means).
/// Nulls and NaN are replaced by the column mean (counted in `imputed`). O(n·d).
struct FeatureMatrix {
    var names: [String]
    var columnValues: [[Double]]
    var rowMajor: [Double]
    var imputed: [(String, Int)] = []
    var constantColumns: [(String, Double)] = []
    /// Population mean and standard deviation per column.
    var means: [Double] = []
    var stds: [Double] = []

    init(table: Table, columns: [String]) {
        names = columns
        columnValues = columns.map { ColumnCodes.numbers(table.column(named: $0)!) ?? [] }
        let n = table.rowCount
        for (j, name) in columns.enumerated() {
            var sum = 0.0, count = 0
            for x in columnValues[j] where x.isFinite {
                sum += x
                count += 1
            }
            let mean = count > 0 ? sum / Double(count) : 0
            if count < n {
                for i in 0..<n where !columnValues[j][i].isFinite { columnValues[j][i] = mean }
                imputed.append((name, n - count))
            }
            var ss = 0.0
            for x in columnValues[j] { ss += (x - mean) * (x - mean) }
            let std = (ss / Double(max(1, n))).squareRoot()
            means.append(mean)
            stds.append(std)
            if std == 0 { constantColumns.append((name, mean)) }
        }
        let d = columns.count
        var m = [Double](repeating: 0, count: n * d)
        for j in 0..<d {
            let col = columnValues[j]
            for i in 0..<n { m[i * d + j] = col[i] }
        }
        rowMajor = m
    }
}

/// Names and the profile text of segments.
enum SegmentNaming {
    /// One name per segment from its most distinctive centroid coordinate in standard units
    /// ((centroid − mean) / std over all users): `high monetary`, `low recency_days`. Segments
    /// are served in order of their largest |z|; each takes its best (feature, direction) not yet
    /// taken, so names are distinct while there are enough features. O(k²·d).
    static func names(centroids: [Double], matrix: FeatureMatrix, k: Int) -> [String] {
        let d = matrix.names.count
        var z = [[(score: Double, name: String)]](repeating: [], count: k)
        for c in 0..<k {
            for j in 0..<d where matrix.stds[j] > 0 {
                let v = (centroids[c * d + j] - matrix.means[j]) / matrix.stds[j]
                z[c].append((abs(v), (v >= 0 ? "high " : "low ") + matrix.names[j]))
            }
            z[c].sort { $0.score > $1.score }
        }
        var names = [String](repeating: "", count: k)
        var taken = Set<String>()
        let order = (0..<k).sorted { (z[$0].first?.score ?? 0) > (z[$1].first?.score ?? 0) }
        for c in order {
            if let pick = z[c].first(where: { !taken.contains($0.name) }) {
                names[c] = pick.name
            } else {
                names[c] = "segment \(c)"
            }
            taken.insert(names[c])
        }
        return names
    }

    /// The profile table (size, share, mean of up to 10 features per segment) as aligned text.
    static func profileText(_ s: Segments, maxFeatures: Int = 10) -> String {
        let d = s.featureNames.count
        let shown = Array(s.featureNames.prefix(maxFeatures))
        var header = ["segment", "name", "size", "share"] + shown
        var rows: [[String]] = []
        for c in 0..<s.k {
            var row = [
                String(c), s.names[c], String(s.sizes[c]),
                String(format: "%.1f%%", s.users.isEmpty ? 0 : 100 * Double(s.sizes[c]) / Double(s.users.count)),
            ]
            for j in 0..<shown.count { row.append(format(s.centroids[c * d + j])) }
            rows.append(row)
        }
        if d > maxFeatures { header.append("(+\(d - maxFeatures) more)") }
        if !s.rfmMix.isEmpty {
            header.append("rfm mix")
            for c in 0..<s.k { rows[c] += (d > maxFeatures ? [""] : []) + [s.rfmMix[c]] }
        }
        let widths = header.indices.map { j in
            max(header[j].count, rows.map { j < $0.count ? $0[j].count : 0 }.max() ?? 0)
        }
        func line(_ cells: [String]) -> String {
            cells.enumerated().map { j, cell in
                j <= 1 || (j == cells.count - 1 && !s.rfmMix.isEmpty)
                    ? cell.padding(toLength: widths[j], withPad: " ", startingAt: 0)
                    : String(repeating: " ", count: max(0, widths[j] - cell.count)) + cell
            }.joined(separator: "  ")
        }
        return ([line(header)] + rows.map(line)).joined(separator: "\n")
    }

    static func format(_ x: Double) -> String {
        let a = abs(x)
        if a >= 1000 { return String(format: "%.0f", x) }
        if a >= 10 { return String(format: "%.1f", x) }
        return String(format: "%.3f", x)
    }
}
