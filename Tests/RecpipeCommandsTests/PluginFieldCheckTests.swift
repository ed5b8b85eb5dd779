import Foundation
import RecpipeTestSupport
import Testing

/// Issue 16: `validate` holds the fields a plugin reads against what the stage binds: map's and
/// aggregate's `row` = the data input's columns, aggregate `finish`'s key = the `by` columns,
/// candidates' `u`, `ctx`, `ctx.items[id]` and `ctx.neighbors[id]`, and a rank `score` plugin's
/// `u` and `item`. Each unknown field is an error at its file:line:col, all reported at once.
@Suite struct PluginFieldCheckTests {
    static let amounts = """
        map{
          name = "amounts",
          columns = { "amount:float" },
          fn = function(row)
            return { amount = row.quantty * row["price"] }
          end,
        }
        """

    static let daily = """
        aggregate{
          name = "daily",
          by = { "user_id", "event" },
          columns = { "n:int", "first:string" },
          init = function() return { n = 0 } end,
          step = function(acc, row)
            acc.n = acc.n + row.qty
            acc.first = acc.first or row.item_id
          end,
          finish = function(acc, key)
            return { n = acc.n, first = key.user_id .. key.item_id }
          end,
        }
        """

    static let together = """
        candidates{
          name = "together",
          fn = function(u, ctx)
            local out = {}
            for _, id in ipairs(u.items) do
              local n = ctx.neighbors[id]
              local title = ctx.items[id].titel
              if n and u.monetary and ctx.param then out[#out + 1] = { n.items[1], n.score[1] } end
            end
            return out
          end,
        }
        """

    static let margin = """
        score{
          name = "margin",
          fn = function(u, item, score)
            if item.categry == "bags" and u.segment then return score * 1.12 end
            return score
          end,
        }
        """

    static let stages = """
          amounts: { uses: lua, inputs: { data: events }, with: { script: amounts.lua } }
          daily: { uses: lua, inputs: { data: events }, with: { script: daily.lua } }
          matrix: { uses: encode, inputs: { events: events }, with: { weights: { view: 1, purchase: 5 } } }
          together:
            uses: lua
            inputs: { seen: matrix, neighbors: matrix, items: items }
            with: { script: together.lua, output: candidates }
          recs:
            uses: rank
            inputs: { candidates: [together], items: items, seen: matrix }
            with: { promotions: margin.lua }
        """

    static func project(_ name: String, _ plugins: [String: String]) -> (pipeline: String, dir: String) {
        let p = LuaPluginCLITests.project(name, plugins: plugins, stages: stages)
        return (p, (p as NSString).deletingLastPathComponent)
    }

    @Test func everyPluginKindsUnknownFieldsAreLocatedErrorsAllAtOnce() async {
        let (p, dir) = Self.project(
            "plugin-fields",
            [
                "amounts.lua": Self.amounts, "daily.lua": Self.daily, "together.lua": Self.together,
                "margin.lua": Self.margin,
            ])
        let r = await recpipe("validate", p)
        #expect(r.code == 2, "\(r.out)\(r.err)")
        let row = "a row of the data input (stage 'events') has no field"
        let rowHint = "row fields: user_id, item_id, event, timestamp, quantity, price"
        let expected = [
            "\(dir)/amounts.lua:5:27: error: plugin 'amounts' reads row.quantty, but \(row) 'quantty' "
                + "(see `recpipe columns PIPELINE events`)",
            "hint: did you mean 'quantity'? \(rowHint)",
            "\(dir)/daily.lua:7:25: error: plugin 'daily' reads row.qty, but \(row) 'qty'",
            "hint: \(rowHint)",
            "\(dir)/daily.lua:11:52: error: plugin 'daily' reads key.item_id, but the group key has no field 'item_id' "
                + "(the key holds the `by` columns)",
            "hint: did you mean 'user_id'? key fields: user_id, event",
            "\(dir)/together.lua:7:35: error: plugin 'together' reads ctx.items[…].titel, but an item of ctx.items "
                + "has no field 'titel' (the items input is stage 'items'; see `recpipe columns PIPELINE items`)",
            "hint: did you mean 'title'? item fields: item_id, title, category",
            "\(dir)/together.lua:8:18: error: plugin 'together' reads u.monetary, but u has no field 'monetary' "
                + "('together' has no users input, so only user_id and items)",
            "hint: user fields: user_id, items",
            "\(dir)/together.lua:8:35: error: plugin 'together' reads ctx.param, but ctx has no field 'param'",
            "hint: did you mean 'params'? ctx fields: as_of, params, items, neighbors",
            "\(dir)/together.lua:8:78: error: plugin 'together' reads n.score, but an entry of ctx.neighbors has no "
                + "field 'score' (ctx.neighbors[id] = { items = {…}, scores = {…} })",
            "hint: did you mean 'scores'? neighbor list fields: items, scores",
            "\(dir)/margin.lua:4:13: error: plugin 'margin' reads item.categry, but the item records have no field "
                + "'categry' (the items input is stage 'items'",
            "hint: did you mean 'category'? item fields: item_id, title, category",
            "\(dir)/margin.lua:4:37: error: plugin 'margin' reads u.segment, but the user records have no field "
                + "'segment' ('recs' has no profiles input, so only user_id)",
        ]
        for line in expected { #expect(r.err.contains(line), "\(line)\n---\n\(r.err)") }
        #expect(r.err.contains("p.yaml: 9 errors; nothing was run"), "\(r.err)")
        // Not reads of a record: the accumulator, `row.item_id` (a column), `key.user_id`, `u.items`, `n.items`.
        #expect(!r.err.contains("reads acc.") && !r.err.contains("reads row.item_id"), "\(r.err)")
        #expect(!r.err.contains("reads key.user_id") && !r.err.contains("reads n.items"), "\(r.err)")
    }

    @Test func correctReadsThroughAliasesAndMethodsPass() async {
        let together = """
            local function best(u, ctx)
              local out, it = {}, nil
              for k = 1, #u.items do
                local id = u.items[k]
                it = ctx.items[id]
                local n = ctx.neighbors[id]
                if n and not u:seen(n.items[1]) and it.category == "home" then
                  out[#out + 1] = { n.items[1], n.scores[1] + #ctx.as_of }
                end
              end
              return out
            end
            candidates{ name = "together", fn = best }
            """
        let daily = """
            aggregate{ name = "daily", by = { "user_id" }, columns = { "n:int" }, init = 0,
              step = function(acc, row) return acc + row.quantity end,
              finish = function(acc, user) return { n = acc } end }
            """
        let (p, _) = Self.project(
            "plugin-fields-ok",
            [
                "amounts.lua": Self.amounts.replacingOccurrences(of: "quantty", with: "quantity"),
                "daily.lua": daily, "together.lua": together,
                "margin.lua": "score{ name = \"m\", fn = function(u, item, s) return item.category and s end }",
            ])
        let r = await recpipe("validate", p)
        #expect(r.code == 0, "\(r.err)")
    }

    @Test func rulesCheckHoldsAPluginAgainstItsStage() async {
        let (p, dir) = Self.project(
            "plugin-fields-check",
            [
                "amounts.lua": Self.amounts, "daily.lua": Self.daily, "together.lua": Self.together,
                "margin.lua": Self.margin,
            ])
        let r = await recpipe("rules", "check", dir + "/together.lua", "--pipeline", p)
        #expect(r.code == 2, "\(r.out)\(r.err)")
        #expect(r.err.contains("together.lua:7:35: error: plugin 'together' reads ctx.items[…].titel"), "\(r.err)")
        #expect(r.err.contains("together.lua:8:78: error: plugin 'together' reads n.score"), "\(r.err)")
        #expect(!r.err.contains("amounts.lua") && !r.err.contains("margin.lua"), "\(r.err)")
        TestSupport.write(
            Self.amounts.replacingOccurrences(of: "quantty", with: "quantity"), to: "amounts.lua", in: dir)
        let ok = await recpipe("rules", "check", dir + "/amounts.lua", "--pipeline", p)
        #expect(ok.code == 0 && ok.out.contains("amounts.lua: ok, 1 plugin"), "\(ok.out)\(ok.err)")
    }
}
