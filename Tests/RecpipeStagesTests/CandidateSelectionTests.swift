import Testing

@testable import RecpipeStages

/// The candidates stage keeps a user's best `max` with a heap: the same items in the same order
/// as sorting everything (score descending, then id) and cutting, ties and all.
@Suite struct CandidateSelectionTests {
    @Test func theHeapKeepsWhatAFullSortKeeps() {
        var state: UInt64 = 3
        func next(_ n: Int) -> Int {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int((state >> 33) % UInt64(n))
        }
        let ids = (0..<400).map { "item-\(String($0, radix: 7))" }
        let rank = LuaStage.idRanks(ids)
        for trial in 0..<300 {
            let n = next(300)
            // Few distinct scores, so many ties are broken by id; -0.0 and 0.0 tie too.
            let scores: [Float] = [-0.0, 0.0, 0.25, 0.5, 1, .infinity, -3]
            var list = (0..<n).map { _ in (item: Int32(next(ids.count)), score: scores[next(scores.count)]) }
            var seen = Set<Int32>()
            list = list.filter { seen.insert($0.item).inserted }
            let limit = [1, 2, 5, 50, 100, 1000][trial % 6]
            let expected = Array(
                list.sorted { a, b in
                    a.score != b.score ? a.score > b.score : ids[Int(a.item)] < ids[Int(b.item)]
                }.prefix(limit))
            var got = list
            LuaStage.keepBest(&got, limit: limit, rank: rank)
            #expect(got.map(\.item) == expected.map(\.item))
            #expect(got.map(\.score.bitPattern) == expected.map(\.score.bitPattern))
        }
    }
}
