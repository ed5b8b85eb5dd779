import Testing

@testable import RecpipeStages

/// The byte-level fast paths of the rank worker agree with their plain definitions.
@Suite struct RankFormatTests {
    @Test func appendScoreMatchesScore() {
        var values: [Float] = [
            0, -0, 0.7, 1.005, 0.004, 0.005, -0.004, -0.006, -1.5, 12.345, 999.999, 100, .infinity, -.infinity, .nan,
        ]
        var rng = SplitMix(seed: 7)
        for _ in 0..<2000 { values.append(Float(rng.unit() * 2000 - 1000)) }
        for _ in 0..<2000 { values.append(Float(rng.unit())) }
        for x in values {
            var bytes: [UInt8] = [7]
            RankFormat.appendScore(x, to: &bytes)
            #expect(String(decoding: bytes.dropFirst(), as: UTF8.self) == RankFormat.score(x), "x = \(x)")
        }
        #expect(RankFormat.score(0.7) == "0.70" && RankFormat.score(-1.5) == "-1.50")
    }

    @Test func packedSortMatchesTheComparator() {
        var rng = SplitMix(seed: 11)
        for round in 0..<200 {
            let n = 1 + Int(rng.unit() * 300)
            // Few distinct values (many ties), zeros, -0, and in some rounds a negative or NaN blend.
            var blend = (0..<n).map { _ in Float(Int(rng.unit() * 8)) / 7 }
            blend[Int(rng.unit() * Double(n))] = -0.0
            if round % 10 == 3 { blend[Int(rng.unit() * Double(n))] = -0.25 }
            if round % 10 == 7 { blend[Int(rng.unit() * Double(n))] = .nan }
            let byOrder = (0..<Int32(n)).shuffled(using: &rng)
            var order = [Int32](repeating: 0, count: n)
            for (r, g) in byOrder.enumerated() { order[Int(g)] = Int32(r) }
            let touched = (0..<Int32(n)).shuffled(using: &rng)
            var expected = touched
            expected.sort { a, b in
                let x = blend[Int(a)], y = blend[Int(b)]
                return x > y || (x == y && order[Int(a)] < order[Int(b)])
            }
            var got = touched
            var keys: [UInt64] = []
            blend.withUnsafeBufferPointer { p in
                RankWorker.sortByBlend(&got, blend: p.baseAddress!, order: order, byOrder: byOrder, keys: &keys)
            }
            if round % 10 != 7 { #expect(got == expected, "round \(round)") }
            #expect(got.sorted() == touched.sorted())
        }
    }
}

/// A small seeded generator for these tests.
private struct SplitMix: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE5_E9B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    mutating func unit() -> Double { Double(next() >> 11) / Double(1 << 53) }
}
