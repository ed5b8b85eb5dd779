import Foundation
import RecpipeTestSupport
import Testing

/// `recpipe recommend --items a,b,c` (fold-in with the pipeline's ALS factors) and the ALS
/// fallback of `--user` when the rank result is missing, over tiny pipelines.
@Suite struct RecommendItemsTests {
    // MARK: - Fixtures

    /// Two taste groups (a* and b* items); u4 bridges them. `extraALS` adds a second als stage.
    func makePipeline(extraALS: Bool = false, rank: Bool = true) -> String {
        let dir = TestSupport.temporaryDirectory("recommend-items")
        TestSupport.write(
            """
            user_id,item_id,event
            u0,a1,view
            u0,a2,view
            u0,a3,view
            u1,a1,view
            u1,a2,view
            u2,a2,view
            u2,a3,view
            u3,b1,view
            u3,b2,view
            u3,b3,view
            u4,b1,view
            u4,b3,view
            u4,a1,view
            """, to: "events.csv", in: dir)
        var yaml = """
            pipeline: recommend-items
            seed: 7
            stages:
              events: { uses: ingest, with: { path: events.csv } }
              matrix: { uses: encode, inputs: { events: events }, with: { weights: { view: 1 } } }
              mf:
                uses: als
                input: matrix
                with: { factors: 2, iterations: 10, solver: cholesky, candidates: 3 }

            """
        if extraALS {
            yaml += """
                  mf2:
                    uses: als
                    input: matrix
                    with: { factors: 3, iterations: 5, candidates: 3 }

                """
        }
        if rank {
            yaml += """
                  recs:
                    uses: rank
                    inputs: { candidates: [mf], seen: matrix }
                    with: { top: 2 }

                """
        }
        return TestSupport.write(yaml, to: "p.yaml", in: dir)
    }

    /// `  1. ITEM  SCORE` lines → items.
    func items(_ out: String) -> [String] {
        out.split(separator: "\n").dropFirst().compactMap { line in
            let parts = line.split(separator: " ")
            return parts.count == 3 ? String(parts[1]) : nil
        }
    }

    // MARK: - --items

    @Test func itemsFoldInANewUserWithTheOnlyALSStage() async throws {
        let p = makePipeline()
        let before = await recpipe("recommend", p, "--items", "a1,a2")
        #expect(before.code == 1 && before.err.contains("stage 'mf' has no result yet; run the pipeline first"))

        let run = await recpipe("run", p)
        #expect(run.code == 0, "\(run.err)")
        let r = await recpipe("recommend", p, "--items", "a1, a2", "-n", "2")
        #expect(r.code == 0, "\(r.err)")
        #expect(r.out.hasPrefix("recommendations for the given items (folded in from 2 items):\n  1. "))
        let got = items(r.out)
        #expect(got.count == 2)
        #expect(!got.contains("a1") && !got.contains("a2"))
        #expect(got.first == "a3")

        let labelled = await recpipe("recommend", p, "--items", "b1:2", "--user", "newcomer", "-n", "1")
        #expect(labelled.code == 0, "\(labelled.err)")
        #expect(labelled.out.hasPrefix("recommendations for 'newcomer' (folded in from 1 item):"))

        let unknown = await recpipe("recommend", p, "--items", "a1,zz")
        #expect(unknown.code == 1 && unknown.err.contains("item 'zz' is not in the trained factors"))
        let empty = await recpipe("recommend", p, "--items", " , ")
        #expect(empty.code == 2 && empty.err.contains("--items is empty"))
        let neither = await recpipe("recommend", p)
        #expect(neither.code == 2 && neither.err.contains("give --user U or --items a,b,c"))
    }

    @Test func severalALSStagesPreferTheOneFeedingRankElseNeedAlsStage() async throws {
        let p = makePipeline(extraALS: true)
        #expect(await recpipe("run", p).code == 0)
        // mf feeds the rank stage, mf2 does not: mf serves.
        let served = await recpipe("recommend", p, "--items", "a1", "-n", "2")
        #expect(served.code == 0, "\(served.err)")
        let viaMF = await recpipe("recommend", p, "--items", "a1", "--als-stage", "mf", "-n", "2")
        #expect(served.out == viaMF.out)
        let chosen = await recpipe("recommend", p, "--items", "a1", "--als-stage", "mf2", "-n", "2")
        #expect(chosen.code == 0, "\(chosen.err)")
        #expect(items(chosen.out).count == 2)
        let wrong = await recpipe("recommend", p, "--items", "a1", "--als-stage", "matrix")
        #expect(wrong.code == 2 && wrong.err.contains("stage 'matrix' is an encode stage"))

        let noRank = makePipeline(extraALS: true, rank: false)
        #expect(await recpipe("run", noRank).code == 0)
        let ambiguous = await recpipe("recommend", noRank, "--items", "a1")
        #expect(ambiguous.code == 2)
        #expect(
            ambiguous.err.contains(
                "several als stages (mf, mf2) and none of them feeds a rank stage; choose one with --als-stage"))
    }

    // MARK: - --user without a rank result

    @Test func userWithoutRankResultFallsBackToTheFactors() async throws {
        let p = makePipeline(rank: false)
        #expect(await recpipe("run", p).code == 0)
        let r = await recpipe("recommend", p, "--user", "u1", "-n", "2")
        #expect(r.code == 0, "\(r.err)")
        #expect(r.out.hasPrefix("recommendations for 'u1' (trained vector, 2 seen items excluded):"))
        #expect(r.err.contains("note: the pipeline has no rank stage"))
        #expect(!items(r.out).contains("a1") && !items(r.out).contains("a2"))

        let nobody = await recpipe("recommend", p, "--user", "nobody")
        #expect(nobody.code == 2 && nobody.err.contains("the pipeline has no rank stage"))
    }

    @Test func storedRankListStillWinsForKnownUsers() async throws {
        let p = makePipeline()
        #expect(await recpipe("run", p).code == 0)
        let r = await recpipe("recommend", p, "--user", "u0")
        #expect(r.code == 0, "\(r.err)")
        #expect(r.out.hasPrefix("recommendations for 'u0':\n  1. "))
        #expect(r.err.isEmpty)
    }

    // MARK: - --items through the rank plan (issue 13, problem 7)

    @Test func itemsGoThroughTheRankStagesFiltersAndPromotions() async throws {
        let p = makePipeline(rank: false)
        let dir = (p as NSString).deletingLastPathComponent
        TestSupport.write(
            "item_id,category,name\na1,a,Apple\na2,a,Apricot\na3,a,Avocado\nb1,b,Banana\nb2,b,Blueberry\nb3,b,Blackberry\n",
            to: "items.csv", in: dir)
        TestSupport.write(
            "filter(\"no_b\", function(u, item) return item.category ~= \"b\" end)\n", to: "filters.lua", in: dir)
        TestSupport.write(
            "promote{ name = \"avocado\", boost = 3, when = function(u, item) return item.item_id == \"a3\" end }\n",
            to: "promotions.lua", in: dir)
        var yaml = try String(contentsOfFile: p, encoding: .utf8)
        yaml += """
              items: { uses: ingest, with: { path: items.csv } }
              recs:
                uses: rank
                inputs: { candidates: [mf], seen: matrix, items: items }
                with: { top: 3, filters: filters.lua, promotions: promotions.lua, item_columns: [name] }

            """
        TestSupport.write(yaml, to: "p.yaml", in: dir)
        #expect(await recpipe("run", p).code == 0)
        let r = await recpipe("recommend", p, "--items", "b1", "--explain")
        #expect(r.code == 0, "\(r.err)")
        // Before: the ALS list alone (b2, b3 first), without the filter or the promotion.
        #expect(r.out.hasPrefix("recommendations for the given items (folded in from 1 item):\n  1. a"), "\(r.out)")
        #expect(r.out.contains("a3 Avocado"), "\(r.out)")
        #expect(!r.out.contains("b2") && !r.out.contains("b3"), "\(r.out)")
        #expect(r.out.contains("; promote avocado ×3"), "\(r.out)")
        #expect(r.err.contains("note: ranked by 'recs' as in the batch"), "\(r.err)")
    }
}
