import Foundation
import RecpipeCore
import RecpipeData
import RecpipeEngine
import RecpipeSpec

/// What a segment is, in the columns' own units: member means, names (generated, or given in
/// YAML), and the mix of RFM segments among its users.
enum SegmentSummary {
    /// k × d row-major means of each column over each segment's members. O(n·d).
    static func means(_ columns: [[Double]], labels: [Int], k: Int) -> [Double] {
        let d = columns.count
        var sums = [Double](repeating: 0, count: k * d)
        var counts = [Int](repeating: 0, count: k)
        for (i, l) in labels.enumerated() {
            counts[l] += 1
            for j in 0..<d { sums[l * d + j] += columns[j][i] }
        }
        for c in 0..<k where counts[c] > 0 { for j in 0..<d { sums[c * d + j] /= Double(counts[c]) } }
        return sums
    }

    /// The generated names, replaced by the YAML `names`: a list by segment number (exactly k
    /// entries), or a map from generated name to name (unmatched keys are an error, listing the
    /// generated names).
    static func names(_ generated: [String], given: ParamValue?, at location: SourceLocation?) throws -> [String] {
        guard let given, !given.isNull else { return generated }
        if let list = given.listValue {
            guard list.count == generated.count else {
                throw StageError(
                    "names lists \(list.count) names for \(generated.count) segments", code: .invalidParam,
                    at: location,
                    hint: "give one name per segment in segment order, or map generated names: {\"\(generated[0])\": …}"
                )
            }
            return list.map { $0.stringValue ?? "" }
        }
        var names = generated
        for e in given.mapValue ?? [] {
            guard let i = generated.firstIndex(of: e.key) else {
                throw StageError(
                    "names: no segment is called '\(e.key)' in this run", code: .invalidParam, at: location,
                    hint: (Suggestions.hint(for: e.key, in: generated).map { $0 + "; " } ?? "")
                        + "the generated names are: \(generated.joined(separator: ", "))")
            }
            names[i] = e.value.stringValue ?? e.key
        }
        return names
    }

    /// Per segment, its three most common `rfm_segment` values with their shares; empty when the
    /// table has no such column.
    static func rfmMix(_ table: Table, labels: [Int], k: Int) -> [String] {
        guard let column = table.column(named: "rfm_segment") else { return [] }
        let codes = ColumnCodes(column)
        var counts = [[Int]](repeating: [Int](repeating: 0, count: codes.values.count), count: k)
        var sizes = [Int](repeating: 0, count: k)
        for (i, l) in labels.enumerated() where codes.codes[i] >= 0 {
            counts[l][Int(codes.codes[i])] += 1
            sizes[l] += 1
        }
        return (0..<k).map { c in
            let top = counts[c].indices.filter { counts[c][$0] > 0 }
                .sorted {
                    counts[c][$0] > counts[c][$1]
                        || (counts[c][$0] == counts[c][$1] && codes.values[$0] < codes.values[$1])
                }
                .prefix(3)
            return top.map {
                "\(codes.values[$0]) \(Int((100 * Double(counts[c][$0]) / Double(max(1, sizes[c]))).rounded()))%"
            }
            .joined(separator: ", ")
        }
    }
}
