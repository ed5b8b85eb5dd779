import RecpipeData
import Testing

@testable import RecpipeStages

@Suite struct RankDiffTests {
    /// Recommendations from per-user lists over a fixed item map.
    func recs(_ lists: [(String, [String])]) -> Recommendations {
        let items = IDMap(["A", "B", "C", "D", "E"])
        var offsets = [0], idx: [Int32] = []
        for (_, l) in lists {
            idx += l.map { Int32(items[$0]!) }
            offsets.append(idx.count)
        }
        return Recommendations(
            users: IDMap(lists.map(\.0)), items: items, offsets: offsets, itemIndices: idx,
            scores: [Float](repeating: 1, count: idx.count), provenance: [String](repeating: "", count: idx.count),
            fallbackUsers: [])
    }

    @Test func comparesTwoHandMadeRuns() {
        let before = recs([("U1", ["A", "B"]), ("U2", ["A", "C"]), ("U3", ["B", "A"]), ("U4", ["A", "B"])])
        let after = recs([("U1", ["A", "B"]), ("U2", ["D", "C"]), ("U3", ["A", "B"]), ("U5", ["D", "E"])])
        let cats = ["A": "shoes", "B": "shoes", "C": "coats", "D": "coats", "E": "toys"]
        let d = RecommendationDiff.compare(before: before, after: after, categories: cats)
        #expect(d.usersCompared == 3)
        #expect(d.usersChanged == 2)
        #expect(d.usersWithNewItems == 1)
        #expect(d.usersOnlyAfter == 1 && d.usersOnlyBefore == 1)
        #expect(d.entering == [.init(item: "D", users: 1)])
        #expect(d.leaving == [.init(item: "A", users: 1)])
        #expect(d.coverageBefore == 3 && d.coverageAfter == 5)
        #expect(
            d.categories == [
                .init(category: "shoes", before: 0.875, after: 0.5),
                .init(category: "coats", before: 0.125, after: 0.375),
                .init(category: "toys", before: 0, after: 0.125),
            ])
        #expect(
            d.render(stage: "recs") == """
                diff of 'recs' against its previous result:
                  users whose top-N changed: 2 of 3 (66.7%), 1 only reordered
                  users new: 1, gone: 1
                  coverage: 3 → 5 distinct items
                  entering most often: D (+1)
                  leaving most often:  A (-1)
                  category share (before → after):
                    shoes: 87.5% → 50.0%
                    coats: 12.5% → 37.5%
                    toys: 0.0% → 12.5%
                """)
    }

    @Test func identicalRunsShowNoChange() {
        let r = recs([("U1", ["A", "B"])])
        let d = RecommendationDiff.compare(before: r, after: r)
        #expect(d.usersChanged == 0 && d.entering.isEmpty && d.categories.isEmpty)
        #expect(d.changedShare == 0)
    }
}
