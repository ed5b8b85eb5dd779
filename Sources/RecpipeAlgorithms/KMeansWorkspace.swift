/// The buffers of one k-means run (one restart): centres, labels, per-row distances, per-block
/// partial sums and the Hamerly/Elkan bounds. Owned by a single `KMeans.runSingle` call; parallel
/// workers reach it through `ParallelPointer`s and write disjoint rows or blocks only.
final class KMeansWorkspace {
    let n: Int, d: Int, k: Int
    let blocks: Int
    let algorithm: KMeans.Algorithm

    /// Current centres, k × d.
    let centres: UnsafeMutableBufferPointer<Double>
    /// Centres being computed, k × d.
    let next: UnsafeMutableBufferPointer<Double>
    /// Label per row; -1 before the first assignment.
    let labels: UnsafeMutableBufferPointer<Int>
    /// Exact squared distance of each row to its assigned centre (current centres).
    let dist2: UnsafeMutableBufferPointer<Double>

    /// Per-block partials: coordinate sums (blocks × k × d), counts (blocks × k),
    /// inertia (blocks) and number of changed labels (blocks).
    let blockSums: UnsafeMutableBufferPointer<Double>
    let blockCounts: UnsafeMutableBufferPointer<Int>
    let blockInertia: UnsafeMutableBufferPointer<Double>
    let blockChanged: UnsafeMutableBufferPointer<Int>

    /// Reduced totals of the last assignment pass.
    var sums: [Double]
    var counts: [Int]

    /// Upper bound on the distance to the assigned centre (Hamerly, Elkan), n.
    let upper: UnsafeMutableBufferPointer<Double>
    /// Lower bounds: Hamerly n (to the second-closest centre), Elkan n × k (to each centre).
    let lower: UnsafeMutableBufferPointer<Double>
    /// Centre–centre distances (k × k), half the distance to the nearest other centre (k),
    /// and how far each centre moved in the last update (k).
    var centreDistance: [Double]
    var halfNearest: [Double]
    var shift: [Double]

    init(n: Int, d: Int, k: Int, algorithm: KMeans.Algorithm, initial: [Double]) {
        self.n = n
        self.d = d
        self.k = k
        self.algorithm = algorithm
        blocks = Parallel.blockCount(count: n, blockSize: KMeansKernel.blockSize)
        centres = .allocate(capacity: k * d)
        _ = centres.initialize(from: initial)
        next = .allocate(capacity: k * d)
        next.initialize(repeating: 0)
        labels = .allocate(capacity: n)
        labels.initialize(repeating: -1)
        dist2 = .allocate(capacity: n)
        dist2.initialize(repeating: 0)
        blockSums = .allocate(capacity: blocks * k * d)
        blockSums.initialize(repeating: 0)
        blockCounts = .allocate(capacity: blocks * k)
        blockCounts.initialize(repeating: 0)
        blockInertia = .allocate(capacity: blocks)
        blockInertia.initialize(repeating: 0)
        blockChanged = .allocate(capacity: blocks)
        blockChanged.initialize(repeating: 0)
        sums = [Double](repeating: 0, count: k * d)
        counts = [Int](repeating: 0, count: k)
        let boundRows = algorithm == .lloyd ? 1 : n
        upper = .allocate(capacity: boundRows)
        upper.initialize(repeating: .infinity)
        let lowerCount = algorithm == .elkan ? n * k : boundRows
        lower = .allocate(capacity: lowerCount)
        lower.initialize(repeating: 0)
        centreDistance = [Double](repeating: 0, count: k * k)
        halfNearest = [Double](repeating: .infinity, count: k)
        shift = [Double](repeating: 0, count: k)
    }

    deinit {
        for buffer in [centres, next, dist2, blockSums, blockInertia, upper, lower] { buffer.deallocate() }
        labels.deallocate()
        blockCounts.deallocate()
        blockChanged.deallocate()
    }

    // MARK: - Reduction

    /// Combines the block partials in block order (deterministic).
    /// - Returns: total inertia and number of changed labels.
    func reduce() -> (inertia: Double, changed: Int) {
        for i in 0..<(k * d) { sums[i] = 0 }
        for j in 0..<k { counts[j] = 0 }
        var inertia = 0.0, changed = 0
        for b in 0..<blocks {
            let s = b * k * d, c = b * k
            for i in 0..<(k * d) { sums[i] += blockSums[s + i] }
            for j in 0..<k { counts[j] += blockCounts[c + j] }
            inertia += blockInertia[b]
            changed += blockChanged[b]
        }
        return (inertia, changed)
    }

    // MARK: - Centre geometry

    /// Recomputes centre–centre distances and `halfNearest`. O(k²·d).
    func updateCentreGeometry() {
        let c = centres.baseAddress!
        for j in 0..<k {
            centreDistance[j * k + j] = 0
            for l in (j + 1)..<max(j + 1, k) {
                let dist = KMeansKernel.squaredDistance(c + j * d, c + l * d, d).squareRoot()
                centreDistance[j * k + l] = dist
                centreDistance[l * k + j] = dist
            }
        }
        for j in 0..<k {
            var m = Double.infinity
            for l in 0..<k where l != j { m = min(m, centreDistance[j * k + l]) }
            halfNearest[j] = 0.5 * m
        }
    }

    /// Forgets the bounds of `row` (after it was moved by an empty-cluster re-seed).
    func resetBounds(row: Int) {
        guard algorithm != .lloyd else { return }
        upper[row] = .infinity
        if algorithm == .elkan {
            for j in 0..<k { lower[row * k + j] = 0 }
        } else {
            lower[row] = 0
        }
    }
}
