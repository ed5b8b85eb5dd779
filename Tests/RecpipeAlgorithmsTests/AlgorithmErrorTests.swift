import Testing

@testable import RecpipeAlgorithms

/// One error type for the numeric code: every family throws an ``AlgorithmError`` whose code
/// says why (a caller catches one type and branches on the code).
@Suite struct AlgorithmErrorTests {
    func caught(_ body: () throws -> Void) -> AlgorithmError? {
        do { try body() } catch let e as AlgorithmError { return e } catch { return nil }
        return nil
    }

    @Test func everyFamilyThrowsTheOneTypeWithItsCode() {
        let ui = SparseMatrix(rows: 2, cols: 2, triplets: [(0, 0, 1), (1, 1, 1)])
        #expect(caught { _ = try KNNItemRecommender(userItems: ui, neighbors: 0) }?.code == .invalidParameter)
        #expect(
            caught { _ = try ALS.fitImplicit(ui, options: ALSImplicitOptions(factors: 0)) }?.code == .invalidParameter)
        #expect(
            caught { _ = try ALS.fitImplicit(SparseMatrix(rows: 1, cols: 1, triplets: [(0, 0, .nan)])) }?.code
                == .failed)
        let scaler = Scaler.fit(.minMax, columns: [[1, 2], [3, 4]])
        let shape = caught { _ = try scaler.transform(columns: [[1]]) }
        #expect(shape?.code == .shapeMismatch(expected: 2, actual: 1))
        #expect(shape?.expected == 2 && shape?.actual == 1)
        #expect(caught { _ = try KMeans(k: 0).fit([Double]([1, 2]), rows: 2, columns: 1) }?.code == .invalidK(0))
    }
}
