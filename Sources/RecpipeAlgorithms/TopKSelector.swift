/// Keeps the `capacity` best `(index, score)` pairs offered, in O(log capacity) per offer.
///
/// "Best" is a total order on the stored Float scores: higher score first, and for equal scores
/// the lower index first. So the kept set and its order never depend on the order candidates are
/// offered in, which makes parallel kNN and top-N output deterministic. NaN scores are never kept.
///
/// Each pair is packed into one UInt64 key whose unsigned order is that ranking (order-preserving
/// bits of the score above the inverted index), kept in a binary min-heap (root = worst kept) in
/// manually allocated storage, so the hot loops stay fast even in debug builds. Used by one
/// thread at a time; not `Sendable`.
final class TopKSelector {
    let capacity: Int
    private let keys: UnsafeMutablePointer<UInt64>
    /// Number of pairs kept.
    private(set) var count = 0

    init(capacity: Int) {
        self.capacity = max(0, capacity)
        keys = .allocate(capacity: max(1, self.capacity))
    }

    deinit { keys.deallocate() }

    // MARK: - Keys

    /// A key that orders like (score ascending, index descending) as an unsigned integer.
    @inline(__always) static func key(_ index: Int32, _ score: Float) -> UInt64 {
        let bits = score.bitPattern
        let ordered = bits & 0x8000_0000 != 0 ? ~bits : bits | 0x8000_0000
        return UInt64(ordered) << 32 | UInt64(UInt32.max - UInt32(bitPattern: index))
    }

    @inline(__always) static func index(ofKey k: UInt64) -> Int32 {
        Int32(bitPattern: UInt32.max - UInt32(truncatingIfNeeded: k))
    }

    @inline(__always) static func score(ofKey k: UInt64) -> Float {
        let ordered = UInt32(truncatingIfNeeded: k >> 32)
        return Float(bitPattern: ordered & 0x8000_0000 != 0 ? ordered & 0x7FFF_FFFF : ~ordered)
    }

    // MARK: - Use

    func removeAll() { count = 0 }

    /// Offers one candidate (the score is ranked as stored, i.e. rounded to Float).
    @inline(__always) func offer(_ index: Int32, _ score: Double) {
        offer(index, Float(score))
    }

    @inline(__always) func offer(_ index: Int32, _ score: Float) {
        guard capacity > 0, !score.isNaN else { return }
        let k = Self.key(index, score)
        if count < capacity {
            keys[count] = k
            count += 1
            siftUp(count - 1)
        } else if k > keys[0] {
            keys[0] = k
            siftDown(0, count)
        }
    }

    /// Heap-sorts the kept pairs in place, best first; read them with `index(_:)` / `score(_:)`
    /// and call `removeAll()` before offering again. O(count log count).
    func sort() {
        var end = count - 1
        while end > 0 {
            let t = keys[0]  // the worst remaining goes to the back
            keys[0] = keys[end]
            keys[end] = t
            siftDown(0, end)
            end -= 1
        }
    }

    func index(_ p: Int) -> Int32 { Self.index(ofKey: keys[p]) }
    func score(_ p: Int) -> Float { Self.score(ofKey: keys[p]) }

    /// Sorts, appends the kept pairs best first, and empties the selector. Returns how many.
    @discardableResult
    func drain(indices: inout [Int32], scores: inout [Float]) -> Int {
        sort()
        let n = count
        for p in 0..<n {
            indices.append(index(p))
            scores.append(score(p))
        }
        removeAll()
        return n
    }

    /// The kept pairs, best first. Leaves the selector empty.
    func drainSorted() -> [(index: Int32, score: Float)] {
        sort()
        let out = (0..<count).map { (index: index($0), score: score($0)) }
        removeAll()
        return out
    }

    // MARK: - Heap

    private func siftUp(_ start: Int) {
        var c = start
        let k = keys[c]
        while c > 0 {
            let p = (c - 1) / 2
            guard k < keys[p] else { break }
            keys[c] = keys[p]
            c = p
        }
        keys[c] = k
    }

    private func siftDown(_ start: Int, _ n: Int) {
        var p = start
        let k = keys[p]
        while true {
            let l = 2 * p + 1
            if l >= n { break }
            var child = l
            if l + 1 < n && keys[l + 1] < keys[l] { child = l + 1 }
            guard keys[child] < k else { break }
            keys[p] = keys[child]
            p = child
        }
        keys[p] = k
    }
}

/// Deterministic top-N selection over dense scores.
package enum TopK {
    /// Indices of the `count` highest scores, best first; equal scores in ascending index order;
    /// NaN scores and `excluding` indices are skipped. O(n log count).
    package static func indices(of scores: [Float], count: Int, excluding: Set<Int32> = []) -> [Int32] {
        let selector = TopKSelector(capacity: count)
        for (i, s) in scores.enumerated() where !excluding.contains(Int32(i)) {
            selector.offer(Int32(i), s)
        }
        return selector.drainSorted().map(\.index)
    }
}
