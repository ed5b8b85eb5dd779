import Testing

@testable import RecpipeScripting

/// The static scan of record fields rules read (`RuleSourceScan.fieldReads`): what counts as a
/// read of which parameter, with exact lines and columns, and what is skipped rather than guessed.
@Suite struct FieldReadScanTests {
    /// `kind rule param object.field @line:col` per read, for compact expectations.
    static func reads(_ source: String) -> [String] {
        RuleSourceScan.fieldReads(in: source).map {
            "\($0.ruleKind) \($0.rule ?? "?") \($0.parameter) \($0.object).\($0.field) @\($0.line):\($0.column)"
        }
    }

    @Test func readsThroughRuleParametersWithLineAndColumn() {
        let source = """
            tag("big", function(u)
              return u.avg_quantity > 5 and u["monetary"] >= 100
            end)
            filter("cat", function(u, item) return item.categroy ~= u.top_category end)
            """
        #expect(
            Self.reads(source) == [
                "tag big 0 u.avg_quantity @2:12",
                "tag big 0 u.monetary @2:35",
                "filter cat 1 item.categroy @4:45",
                "filter cat 0 u.top_category @4:59",
            ])
    }

    @Test func promotionTablesAndFunctionsPassedByName() {
        let source = """
            local function christmas(u, item)
              return string.find(item.description, "CHRISTMAS", 1, true) ~= nil
            end
            promote{ name = "xmas", boost = 1.3, when = christmas }
            bury{ name = "old", when = function(u, it) return it.age_days > 90 end }
            pin{ name = "welcome", items = { "A" }, when = function(u) return u:has_tag("new") end }
            """
        #expect(
            Self.reads(source) == [
                "promote xmas 1 item.description @2:27",
                "bury old 1 it.age_days @5:54",
            ])
    }

    @Test func simpleLocalAliasesAreFollowed() {
        let source = """
            filter("f", function(u, item)
              local c, p = item, u
              local n <const> = u
              return c.stock > 0 and p.monetary > 1 and n.recency_days < 9
            end)
            """
        #expect(
            Self.reads(source) == [
                "filter f 1 c.stock @4:12",
                "filter f 0 p.monetary @4:28",
                "filter f 0 n.recency_days @4:47",
            ])
    }

    @Test func shadowedReassignedAndUnrelatedNamesAreNotGuessed() {
        let source = """
            local cfg = { limit = 3 }
            local function helper(u) return u.anything end
            tag("t", function(u)
              local x = u.orders or 0           -- not an alias: an expression
              local m = u and 1                 -- not an alias either
              for _, item in ipairs({}) do local _ = item.nope end
              local ok = (function(u) return u.inner end)()
              x = cfg.limit + m.y + x.z
              return ok
            end)
            tag("s", function(u) u = { fake = 1 }; return u.fake end)
            -- tag("c", function(u) return u.commented end)
            local text = "tag('q', function(u) return u.quoted end)"
            """
        #expect(Self.reads(source) == ["tag t 0 u.orders @4:15"])
    }

    @Test func methodsAndNestedFieldsAreNotReadsOfTheRecord() {
        let source = """
            filter("m", function(u, item)
              return u:purchased(item.item_id) and not u:seen(item.item_id) and ctx.params.u.x
            end)
            """
        #expect(
            Self.reads(source) == [
                "filter m 1 item.item_id @2:27",
                "filter m 1 item.item_id @2:56",
            ])
    }

    @Test func nameSegmentRulesReadTheSegment() {
        let source = """
            name_segment("Big spenders", function(s) return s.monetary > 1000 and s.share < 0.2 end)
            """
        #expect(
            Self.reads(source) == [
                "name_segment Big spenders 0 s.monetary @1:51",
                "name_segment Big spenders 0 s.share @1:73",
            ])
    }

    @Test func longStringsAndCommentsKeepColumnsRight() {
        let source = "--[[ a\nlong comment ]] tag(\"x\", function(u) return u.a end)\n"
        #expect(Self.reads(source) == ["tag x 0 u.a @2:47"])
        #expect(Self.reads("") == [])
        #expect(Self.reads("tag(") == [])
    }

    /// `kind slot param path object.field @line:col`, for plugins.
    static func pluginReads(_ source: String) -> [String] {
        RuleSourceScan.fieldReads(in: source).map {
            "\($0.ruleKind) \($0.slot ?? "-") \($0.parameter) [\($0.path.joined(separator: ","))] "
                + "\($0.object).\($0.field) @\($0.line):\($0.column)"
        }
    }

    @Test func pluginFunctionsCarryTheirKeyAndReadsInsideParametersTheirPath() {
        let source = """
            aggregate{ by = { "user_id" }, step = function(acc, row) acc.n = row.qty end,
              finish = function(acc, key) return { a = key.day } end }
            candidates{ fn = function(u, ctx)
              local it, n = ctx.items[u.items[1]], ctx.neighbors["A"]
              local s = n.scores
              u.x = ctx.items[1]["title"] .. it.brand .. s.first .. n.items[2]
            end }
            """
        #expect(
            Self.pluginReads(source) == [
                "aggregate step 1 [] row.qty @1:70",
                "aggregate finish 1 [] key.day @2:48",
                "candidates fn 1 [] ctx.items @4:21",
                "candidates fn 0 [] u.items @4:29",
                "candidates fn 1 [] ctx.neighbors @4:44",
                "candidates fn 1 [neighbors] ctx.neighbors.A @4:54",
                "candidates fn 1 [neighbors,A] n.scores @5:15",
                "candidates fn 1 [] ctx.items @6:13",
                "candidates fn 1 [items,[]] ctx.items[…].title @6:22",
                "candidates fn 1 [items,[]] it.brand @6:37",
                "candidates fn 1 [neighbors,A,scores] s.first @6:48",
                "candidates fn 1 [neighbors,A] n.items @6:59",
            ])
    }
}
