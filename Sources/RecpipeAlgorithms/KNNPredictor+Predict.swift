/// One rating prediction and how it was made.
package struct KNNPrediction: Sendable, Equatable {
    /// The predicted rating, clipped to the rating scale.
    package var value: Float
    /// Neighbours that contributed (similarity > 0, among the k most similar that rated the item).
    package var neighborsUsed: Int
    /// Why the neighbour term was not used, or nil.
    package var fallback: KNNPredictor.Fallback?

    package var fellBack: Bool { fallback != nil }

    package init(value: Float, neighborsUsed: Int, fallback: KNNPredictor.Fallback?) {
        self.value = value
        self.neighborsUsed = neighborsUsed
        self.fallback = fallback
    }
}

extension KNNPredictor {
    // MARK: - Public prediction

    /// Predicts r̂(user, item). O(n_x + raters(y) log k).
    package func predict(user: Int, item: Int) -> KNNPrediction {
        var scratch = Scratch(count: byX.rows, k: configuration.k)
        return predict(user: user, item: item, scratch: &scratch)
    }

    /// Predicts every (user, item) pair, in parallel; results are in input order and identical to
    /// single `predict` calls. O(pairs × raters(y) log k + distinct x × list length).
    package func predict(users: [Int], items: [Int]) throws(AlgorithmError) -> [KNNPrediction] {
        guard users.count == items.count else {
            throw AlgorithmError(
                .dimensionMismatch,
                "predict got \(users.count) users but \(items.count) items; pass one of each per pair")
        }
        let xs = configuration.userBased ? users : items
        // Group by x so each x's neighbour list is scattered once.
        let order = (0..<users.count).sorted { (xs[$0], $0) < (xs[$1], $1) }
        var out = [KNNPrediction](
            repeating: KNNPrediction(value: 0, neighborsUsed: 0, fallback: nil), count: users.count)
        out.withUnsafeMutableBufferPointer { buf in
            let shared = ParallelPointer(buf)
            Parallel.forEachChunk(count: order.count, minChunk: 256) { range in
                var scratch = Scratch(count: byX.rows, k: configuration.k)
                for o in range {
                    let q = order[o]
                    shared[q] = predict(user: users[q], item: items[q], scratch: &scratch)
                }
            }
        }
        return out
    }

    // MARK: - Kernel

    /// Per-thread scratch: x's neighbour similarities scattered densely (0 = not a neighbour).
    struct Scratch {
        var sims: [Float]
        var loadedX = -1
        let selector: TopKSelector
        /// r_x′y of the raters seen in the current prediction (only read for those just written).
        var ratingOf: [Float]

        init(count: Int, k: Int) {
            sims = [Float](repeating: 0, count: count)
            ratingOf = [Float](repeating: 0, count: count)
            selector = TopKSelector(capacity: k)
        }
    }

    func predict(user: Int, item: Int, scratch: inout Scratch) -> KNNPrediction {
        let users = configuration.userBased ? byX : byY  // users × items
        let items = configuration.userBased ? byY : byX  // items × users
        let knownUser = user >= 0 && user < users.rows && users.rowCount(user) > 0
        let knownItem = item >= 0 && item < items.rows && items.rowCount(item) > 0
        let x = configuration.userBased ? user : item
        let y = configuration.userBased ? item : user
        let baselineKind = configuration.kind == .baseline
        let mu = globalMean
        guard knownUser && knownItem else {
            let reason: KNNPredictor.Fallback = knownUser ? .unknownItem : .unknownUser
            let est =
                baselineKind
                ? (baselines?.estimate(user: knownUser ? user : -1, item: knownItem ? item : -1) ?? mu) : mu
            return KNNPrediction(value: clip(est), neighborsUsed: 0, fallback: reason)
        }
        let terms = biasTerms
        let base: Double =
            baselineKind ? (terms.map { $0.globalMean + $0.rowBias[x] + $0.columnBias[y] } ?? mu) : meansX[x]
        if scratch.loadedX != x {
            if scratch.loadedX >= 0 {
                for p in neighbors.range(scratch.loadedX) { scratch.sims[Int(neighbors.indices[p])] = 0 }
            }
            for p in neighbors.range(x) { scratch.sims[Int(neighbors.indices[p])] = neighbors.scores[p] }
            scratch.loadedX = x
        }
        // The k most similar neighbours among y's raters (only positive similarities are stored).
        for p in byY.rowRange(y) {
            let x2 = byY.columns[p]
            let s = scratch.sims[Int(x2)]
            if s > 0 && Int(x2) != x {
                scratch.selector.offer(x2, s)
                scratch.ratingOf[Int(x2)] = byY.values[p]
            }
        }
        var sumSim = 0.0, sumDev = 0.0, used = 0
        let selector = scratch.selector
        selector.sort()
        for p in 0..<selector.count {
            let x2 = selector.index(p), s = Double(selector.score(p))
            let r = Double(scratch.ratingOf[Int(x2)])
            let ref: Double =
                baselineKind
                ? (terms.map { $0.globalMean + $0.rowBias[Int(x2)] + $0.columnBias[y] } ?? mu) : meansX[Int(x2)]
            sumSim += s
            sumDev += s * (r - ref)
            used += 1
        }
        selector.removeAll()
        if used < configuration.minK || sumSim == 0 {
            return KNNPrediction(value: clip(base), neighborsUsed: used, fallback: .tooFewNeighbors)
        }
        return KNNPrediction(value: clip(base + sumDev / sumSim), neighborsUsed: used, fallback: nil)
    }

    private func clip(_ v: Double) -> Float {
        min(max(Float(v), configuration.ratingScale.lowerBound), configuration.ratingScale.upperBound)
    }
}
