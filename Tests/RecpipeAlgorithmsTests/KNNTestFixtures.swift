import Foundation
import RecpipeTestSupport

@testable import RecpipeAlgorithms

/// Small helpers shared by the kNN / similarity / metric tests.
enum KNNTestFixtures {
    /// A users × items matrix from (user, item, value) triplets.
    static func matrix(_ rows: Int, _ cols: Int, _ entries: [(Int, Int, Float)]) -> SparseMatrix {
        SparseMatrix(rows: rows, cols: cols, triplets: entries.map { (row: $0.0, col: $0.1, value: $0.2) })
    }

    /// A seeded random rating matrix with ratings in 1...5 and the given density.
    static func randomRatings(rows: Int, cols: Int, density: Double, seed: UInt64) -> SparseMatrix {
        var rng = SeededGenerator(seed: seed)
        var t: [(row: Int, col: Int, value: Float)] = []
        for r in 0..<rows {
            for c in 0..<cols where rng.nextDouble() < density {
                t.append((row: r, col: c, value: Float(1 + Int(rng.next() % 5))))
            }
        }
        return SparseMatrix(rows: rows, cols: cols, triplets: t)
    }

    /// `shared/data/ml-100k` beside the project root (the package holding this file), as the
    /// design notes lay data out; `RECPIPE_ML100K` overrides it.
    static var movieLensDir: URL {
        if let env = ProcessInfo.processInfo.environment["RECPIPE_ML100K"] { return URL(fileURLWithPath: env) }
        return URL(fileURLWithPath: TestSupport.sharedDataDirectory + "/ml-100k")
    }

    static var ratingsPath: String { movieLensDir.appendingPathComponent("u.data").path }
    static var splitPath: String {
        movieLensDir.appendingPathComponent("split-ml-100k-pos-ge4-test20-seed42.csv").path
    }
    static var hasRatings: Bool { FileManager.default.fileExists(atPath: ratingsPath) }
    static var hasSplit: Bool { FileManager.default.fileExists(atPath: splitPath) }

    /// The fields of a delimited text file as integers, one array per line (header skipped when
    /// asked). A non-numeric field becomes −(first byte × 256 + second byte), enough to tell
    /// "train" from "test". Parses bytes directly so it stays fast in debug builds.
    static func readIntegerRows(_ path: String, separator: UInt8, skipHeader: Bool) throws -> [[Int]] {
        let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
        var rows: [[Int]] = []
        var fields: [Int] = []
        var value = 0, length = 0, numeric = true, first: UInt8 = 0, second: UInt8 = 0
        func endField() {
            if length > 0 { fields.append(numeric ? value : -(Int(first) * 256 + Int(second))) }
            value = 0; length = 0; numeric = true
        }
        for b in bytes {
            if b == separator {
                endField()
            } else if b == 10 {
                endField()
                if !fields.isEmpty { rows.append(fields) }
                fields = []
            } else if b != 13 {
                if length == 0 { first = b; second = 0 } else if length == 1 { second = b }
                if b >= 48 && b <= 57 { value = value * 10 + Int(b - 48) } else { numeric = false }
                length += 1
            }
        }
        endField()
        if !fields.isEmpty { rows.append(fields) }
        if skipHeader && !rows.isEmpty { rows.removeFirst() }
        return rows
    }

    /// A CSR matrix from parallel arrays by counting sort (no duplicate (row, col) pairs).
    static func csr(rows: Int, cols: Int, rowOf: [Int], colOf: [Int], values: [Float]) -> SparseMatrix {
        var ptr = [Int](repeating: 0, count: rows + 1)
        for r in rowOf { ptr[r + 1] += 1 }
        for r in 0..<rows { ptr[r + 1] += ptr[r] }
        var next = ptr
        var c = [Int32](repeating: 0, count: rowOf.count)
        var v = [Float](repeating: 0, count: rowOf.count)
        for e in 0..<rowOf.count {
            c[next[rowOf[e]]] = Int32(colOf[e])
            v[next[rowOf[e]]] = values[e]
            next[rowOf[e]] += 1
        }
        // Sort each row by column (rows are short).
        for r in 0..<rows where ptr[r + 1] - ptr[r] > 1 {
            let pairs = (ptr[r]..<ptr[r + 1]).map { (c[$0], v[$0]) }.sorted { $0.0 < $1.0 }
            for (o, pair) in pairs.enumerated() {
                c[ptr[r] + o] = pair.0
                v[ptr[r] + o] = pair.1
            }
        }
        return SparseMatrix(rows: rows, cols: cols, rowPointers: ptr, columns: c, values: v)
    }
}
