import Foundation
import RecpipeCore
import RecpipeData
import RecpipeEngine
import Testing

@testable import RecpipeStages

/// Readable outputs (issue 13, problem 4): `item_columns` travel with the recommendations into
/// exports, `recommend --explain` (``Recommendations/label(item:)``) and the `--diff` lists.
@Suite struct ItemColumnsTests {
    let cands = RankFixture.candidates(
        "als", [("U1", [("I1", 5), ("I2", 4), ("I3", 3)]), ("U2", [("I2", 5), ("I3", 4)])])
    let items = RankFixture.items([("I1", "shoes", 3, 120), ("I2", "coats", 5, 80), ("I3", "coats", 1, 30.5)])

    @Test func itemColumnsAreExportedAndLabelItems() async throws {
        let (r, _) = try await RankFixture.run(
            ["item_columns": .list([.string("category"), .string("price")]), "top": .int(2)],
            candidates: [("als", cands)], items: items)
        let t = r.exportTable()
        #expect(t.columnNames == ["user_id", "rank", "item_id", "category", "price", "score", "provenance"])
        #expect((0..<t.rowCount).map { t.string(row: $0, col: 3) ?? "" } == ["shoes", "coats", "coats", "coats"])
        #expect((0..<t.rowCount).map { t.string(row: $0, col: 4) ?? "" } == ["120", "80", "80", "30.5"])
        #expect(r.label(id: "I3") == "I3 coats 30.5")
        // The columns survive the cache encoding.
        var w = ByteWriter()
        r.encode(into: &w)
        var reader = ByteReader(w.bytes)
        #expect(try Recommendations(decoding: &reader) == r)
    }

    @Test func diffListsNameTheItems() async throws {
        let (before, _) = try await RankFixture.run(
            ["item_columns": .list([.string("category")]), "top": .int(1)], candidates: [("als", cands)], items: items)
        let p = RankFixture.script(
            "bury{ name = \"shoes\", when = function(u, item) return item.category == \"shoes\" end }\n")
        let (after, _) = try await RankFixture.run(
            ["item_columns": .list([.string("category")]), "top": .int(1), "promotions": .string(p)],
            candidates: [("als", cands)], items: items)
        let text = RecommendationDiff.compare(before: before, after: after).render(stage: "recs")
        #expect(text.contains("entering most often: I2 coats (+1)"), "\(text)")
        #expect(text.contains("leaving most often:  I1 shoes (-1)"), "\(text)")
    }

    @Test func anUnknownItemColumnIsAnErrorWithAHint() async throws {
        await #expect {
            _ = try await RankFixture.run(
                ["item_columns": .list([.string("categry")])], candidates: [("als", cands)], items: items)
        } throws: { error in
            let e = error as? StageError
            return e?.message.hasPrefix("item_columns: the items table has no column 'categry'") == true
                && e?.hint == "did you mean 'category'?"
        }
    }
}
