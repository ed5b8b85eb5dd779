import Foundation
import RecpipeTestSupport
import Testing

/// Lua field reads checked before running (#12.3): a tag rule's `u.x` against the user-feature
/// columns, a rank rule's `item.x` against the items table and `u.x` against the profiles — each
/// unknown field an error at its file:line:col with the nearest column, all reported at once.
@Suite struct RuleFieldCheckTests {
    /// ShopDataTests' invoice lines and features, with segments, tags, an items table and a rank stage.
    static func project(
        tags: String, filters: String, promotions: String, rank: String = "items: items, profiles: profiles"
    ) -> String {
        let dir = TestSupport.temporaryDirectory("rule-fields")
        let p = ShopDataTests.pipeline(dir)
        TestSupport.write(
            "item_id,category,price\n85123A,home,2.55\n71053,toys,3.39\n22086,home,2.55\n", to: "items.csv", in: dir)
        TestSupport.write(tags, to: "tags.lua", in: dir)
        TestSupport.write(filters, to: "filters.lua", in: dir)
        TestSupport.write(promotions, to: "promotions.lua", in: dir)
        let yaml =
            ((try? String(contentsOfFile: p, encoding: .utf8)) ?? "") + """

                  items: { uses: ingest, with: { path: items.csv } }
                  segments: { uses: cluster, input: features, with: { k: 2, columns: [monetary, orders] } }
                  profiles:
                    uses: tag
                    inputs: { features: features, segments: segments }
                    with: { script: tags.lua }
                  matrix: { uses: encode, inputs: { events: lines }, with: { binarize: true } }
                  pop: { uses: popular, input: matrix }
                  recs:
                    uses: rank
                    inputs: { candidates: [pop], \(rank) }
                    with: { filters: filters.lua, promotions: promotions.lua }
                """
        return TestSupport.write(yaml, to: "p.yaml", in: dir)
    }

    @Test func unknownFieldsInTagAndRankRulesAreLocatedErrors() async {
        let p = Self.project(
            tags: """
                tag("bulk", function(u)
                  return u.avg_quantity > 5 or u.monetry > 100
                end)
                tag("ok", function(u) return u.segment_name == "x" and u.return_rate > 0 and u:has_tag("y") end)
                """,
            filters: """
                filter("cat", function(u, item)
                  local it = item
                  return it.categroy ~= "toys" and u.tags ~= nil
                end)
                """,
            promotions: """
                promote{ name = "cheap", boost = 1.2, when = function(u, item) return item["pricee"] < 3 end }
                """)
        let dir = (p as NSString).deletingLastPathComponent
        let r = await recpipe("validate", p)
        #expect(r.code == 2, "\(r.out)\(r.err)")
        #expect(
            r.err.contains(
                "\(dir)/tags.lua:2:12: error: tag 'bulk' reads u.avg_quantity, but the user records have no field 'avg_quantity'"
            ),
            "\(r.err)")
        #expect(r.err.contains("(the features of stage 'features' joined with the segments of 'segments'"), "\(r.err)")
        #expect(r.err.contains("tags.lua:2:34: error: tag 'bulk' reads u.monetry"), "\(r.err)")
        #expect(r.err.contains("did you mean 'monetary'? user fields: user_id, "), "\(r.err)")
        #expect(
            r.err.contains(
                "filters.lua:3:13: error: filter 'cat' reads it.categroy, but the item records have no field 'categroy'"
            ), "\(r.err)")
        #expect(r.err.contains("did you mean 'category'? item fields: item_id, category, price"), "\(r.err)")
        #expect(r.err.contains("promotions.lua:1:76: error: promote 'cheap' reads item.pricee"), "\(r.err)")
        #expect(r.err.contains("did you mean 'price'?"), "\(r.err)")
        #expect(r.err.contains("4 errors"), "\(r.err)")
        #expect(!r.err.contains("reads u.segment_name") && !r.err.contains("reads u.return_rate"))
        #expect(!r.err.contains("reads u.tags"), "rank's profiles come from the tag stage, which adds tags")
    }

    @Test func withoutItemsOrProfilesInputsRulesSeeOnlyTheIds() async {
        let p = Self.project(
            tags: "tag(\"t\", function(u) return u.orders > 1 end)\n",
            filters: "filter(\"f\", function(u, item) return item.category ~= nil and u.orders ~= nil end)\n",
            promotions:
                "bury{ name = \"b\", when = function(u, item) return item.item_id == \"x\" and u.user_id == \"y\" end }\n",
            rank: "seen: matrix")
        let r = await recpipe("validate", p)
        #expect(r.code == 2, "\(r.err)")
        #expect(
            r.err.contains(
                "filters.lua:1:43: error: filter 'f' reads item.category, but the item records have no field 'category' "
                    + "('recs' has no items input, so only item_id)"), "\(r.err)")
        #expect(r.err.contains("filters.lua:1:65: error: filter 'f' reads u.orders"), "\(r.err)")
        #expect(r.err.contains("2 errors"), "\(r.err)")
    }

    @Test func inlineTagRulesAreLocatedInTheYAML() async {
        let p = Self.project(tags: "", filters: "", promotions: "")
        var yaml = (try? String(contentsOfFile: p, encoding: .utf8)) ?? ""
        yaml = yaml.replacingOccurrences(
            of: "with: { script: tags.lua }",
            with: """
                with:
                      inline: |
                        tag("x", function(u)
                          return u.recency > 30
                        end)
                """)
        TestSupport.write(yaml, to: "p.yaml", in: (p as NSString).deletingLastPathComponent)
        let r = await recpipe("validate", p)
        #expect(r.code == 2, "\(r.err)")
        let line =
            yaml.split(separator: "\n", omittingEmptySubsequences: false).firstIndex { $0.contains("u.recency") }! + 1
        #expect(r.err.contains("p.yaml:\(line):20: error: tag 'x' reads u.recency"), "\(r.err)")
        #expect(r.err.contains("did you mean 'recency_days'?"), "\(r.err)")
    }

    @Test func rulesCheckHoldsReadsAgainstAPipelinesColumns() async {
        let p = Self.project(
            tags: "tag(\"t\", function(u) return u.ordres > 1 end)\n",
            filters: "filter(\"f\", function(u, item) return true end)\n",
            promotions: "")
        let dir = (p as NSString).deletingLastPathComponent
        let plain = await recpipe("rules", "check", dir + "/tags.lua")
        #expect(plain.code == 0, "\(plain.err)")
        let r = await recpipe("rules", "check", dir + "/tags.lua", "--pipeline", p)
        #expect(r.code == 2, "\(r.out)")
        #expect(r.err.contains("tags.lua:1:31: error: tag 't' reads u.ordres"), "\(r.err)")
        #expect(r.err.contains("did you mean 'orders'?"), "\(r.err)")
        let fields = await recpipe("rules", "check", dir + "/tags.lua", "--user-fields", "user_id,orders")
        #expect(
            fields.code == 2 && fields.err.contains("did you mean 'orders'? user fields: user_id, orders"),
            "\(fields.err)")
        let clean = await recpipe("rules", "check", dir + "/filters.lua", "--pipeline", p)
        #expect(clean.code == 0 && clean.out.contains("filters.lua: ok, 1 rule"), "\(clean.err)")
        let both = await recpipe("rules", "check", dir + "/filters.lua", "--pipeline", p, "--user-fields", "x")
        #expect(both.code != 0 && both.err.contains("not both"), "\(both.err)")
        let elsewhere = await recpipe("rules", "check", dir + "/promotions.lua", "--pipeline", p)
        #expect(elsewhere.code == 0, "promotions.lua is loaded by recs: \(elsewhere.err)")
        TestSupport.write("tag(\"z\", function(u) return true end)\n", to: "other.lua", in: dir)
        let unloaded = await recpipe("rules", "check", dir + "/other.lua", "--pipeline", p)
        #expect(
            unloaded.code == 2 && unloaded.err.contains("no stage of '\(p)' loads '\(dir)/other.lua'"),
            "\(unloaded.err)")
    }

    @Test func rankAndEvaluateDeclareTheirColumns() async throws {
        let p = Self.project(tags: "", filters: "", promotions: "")
        let yaml =
            try String(contentsOfFile: p, encoding: .utf8)
            .replacingOccurrences(
                of: "with: { filters: filters.lua", with: "with: { item_columns: [category], filters: filters.lua")
            + "\n  holdout: { uses: split, input: matrix, with: { method: holdout, test_fraction: 0.5 } }"
            + "\n  quality: { uses: evaluate, inputs: { split: holdout, models: [pop] } }\n"
        TestSupport.write(yaml, to: "p.yaml", in: (p as NSString).deletingLastPathComponent)
        let recs = await recpipe("columns", p, "recs")
        #expect(recs.code == 0, "\(recs.err)")
        let names = recs.out.split(separator: "\n").dropFirst().map {
            $0.split(separator: " ").first.map(String.init) ?? ""
        }
        #expect(names == ["user_id", "rank", "item_id", "category", "score", "provenance"], "\(recs.out)")
        let quality = await recpipe("columns", p, "quality")
        #expect(quality.out.contains("quality (evaluate):\n  model "), "\(quality.out)\(quality.err)")
        #expect(quality.out.contains("\n  value   float "), "\(quality.out)")
        let matrix = await recpipe("columns", p, "matrix")
        #expect(matrix.code == 2 && matrix.err.contains("cluster, tag, rank and evaluate"), "\(matrix.err)")
    }

    @Test func shippedPipelinesStillValidate() async throws {
        let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().path
        let dir = TestSupport.temporaryDirectory("rule-fields-shipped")
        try FileManager.default.copyItem(atPath: repo + "/pipelines", toPath: dir + "/pipelines")
        let data = await recpipe(
            "demo-data", "--out", dir + "/data/demo", "--users", "50", "--items", "30", "--events", "600")
        #expect(data.code == 0, "\(data.err)")
        let demo = await recpipe("validate", dir + "/pipelines/demo.yaml")
        #expect(demo.code == 0, "\(demo.err)")
        // Online Retail's header, as published (the rules' reads are checked against it).
        let header = "InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country\n"
        let csv = TestSupport.write(
            header + "536365,85123A,WHITE HANGING HEART,6,2010-12-01 08:26:00,2.55,17850.0,United Kingdom\n",
            to: "retail.csv", in: dir)
        let retail = await recpipe("validate", dir + "/pipelines/online-retail.yaml", "--set", "vars.file=\(csv)")
        #expect(retail.code == 0, "\(retail.err)")
    }
}
