import RecpipeAlgorithms
import Testing

@Suite("scalers")
struct ScalerTests {
    static let columns: [[Double]] = [[1, 2, 3, 4], [5, 5, 5, 5], [10, 0, 30, 20]]

    func close(_ a: [[Double]], _ b: [[Double]], _ eps: Double = 1e-12) -> Bool {
        a.count == b.count
            && zip(a, b).allSatisfy { x, y in
                x.count == y.count && zip(x, y).allSatisfy { abs($0 - $1) <= eps || ($0.isNaN && $1.isNaN) }
            }
    }

    @Test("standard: mean and population std; a constant column keeps scale 1")
    func standard() throws {
        let s = Scaler.fit(.standard, columns: Self.columns)
        #expect(s.centers == [2.5, 5, 15])
        #expect(abs(s.scales[0] - 1.25.squareRoot()) < 1e-15)
        #expect(s.scales[1] == 1)
        let y = try s.transform(columns: Self.columns)
        #expect(y[1] == [0, 0, 0, 0])
        let mean = y[0].reduce(0, +) / 4
        let variance = y[0].reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / 4
        #expect(abs(mean) < 1e-15 && abs(variance - 1) < 1e-12)
        #expect(close(try s.inverseTransform(columns: y), Self.columns))
    }

    @Test("min-max maps onto [0, 1]")
    func minMax() throws {
        let s = Scaler.fit(.minMax, columns: Self.columns)
        #expect(s.centers == [1, 5, 0])
        #expect(s.scales == [3, 1, 30])
        let y = try s.transform(columns: Self.columns)
        let third: Double = 1.0 / 3, twoThirds: Double = 2.0 / 3
        let expected: [[Double]] = [[0, third, twoThirds, 1], [0, 0, 0, 0], [third, 0, 1, twoThirds]]
        #expect(close(y, expected))
        #expect(close(try s.inverseTransform(columns: y), Self.columns))
    }

    @Test("robust: median and interquartile range (linear interpolation)")
    func robust() throws {
        let s = Scaler.fit(.robust, columns: [[1, 2, 3, 4, 100], [1, 2, 3, 4]])
        #expect(s.centers == [3, 2.5])
        #expect(s.scales == [2, 1.5])  // q25/q75 = 2/4 and 1.75/3.25
        let y = try s.transform(columns: [[3, 5], [2.5, 4]])
        #expect(y == [[0, 1], [0, 1]])
    }

    @Test("NaN is ignored when fitting and passed through")
    func missing() throws {
        let s = Scaler.fit(.standard, columns: [[1, .nan, 3], [.nan, .nan]])
        #expect(s.centers == [2, 0])
        #expect(s.scales == [1, 1])
        let y = try s.transform(columns: [[1, .nan, 3], [.nan, 4]])
        #expect(y[0][0] == -1 && y[0][1].isNaN && y[0][2] == 1 && y[1][1] == 4)
    }

    @Test("matrix round trip and restoring stored parameters", arguments: Scaler.Kind.allCases)
    func matrixRoundTrip(kind: Scaler.Kind) throws {
        let matrix = KMeansTestData.uniform(n: 50, d: 3, seed: 8).map { $0 * 100 - 20 }
        let s = Scaler.fit(kind, matrix: matrix, rows: 50, columns: 3)
        let y = try s.transform(matrix: matrix)
        let back = try s.inverseTransform(matrix: y)
        #expect(zip(back, matrix).allSatisfy { abs($0 - $1) < 1e-10 })
        let restored = Scaler(kind: s.kind, centers: s.centers, scales: s.scales)
        #expect(restored == s)
        #expect(try restored.transform(matrix: matrix) == y)
        #expect(try s.transform(columns: [[matrix[0]], [matrix[1]], [matrix[2]]]).map { $0[0] } == Array(y[0..<3]))
    }

    @Test("column count mismatches are errors")
    func mismatch() {
        let s = Scaler.fit(.minMax, columns: Self.columns)
        #expect(throws: AlgorithmError.self) { try s.transform(columns: [[1]]) }
        #expect(throws: AlgorithmError.self) { try s.inverseTransform(matrix: [1, 2, 3, 4]) }
        do {
            _ = try s.transform(columns: [[1], [2]])
        } catch {
            #expect(error.expected == 3 && error.actual == 2)
            #expect(error.message.contains("fitted on 3 columns but got 2"))
        }
    }
}
