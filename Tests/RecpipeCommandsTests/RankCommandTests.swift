import Foundation
import RecpipeTestSupport
import Testing

/// `recpipe run --diff` and `recpipe recommend` over a tiny pipeline (popularity → rank).
@Suite struct RankCommandTests {
    func makePipeline() -> String {
        let dir = TestSupport.temporaryDirectory("rank-cli")
        TestSupport.write(
            """
            user_id,item_id,event
            U1,A,view
            U1,B,view
            U2,A,view
            U2,C,view
            U3,A,view
            U3,B,view
            U3,D,view
            """, to: "events.csv", in: dir)
        TestSupport.write(
            """
            item_id,category,stock
            A,shoes,1
            B,coats,1
            C,coats,1
            D,toys,1
            E,toys,1
            """, to: "items.csv", in: dir)
        TestSupport.write(
            "promote{ name = \"toys\", boost = 1.5, when = function(u, item) return item.category == \"toys\" end }\n",
            to: "promotions.lua", in: dir)
        return TestSupport.write(
            """
            pipeline: rank-cli
            as_of: "2026-11-01"
            stages:
              events: { uses: ingest, with: { path: events.csv } }
              items: { uses: ingest, with: { path: items.csv } }
              matrix: { uses: encode, inputs: { events: events }, with: { weights: { view: 1 } } }
              pop: { uses: popular, input: matrix, with: { candidates: 5 } }
              recs:
                uses: rank
                inputs: { candidates: [pop], items: items, seen: matrix }
                with: { top: 2, promotions: promotions.lua }
            """, to: "p.yaml", in: dir)
    }

    @Test func diffAfterARuleChangeAndRecommend() async throws {
        let p = makePipeline()
        let first = await recpipe("run", p, "--diff")
        #expect(first.code == 0, "\(first.err)")
        #expect(first.out.contains("diff of 'recs': no previous result to compare with"))

        let rules = (p as NSString).deletingLastPathComponent + "/promotions.lua"
        try "promote{ name = \"toys\", boost = 0.1, when = function(u, item) return item.category == \"toys\" end }\n"
            .write(toFile: rules, atomically: true, encoding: .utf8)
        let second = await recpipe("run", p, "--diff")
        #expect(second.code == 0, "\(second.err)")
        #expect(second.out.contains("diff of 'recs' against its previous result:"))
        #expect(second.out.contains("users whose top-N changed:"))

        let rec = await recpipe("recommend", p, "--user", "U1", "--explain")
        #expect(rec.code == 0, "\(rec.err)")
        #expect(rec.out.hasPrefix("recommendations for 'U1':\n  1. "))
        #expect(rec.out.contains("pop "))

        let unknown = await recpipe("recommend", p, "--user", "nobody")
        #expect(unknown.code == 1)
        #expect(unknown.err.contains("user 'nobody' is not in the result of 'recs'"))
    }

    @Test func validateRejectsABadPromotionWithItsLocation() async throws {
        let p = makePipeline()
        let rules = (p as NSString).deletingLastPathComponent + "/promotions.lua"
        try "\npromote{ name = \"toys\", boost = -1, when = function(u, item) return true end }\n"
            .write(toFile: rules, atomically: true, encoding: .utf8)
        let r = await recpipe("validate", p)
        #expect(r.code == 2)
        #expect(r.err.contains("promotions.lua:2:1: error: promote 'toys': boost must be a number > 0"))
    }
}
