import Foundation

/// A per-column transform applied before scaling, so that skewed shop figures (spend, order
/// counts: a few wholesale customers hundreds of times the median) do not make k-means split off
/// outliers instead of finding segments.
package enum ColumnTransform: String, Sendable, Hashable, CaseIterable {
    case none
    /// sign(x) · log(1 + |x|): compresses the long tail, keeps order and zero.
    case log1p
    /// The value's mid-rank in the column scaled to [0, 1] (ties share their mean rank): only the
    /// order is kept. O(n log n).
    case quantile

    package func apply(_ x: [Double]) -> [Double] {
        switch self {
        case .none: return x
        case .log1p: return x.map { $0 < 0 ? -Foundation.log1p(-$0) : Foundation.log1p($0) }
        case .quantile:
            let n = x.count
            guard n > 1 else { return x.map { _ in 0 } }
            let order = x.indices.sorted { x[$0] < x[$1] }
            var out = [Double](repeating: 0, count: n)
            var i = 0
            while i < n {
                var j = i
                while j + 1 < n && x[order[j + 1]] == x[order[i]] { j += 1 }
                let rank = Double(i + j) / 2 / Double(n - 1)
                for t in i...j { out[order[t]] = rank }
                i = j + 1
            }
            return out
        }
    }
}
