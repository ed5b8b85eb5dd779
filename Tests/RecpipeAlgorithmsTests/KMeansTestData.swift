import RecpipeAlgorithms

/// Seeded Gaussian blobs for the k-means tests.
enum KMeansTestData {
    /// `n` rows × `d` columns around `k` centres drawn uniformly in [−spread, spread]^d, unit
    /// standard deviation. Returns the row-major data and each row's planted cluster.
    static func blobs(n: Int, d: Int, k: Int, spread: Double = 10, seed: UInt64) -> (data: [Double], truth: [Int]) {
        var rng = SeededGenerator(seed: seed)
        let centres = (0..<(k * d)).map { _ in (rng.nextDouble() * 2 - 1) * spread }
        var data = [Double](repeating: 0, count: n * d)
        var truth = [Int](repeating: 0, count: n)
        for i in 0..<n {
            let c = i % k
            truth[i] = c
            for t in 0..<d { data[i * d + t] = centres[c * d + t] + rng.nextGaussian() }
        }
        return (data, truth)
    }

    /// Uniform noise in [0, 1)^d (no cluster structure: many iterations, many label changes).
    static func uniform(n: Int, d: Int, seed: UInt64) -> [Double] {
        var rng = SeededGenerator(seed: seed)
        return (0..<(n * d)).map { _ in rng.nextDouble() }
    }
}
