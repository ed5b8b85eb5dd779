// MARK: - Assignment passes
//
// Each pass assigns every row to its nearest current centre and, in the same sweep, adds the row
// to its block's partial sums/counts/inertia. The three algorithms give the same labels (up to
// exact distance ties); Hamerly and Elkan skip distance computations their bounds prove useless.

extension KMeansWorkspace {
    /// One assignment pass with the workspace's algorithm. Work: Lloyd O(n·k·d); Hamerly/Elkan
    /// the same worst case, and typically far less once centres settle (plus O(k²·d) for the
    /// centre geometry).
    func assign(data: UnsafePointer<Double>, threads: Int?) {
        let algorithm = self.algorithm
        if algorithm != .lloyd { updateCentreGeometry() }
        let n = self.n, d = self.d, k = self.k
        let x = ParallelReadPointer(data)
        let c = ParallelReadPointer(UnsafePointer(centres.baseAddress!))
        let labels = ParallelPointer(self.labels), dist2 = ParallelPointer(self.dist2)
        let sums = ParallelPointer(blockSums), counts = ParallelPointer(blockCounts)
        let inertia = ParallelPointer(blockInertia), changed = ParallelPointer(blockChanged)
        let upper = ParallelPointer(self.upper), lower = ParallelPointer(self.lower)
        let half = halfNearest, cc = centreDistance

        Parallel.forEachBlock(count: n, blockSize: KMeansKernel.blockSize, threads: threads) { b, range in
            let bs = sums.base + b * k * d, bc = counts.base + b * k
            bs.update(repeating: 0, count: k * d)
            bc.update(repeating: 0, count: k)
            var blockInertia = 0.0, blockChanged = 0
            for i in range {
                let row = x.base + i &* d
                let old = labels[i]
                var a = old
                var exact: Double
                switch algorithm {
                case .lloyd, .auto:
                    a = 0
                    exact = KMeansKernel.squaredDistance(row, c.base, d)
                    for j in 1..<max(1, k) {
                        let e = KMeansKernel.squaredDistance(row, c.base + j &* d, d)
                        if e < exact {
                            exact = e
                            a = j
                        }
                    }
                case .hamerly:
                    exact = -1
                    let bound = a < 0 ? 0 : Swift.max(half[a], lower[i])
                    if a < 0 || upper[i] > bound {
                        if a >= 0 {
                            exact = KMeansKernel.squaredDistance(row, c.base + a &* d, d)
                            upper[i] = exact.squareRoot()
                        }
                        if a < 0 || upper[i] > bound {
                            var best = 0, second = Double.infinity
                            var bestD = KMeansKernel.squaredDistance(row, c.base, d)
                            for j in 1..<max(1, k) {
                                let e = KMeansKernel.squaredDistance(row, c.base + j &* d, d)
                                if e < bestD {
                                    second = bestD
                                    bestD = e
                                    best = j
                                } else if e < second {
                                    second = e
                                }
                            }
                            a = best
                            exact = bestD
                            upper[i] = bestD.squareRoot()
                            lower[i] = second.squareRoot()
                        }
                    }
                    if exact < 0 { exact = KMeansKernel.squaredDistance(row, c.base + a &* d, d) }
                case .elkan:
                    let l = lower.base + i &* k
                    if a < 0 {
                        a = 0
                        exact = .infinity
                        for j in 0..<k {
                            let e = KMeansKernel.squaredDistance(row, c.base + j &* d, d)
                            l[j] = e.squareRoot()
                            if e < exact {
                                exact = e
                                a = j
                            }
                        }
                        upper[i] = exact.squareRoot()
                    } else {
                        exact = -1
                        var u = upper[i]
                        if u > half[a] {
                            var tight = false
                            for j in 0..<k where j != a {
                                guard u > l[j] && u > 0.5 * cc[a &* k &+ j] else { continue }
                                if !tight {
                                    exact = KMeansKernel.squaredDistance(row, c.base + a &* d, d)
                                    u = exact.squareRoot()
                                    l[a] = u
                                    tight = true
                                    guard u > l[j] && u > 0.5 * cc[a &* k &+ j] else { continue }
                                }
                                let e = KMeansKernel.squaredDistance(row, c.base + j &* d, d)
                                let dist = e.squareRoot()
                                l[j] = dist
                                if dist < u {
                                    a = j
                                    u = dist
                                    exact = e
                                }
                            }
                            upper[i] = u
                        }
                        if exact < 0 { exact = KMeansKernel.squaredDistance(row, c.base + a &* d, d) }
                    }
                }
                if a != old {
                    labels[i] = a
                    blockChanged += 1
                }
                dist2[i] = exact
                blockInertia += exact
                let s = bs + a &* d
                for t in 0..<d { s[t] += row[t] }
                bc[a] += 1
            }
            inertia[b] = blockInertia
            changed[b] = blockChanged
        }
    }

    // MARK: - Bound maintenance

    /// Loosens the bounds by how far each centre moved (`shift`), as Hamerly and Elkan require
    /// after every centre update. O(n) for Hamerly, O(n·k) for Elkan.
    func loosenBounds(threads: Int?) {
        guard algorithm == .hamerly || algorithm == .elkan else { return }
        let k = self.k
        let labels = ParallelPointer(self.labels)
        let upper = ParallelPointer(self.upper), lower = ParallelPointer(self.lower)
        let shift = self.shift
        var maxIndex = 0, maxShift = 0.0, secondShift = 0.0
        for j in 0..<k {
            if shift[j] > maxShift {
                secondShift = maxShift
                maxShift = shift[j]
                maxIndex = j
            } else if shift[j] > secondShift {
                secondShift = shift[j]
            }
        }
        let isElkan = algorithm == .elkan
        Parallel.forEachChunk(count: n, minChunk: 8192, threads: threads) { [maxIndex, maxShift, secondShift] range in
            for i in range {
                let a = labels[i]
                upper[i] += shift[a]
                if isElkan {
                    let l = lower.base + i &* k
                    for j in 0..<k { l[j] = Swift.max(0, l[j] - shift[j]) }
                } else {
                    lower[i] -= (a == maxIndex ? secondShift : maxShift)
                }
            }
        }
    }
}
