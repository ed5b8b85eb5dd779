import RealModule

// MARK: - k-means++ (greedy)

extension KMeans {
    /// Greedy k-means++ seeding as in scikit-learn: the first centre is a uniformly random row;
    /// each next centre is the best (lowest resulting potential) of `2 + ⌊ln k⌋` rows sampled with
    /// probability proportional to their squared distance to the nearest chosen centre.
    ///
    /// Sampling draws `r ∈ (0, potential]` and takes the first row whose cumulative weight reaches
    /// `r`, so a row at distance 0 (a duplicate of a chosen centre) is never picked: with at least
    /// `k` distinct rows the `k` centres are distinct.
    ///
    /// Complexity: O(k · (2 + ln k) · n · d) time, parallel over fixed row blocks; distances the
    /// triangle inequality proves useless are skipped (about half on well-separated data).
    /// O((2 + ln k) · n) extra memory.
    /// - Returns: `k × d` centres, row-major.
    static func plusPlusCentres(
        data: UnsafePointer<Double>, rows n: Int, columns d: Int, k: Int,
        rng: inout SeededGenerator, threads: Int?
    ) -> [Double] {
        let trials = 2 + Int(Double.log(Double(k)))
        let blockSize = KMeansKernel.blockSize
        let blocks = Parallel.blockCount(count: n, blockSize: blockSize)
        let x = ParallelReadPointer(data)

        // Scratch buffers (no captured `var`s: those would be boxed and exclusivity-checked).
        let centres = UnsafeMutableBufferPointer<Double>.allocate(capacity: k * d)
        let closest = UnsafeMutableBufferPointer<Double>.allocate(capacity: n)
        let nearest = UnsafeMutableBufferPointer<Int32>.allocate(capacity: n)
        let cumulative = UnsafeMutableBufferPointer<Double>.allocate(capacity: n)
        // Each row's would-be closest distance for each trial (trials × n), so the winner's
        // distances are not computed twice.
        let trialClosest = UnsafeMutableBufferPointer<Double>.allocate(capacity: trials * n)
        let potentials = UnsafeMutableBufferPointer<Double>.allocate(capacity: blocks * trials)
        // Squared distance from each trial candidate to each chosen centre (trials × k).
        let candidateToCentre = UnsafeMutableBufferPointer<Double>.allocate(capacity: trials * k)
        let candidates = UnsafeMutableBufferPointer<Int>.allocate(capacity: trials)
        defer {
            for buffer in [centres, closest, cumulative, trialClosest, potentials, candidateToCentre] {
                buffer.deallocate()
            }
            nearest.deallocate()
            candidates.deallocate()
        }
        centres.initialize(repeating: 0)
        nearest.initialize(repeating: 0)
        trialClosest.initialize(repeating: 0)
        candidateToCentre.initialize(repeating: 0)
        let near = ParallelPointer(closest), owner = ParallelPointer(nearest)
        let toCentre = ParallelReadPointer(UnsafePointer(candidateToCentre.baseAddress!))
        let cand = ParallelReadPointer(UnsafePointer(candidates.baseAddress!))
        let pot = ParallelPointer(potentials), trial = ParallelPointer(trialClosest)

        // Centre 0: a uniformly random row.
        let first = KMeansKernel.index(below: n, using: &rng)
        for t in 0..<d { centres[t] = data[first * d + t] }
        Parallel.forEachChunk(count: n, minChunk: 4096, threads: threads) { range in
            for i in range { near[i] = KMeansKernel.squaredDistance(x.base + i &* d, x.base + first &* d, d) }
        }

        for j in 1..<max(1, k) {
            // Cumulative weights, sequential so the sampling is reproducible.
            var running = 0.0
            for i in 0..<n {
                running += closest[i]
                cumulative[i] = running
            }
            let potential = running
            if !(potential > 0) { break }  // unreachable with k <= distinct rows
            for t in 0..<trials {
                let r = (1 - rng.nextDouble()) * potential
                candidates[t] = min(Self.firstIndex(in: cumulative, reaching: r), n - 1)
                for l in 0..<j {
                    candidateToCentre[t * k + l] = KMeansKernel.squaredDistance(
                        x.base + candidates[t] * d, centres.baseAddress! + l * d, d)
                }
            }

            // Potential after adding each candidate, per block then reduced in block order.
            // A row whose nearest centre lies at least 2·√closest from the candidate cannot get
            // closer to it (triangle inequality), so that distance is not computed.
            Parallel.forEachBlock(count: n, blockSize: blockSize, threads: threads) { b, range in
                let sums = pot.base + b &* trials
                sums.update(repeating: 0, count: trials)
                for i in range {
                    let current = near[i]
                    let limit = 4 * current
                    let from = Int(owner[i])
                    let row = x.base + i &* d
                    for t in 0..<trials {
                        var v = current
                        if toCentre[t &* k &+ from] < limit {
                            v = Swift.min(current, KMeansKernel.squaredDistance(row, x.base + cand[t] &* d, d))
                        }
                        trial[t &* n &+ i] = v
                        sums[t] += v
                    }
                }
            }
            var best = 0, bestPotential = Double.infinity
            for t in 0..<trials {
                var s = 0.0
                for b in 0..<blocks { s += potentials[b * trials + t] }
                if s < bestPotential {
                    bestPotential = s
                    best = t
                }
            }
            let chosen = candidates[best], winnerOffset = best * n
            for t in 0..<d { centres[j * d + t] = data[chosen * d + t] }
            Parallel.forEachChunk(count: n, minChunk: 4096, threads: threads) { range in
                let winner = trial.base + winnerOffset
                for i in range where winner[i] < near[i] {
                    near[i] = winner[i]
                    owner[i] = Int32(j)
                }
            }
        }
        return Array(centres)
    }

    /// The first index whose cumulative weight is `>= r` (binary search; `cumulative` ascending).
    static func firstIndex(in cumulative: UnsafeMutableBufferPointer<Double>, reaching r: Double) -> Int {
        var lo = 0, hi = cumulative.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if cumulative[mid] < r { lo = mid + 1 } else { hi = mid }
        }
        return lo
    }
}
