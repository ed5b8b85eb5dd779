/// Train/test splits of interaction or rating data given as plain parallel arrays (entry e has
/// `users[e]`, and for time splits `timestamps[e]`). Results are entry indices into those
/// arrays, so any column (item, value, …) can be split the same way. All randomness comes from
/// `SeededGenerator`: the same seed gives the same split on every machine.
package enum Split {
    /// Entry indices of one train/test split, each ascending.
    package struct Indices: Sendable, Equatable {
        package var train: [Int]
        package var test: [Int]

        package init(train: [Int], test: [Int]) {
            self.train = train
            self.test = test
        }
    }

    /// Per-user random holdout: each user's entries are shuffled (seeded) and
    /// round(fraction × count) of them go to test, keeping at least one in train.
    /// O(entries) time after grouping (O(entries log entries)).
    package static func holdout(users: [Int32], testFraction: Double, seed: UInt64) throws(AlgorithmError) -> Indices {
        guard testFraction >= 0 && testFraction < 1 else {
            throw AlgorithmError.invalid("`test_fraction` must be in [0, 1) (got \(testFraction))")
        }
        var rng = SeededGenerator(seed: seed)
        var isTest = [Bool](repeating: false, count: users.count)
        for var entries in groupByUser(users) {
            shuffle(&entries, using: &rng)
            let n = entries.count
            let take = min(Int((testFraction * Double(n)).rounded()), n - 1)
            for e in entries.prefix(max(0, take)) { isTest[e] = true }
        }
        return partition(isTest)
    }

    /// Per-user leave-last-N: each user's `n` latest entries by timestamp go to test (ties broken
    /// by the later entry index counting as later), keeping at least one entry in train.
    /// O(entries log entries).
    package static func leaveLastN(users: [Int32], timestamps: [Int64], n: Int) throws(AlgorithmError) -> Indices {
        guard users.count == timestamps.count else {
            throw AlgorithmError(
                .dimensionMismatch, "leave-last-N got \(users.count) users but \(timestamps.count) timestamps")
        }
        guard n >= 1 else { throw AlgorithmError.invalid("leave-last-N needs `n` ≥ 1 (got \(n))") }
        var isTest = [Bool](repeating: false, count: users.count)
        for var entries in groupByUser(users) {
            entries.sort { (timestamps[$0], $0) > (timestamps[$1], $1) }
            for e in entries.prefix(min(n, entries.count - 1)) { isTest[e] = true }
        }
        return partition(isTest)
    }

    /// The fold (0..<folds) of each of `count` entries: a seeded shuffle of all entries cut into
    /// `folds` contiguous parts, the first `count % folds` parts one entry larger (the shape of
    /// Surprise's `KFold`; the exact assignment differs). O(count).
    package static func foldAssignment(count: Int, folds: Int, seed: UInt64) throws(AlgorithmError) -> [Int] {
        guard folds >= 2 else { throw AlgorithmError.invalid("k-fold needs at least 2 folds (got \(folds))") }
        guard count >= folds else {
            throw AlgorithmError.invalid("k-fold with \(folds) folds needs at least \(folds) entries (got \(count))")
        }
        var rng = SeededGenerator(seed: seed)
        var order = Array(0..<count)
        shuffle(&order, using: &rng)
        var fold = [Int](repeating: 0, count: count)
        var start = 0
        for f in 0..<folds {
            let size = count / folds + (f < count % folds ? 1 : 0)
            for p in start..<(start + size) { fold[order[p]] = f }
            start += size
        }
        return fold
    }

    /// K-fold cross-validation splits: split f tests on fold f and trains on the rest.
    package static func kFold(count: Int, folds: Int, seed: UInt64) throws(AlgorithmError) -> [Indices] {
        let assignment = try foldAssignment(count: count, folds: folds, seed: seed)
        return (0..<folds).map { f in partition(assignment.map { $0 == f }) }
    }

    // MARK: - Helpers

    /// Entry indices grouped by user, users ascending, entries ascending within a user.
    static func groupByUser(_ users: [Int32]) -> [[Int]] {
        let order = (0..<users.count).sorted { (users[$0], $0) < (users[$1], $1) }
        var groups: [[Int]] = []
        var last: Int32? = nil
        for e in order {
            if users[e] != last {
                groups.append([])
                last = users[e]
            }
            groups[groups.count - 1].append(e)
        }
        return groups
    }

    static func partition(_ isTest: [Bool]) -> Indices {
        var out = Indices(train: [], test: [])
        for (e, t) in isTest.enumerated() {
            if t { out.test.append(e) } else { out.train.append(e) }
        }
        return out
    }

    /// Fisher–Yates with an unbiased bounded draw, so results do not depend on the standard
    /// library's shuffle algorithm.
    static func shuffle(_ a: inout [Int], using rng: inout SeededGenerator) {
        guard a.count > 1 else { return }
        for i in stride(from: a.count - 1, to: 0, by: -1) {
            a.swapAt(i, Int(uniform(below: UInt64(i + 1), using: &rng)))
        }
    }

    /// Uniform in 0..<bound by rejection sampling.
    static func uniform(below bound: UInt64, using rng: inout SeededGenerator) -> UInt64 {
        let limit = UInt64.max - UInt64.max % bound
        while true {
            let x = rng.next()
            if x < limit { return x % bound }
        }
    }
}
