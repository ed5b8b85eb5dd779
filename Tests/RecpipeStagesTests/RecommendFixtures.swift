import Foundation
import RecpipeAlgorithms
import RecpipeCore
import RecpipeData
import RecpipeSpec

@testable import RecpipeEngine
@testable import RecpipeStages

/// Hand-built contexts and artifacts for the cf / split / evaluate / popular stage tests.
enum RecommendFixtures {
    /// Users u0..u(n-1), items from `rows` (item names → value), optional timestamps per entry.
    static func interactions(_ rows: [[(String, Float)]], items: [String], times: [[Int64]]? = nil) -> Interactions {
        var triplets: [(row: Int, col: Int, value: Float)] = []
        var stamps: [(Int, Int, Int64)] = []
        for (u, row) in rows.enumerated() {
            for (n, (item, v)) in row.enumerated() {
                let i = items.firstIndex(of: item)!
                triplets.append((u, i, v))
                if let times { stamps.append((u, i, times[u][n])) }
            }
        }
        let m = SparseMatrix(rows: rows.count, cols: items.count, triplets: triplets)
        let ts: [Int64]? = times == nil ? nil : stamps.sorted { ($0.0, $0.1) < ($1.0, $1.1) }.map(\.2)
        return Interactions(
            users: IDMap((0..<rows.count).map { "u\($0)" }), items: IDMap(items), matrix: m, timestamps: ts)
    }

    /// u0: a b · u1: a c · u2: b c d (all 1).
    static let small = interactions(
        [[("a", 1), ("b", 1)], [("a", 1), ("c", 1)], [("b", 1), ("c", 1), ("d", 1)]], items: ["a", "b", "c", "d"])

    /// Each user's candidate list as (item id, score).
    static func lists(_ c: Candidates) -> [[String]] {
        (0..<c.users.count).map { u in c.range(user: u).map { c.items[Int(c.itemIndices[$0])] } }
    }

    static func scores(_ c: Candidates) -> [[Float]] {
        (0..<c.users.count).map { u in c.range(user: u).map { c.scores[$0] } }
    }

    /// The value of (model, metric, group) in a metrics table.
    static func metric(_ t: Table, _ model: String, _ metric: String, group: String = "all") -> Double? {
        for r in 0..<t.rowCount
        where t.string(row: r, col: 0) == model && t.string(row: r, col: 1) == metric
            && t.string(row: r, col: 2) == group
        {
            return t.double(row: r, col: 3)
        }
        return nil
    }

    static func errorText(_ body: () async throws -> Void) async -> String {
        do {
            try await body()
            return ""
        } catch {
            return "\(error)"
        }
    }
}
