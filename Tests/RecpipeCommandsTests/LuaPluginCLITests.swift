import Foundation
import RecpipeTestSupport
import Testing

/// Issue 16: `lua` stages running one plugin (`map`, `aggregate`, `candidates`) with the rule
/// sandbox's guarantees: exact outputs on hand-checked data, the counts in the summary, the same
/// bytes for any `--jobs`, and located errors naming the plugin and the row, group or user.
@Suite struct LuaPluginCLITests {
    static let events = """
        user_id,item_id,event,timestamp,quantity,price
        U1,A,view,2026-10-01 10:00:00,1,5.0
        U1,A,purchase,2026-10-01 10:05:00,2,5.0
        U1,B,purchase,2026-10-01 10:20:00,1,3.5
        U1,C,view,2026-10-01 12:00:00,1,9.0
        U2,B,purchase,2026-10-02 09:00:00,3,3.5
        U2,C,purchase,2026-10-02 09:10:00,1,9.0
        U3,A,purchase,2026-10-03 08:00:00,1,5.0
        U3,D,view,2026-10-03 08:01:00,1,2.0

        """

    static let schema = """
        schema:
                  user_id: string
                  item_id: string
                  event: string
                  timestamp: { type: timestamp, format: "%Y-%m-%d %H:%M:%S" }
                  quantity: int
                  price: float
        """

    /// A folder with the events, the plugin files and a pipeline whose stages are `stages`.
    static func project(_ name: String, plugins: [String: String], stages: String, events: String = events) -> String {
        let dir = TestSupport.temporaryDirectory(name)
        TestSupport.write(events, to: "events.csv", in: dir)
        TestSupport.write(
            "item_id,title,category\nA,Apron,home\nB,Bowl,home\nC,Cap,bags\nD,Dice,toys\n", to: "items.csv", in: dir)
        for (file, text) in plugins { TestSupport.write(text, to: file, in: dir) }
        return TestSupport.write(
            """
            pipeline: plugins
            as_of: "2026-11-01"
            seed: 7
            stages:
              events:
                uses: ingest
                with:
                  path: events.csv
                  \(schema)
              items: { uses: ingest, with: { path: items.csv } }
            \(stages)
            """, to: "p.yaml", in: dir)
    }

    static func exported(_ p: String, _ file: String) throws -> String {
        let dir = (p as NSString).deletingLastPathComponent
        return try String(contentsOfFile: dir + "/out/" + file, encoding: .utf8)
    }

    static let amounts = """
        map{
          name = "amounts",
          columns = { "user_id:string", "item_id:string", "amount:float", "big:bool" },
          fn = function(row)
            if row.event ~= "purchase" then return nil end
            local amount = row.quantity * row.price
            return { user_id = row.user_id, item_id = row.item_id, amount = amount, big = amount >= 10 }
          end,
        }
        """

    @Test func mapTransformsAndFiltersRowsAndCountsTheDropped() async throws {
        let p = Self.project(
            "plugin-map", plugins: ["amounts.lua": Self.amounts],
            stages: """
                  amounts: { uses: lua, inputs: { data: events }, with: { script: amounts.lua } }
                  out: { uses: export, inputs: { data: [amounts] }, with: { to: out, formats: [csv] } }
                """)
        let r = await recpipe("run", p)
        #expect(r.code == 0, "\(r.err)")
        #expect(r.out.contains("rows_dropped_by_map 3"), "\(r.out)")
        #expect(
            r.out.contains("map 'amounts' (amounts.lua:1): 8 rows in, 5 out, 3 dropped (fn returned nil)"), "\(r.out)")
        let csv = try Self.exported(p, "amounts.csv")
        #expect(
            csv == """
                user_id,item_id,amount,big
                U1,A,10.0,true
                U1,B,3.5,false
                U2,B,10.5,true
                U2,C,9.0,false
                U3,A,5.0,false

                """, "\(csv)")
    }

    static let sessions = """
        local GAP = 30 * 60
        aggregate{
          by = { "user_id" },
          columns = { "session:int", "events:int", "minutes:float", "noise:int" },
          init = function() return { times = {} } end,
          step = function(acc, row) acc.times[#acc.times + 1] = row.timestamp end,
          finish = function(acc, user)
            local rows, last, first = {}, nil, nil
            for _, t in ipairs(acc.times) do
              if last == nil or t - last > GAP then
                rows[#rows + 1] = { session = #rows + 1, events = 0, minutes = 0.0, noise = math.random(1, 1000000) }
                first = t
              end
              local s = rows[#rows]
              s.events = s.events + 1
              s.minutes = (t - first) / 60
              last = t
            end
            if user == "U3" then return nil end
            return rows
          end,
        }
        """

    @Test func aggregateGroupsInOrderOfFirstAppearanceAndCountsEmptyGroups() async throws {
        let p = Self.project(
            "plugin-aggregate", plugins: ["sessions.lua": Self.sessions],
            stages: """
                  sessions: { uses: lua, inputs: { data: events }, with: { script: sessions.lua } }
                  out: { uses: export, inputs: { data: [sessions] }, with: { to: out, formats: [csv] } }
                """)
        let r = await recpipe("run", p)
        #expect(r.code == 0, "\(r.err)")
        #expect(r.out.contains("groups 3, groups_without_rows 1"), "\(r.out)")
        let csv = try Self.exported(p, "sessions.csv")
        let lines = csv.split(separator: "\n").map { $0.split(separator: ",").prefix(4).joined(separator: ",") }
        // U1: 10:00, 10:05, 10:20 (one session of 20 min), 12:00 (a second); U2: one of 10 min.
        #expect(lines == ["user_id,session,events,minutes", "U1,1,3,20.0", "U1,2,1,0.0", "U2,1,2,10.0"], "\(csv)")
    }

    @Test func aggregateAndMapGiveTheSameBytesOnOneAndTwoThreads() async throws {
        var events = "user_id,item_id,event,timestamp,quantity,price\n"
        var g = SeededNumbers(seed: 11)
        for i in 0..<6000 {
            let minute = i * 7 + g.next(40)
            let t = String(format: "2026-10-%02d %02d:%02d:00", 1 + minute / 1440 % 28, minute / 60 % 24, minute % 60)
            events +=
                "U\(g.next(700)),\(["A", "B", "C", "D"][g.next(4)]),\(g.next(3) == 0 ? "purchase" : "view"),\(t),1,2.0\n"
        }
        var outputs: [String] = []
        for (jobs, threads) in [("1", "1"), ("2", "2")] {
            let p = Self.project(
                "plugin-jobs", plugins: ["sessions.lua": Self.sessions, "amounts.lua": Self.amounts],
                stages: """
                      sessions: { uses: lua, inputs: { data: events }, with: { script: sessions.lua } }
                      amounts: { uses: lua, inputs: { data: events }, with: { script: amounts.lua } }
                      out: { uses: export, inputs: { data: [sessions, amounts] }, with: { to: out, formats: [csv] } }
                    """, events: events)
            let r = await recpipe("run", p, "--jobs", jobs, "--threads", threads)
            #expect(r.code == 0, "\(r.err)")
            outputs.append(try Self.exported(p, "sessions.csv") + Self.exported(p, "amounts.csv"))
        }
        #expect(outputs[0].split(separator: "\n").count > 1000)
        #expect(outputs[0] == outputs[1])
    }

    static let together = """
        candidates{
          name = "together",
          max = 2,
          fn = function(u, ctx)
            local score = {}
            for _, mine in ipairs(u.items) do
              local n = ctx.neighbors[mine]
              if n then
                for j, id in ipairs(n.items) do
                  if not u:seen(id) and ctx.items[id].category ~= "toys" then
                    score[id] = (score[id] or 0) + n.scores[j]
                  end
                end
              end
            end
            local out = {}
            for id, s in pairs(score) do out[#out + 1] = { id, s } end
            if u.user_id == "U3" then out[#out + 1] = { "NOPE", 1 } end
            return out
          end,
        }
        """

    @Test func candidatesReadNeighborsAndItemsAndBlendInRank() async throws {
        let p = Self.project(
            "plugin-candidates", plugins: ["together.lua": Self.together],
            stages: """
                  matrix: { uses: encode, inputs: { events: events }, with: { weights: { view: 1, purchase: 5 } } }
                  purchases: { uses: encode, inputs: { events: events }, with: { weights: { view: 0, purchase: 1 } } }
                  together:
                    uses: lua
                    inputs: { seen: purchases, neighbors: purchases, items: items }
                    with: { script: together.lua, output: candidates }
                  pop: { uses: popular, input: matrix, with: { candidates: 4 } }
                  recs:
                    uses: rank
                    inputs: { candidates: [together, pop], seen: purchases, items: items }
                    with: { top: 2, blend: { together: 1.0, pop: 0.1 } }
                  out: { uses: export, inputs: { data: [together, recs] }, with: { to: out, formats: [csv] } }
                """)
        let r = await recpipe("run", p)
        #expect(r.code == 0, "\(r.err)")
        // Baskets (here: each user's purchases): U1 {A, B}, U2 {B, C}, U3 {A}, so A is in {U1, U3},
        // B in {U1, U2}, C in {U2}: cos(A,B) = 1/2, cos(B,C) = 1/√2, cos(A,C) = 0.
        // U1 → C (via B) 0.7071; U2 → A (via B) 0.5; U3 → B (via A) 0.5; "NOPE" is dropped and counted.
        // (Scores are stored as Float: 1/√2 → 0.70710677 → 0.7071067690849304 in the csv.)
        let csv = try Self.exported(p, "together.csv")
        #expect(
            csv == """
                user_id,rank,item_id,score,source
                U1,1,C,0.7071067690849304,together
                U2,1,A,0.4999999701976776,together
                U3,1,B,0.4999999701976776,together

                """, "\(csv)")
        #expect(r.out.contains("unknown_items_dropped 1"), "\(r.out)")
        #expect(r.err.contains("1 candidates named no known item and were dropped (first: 'NOPE')"), "\(r.err)")
        let recs = try Self.exported(p, "recs.csv")
        #expect(recs.contains("U1,1,C,"), "\(recs)")
    }

    @Test(arguments: [
        (
            "map{ columns = {\"n:int\"}, fn = function(row)\n  return { n = row.quantity / 0 }\nend }",
            "plugin.lua:1:1: column 'n' is declared int, but the row has a number inf (plugin 'map', row 1)"
        ),
        (
            "map{ columns = {\"total:float\"}, fn = function(row)\n  return { totl = 1.0 }\nend }",
            "the row has field 'totl', which is not a declared column (total:float); did you mean 'total'? (plugin 'map', row 1)"
        ),
        (
            "map{ columns = {\"n:int\"}, fn = function(row)\n  return { n = row.quantity + nil }\nend }",
            "plugin.lua:2:1: attempt to perform arithmetic on a nil value (plugin 'map', row 1)"
        ),
        (
            "map{ columns = {\"n:int\"}, fn = function(row)\n  while true do end\nend }",
            "instruction budget of 1000000 instructions exceeded"
        ),
        (
            "aggregate{ by = \"user_id\", columns = {\"n:int\"}, init = 0,\n  step = function(acc, row) return acc + row.price end,\n"
                + "  finish = function(acc) return { n = acc } end }",
            "plugin.lua:1:1: column 'n' is declared int, but the row has a number 22.5 (plugin 'aggregate', group 'U1')"
        ),
        (
            "map{ columns = {\"n:integer\"}, fn = function(row) end }",
            "plugin.lua:1:1: error: map 'map': column 'n' has unknown type 'integer'"
        ),
        ("tag(\"x\", function(u) return true end)", "the script registers no plugin"),
        (
            "map{ columns = {\"n:int\"}, fn = function(row) end }\naggregate{ by = \"user_id\", columns = {\"n:int\"}, step = function() end }",
            "plugin.lua:2:1: error: aggregate{}: a script registers exactly one plugin; map 'map' is already registered at line 1"
        ),
    ])
    func pluginErrorsAreLocatedAndNameThePlugin(script: String, expected: String) async throws {
        let p = Self.project(
            "plugin-errors", plugins: ["plugin.lua": script],
            stages: "  x: { uses: lua, inputs: { data: events }, with: { script: plugin.lua } }\n")
        let r = await recpipe("run", p)
        #expect(r.code != 0)
        #expect(r.err.contains(expected), "\(r.err)")
    }

    @Test func skipRecordCountsTheRowsAPluginFailsOn() async throws {
        // A computed field name: `validate` cannot know it (a literal `row.nope` is a validate error).
        let script =
            "map{ columns = {\"n:float\"}, fn = function(row)\n  return { n = row.event == \"view\" and row[\"no\" .. \"pe\"] or row.price }\nend }"
        let p = Self.project(
            "plugin-skip", plugins: ["plugin.lua": script],
            stages:
                "  x: { uses: lua, inputs: { data: events }, with: { script: plugin.lua, on_error: skip_record } }\n")
        let r = await recpipe("run", p)
        #expect(r.code == 0, "\(r.err)")
        #expect(r.out.contains("rows_skipped_on_error 3"), "\(r.out)")
        #expect(r.err.contains("3 rows skipped after plugin errors"), "\(r.err)")
        #expect(r.err.contains("unknown field 'nope'"), "\(r.err)")
    }

    @Test func theOutputParameterMustMatchThePlugin() async throws {
        let p = Self.project(
            "plugin-output", plugins: ["together.lua": Self.together],
            stages: """
                  matrix: { uses: encode, inputs: { events: events }, with: { weights: { view: 1, purchase: 5 } } }
                  together: { uses: lua, inputs: { seen: matrix }, with: { script: together.lua } }
                """)
        let r = await recpipe("run", p)
        #expect(r.code != 0)
        #expect(
            r.err.contains(
                "candidates 'together' (together.lua:1) makes candidates, but the stage says `output: table`"),
            "\(r.err)")
        #expect(r.err.contains("set `output: candidates`"), "\(r.err)")
    }

    @Test func validateChecksThePluginBeforeAnythingRuns() async throws {
        let agg = "aggregate{ by = { \"usr_id\" }, columns = { \"n:int\" }, step = function(acc, row) end }"
        let p = Self.project(
            "plugin-validate", plugins: ["agg.lua": agg, "together.lua": Self.together, "amounts.lua": Self.amounts],
            stages: """
                  matrix: { uses: encode, inputs: { events: events }, with: { weights: { view: 1, purchase: 5 } } }
                  sessions: { uses: lua, inputs: { data: events }, with: { script: agg.lua } }
                  together: { uses: lua, inputs: { seen: matrix }, with: { script: together.lua } }
                  lonely: { uses: lua, with: { script: amounts.lua } }
                """)
        let r = await recpipe("validate", p)
        #expect(r.code == 2)
        #expect(
            r.err.contains("stage 'sessions': aggregate `by` names column 'usr_id', which its input does not have"),
            "\(r.err)")
        #expect(r.err.contains("did you mean 'user_id'?"), "\(r.err)")
        #expect(
            r.err.contains(
                "candidates 'together' (together.lua:1) makes candidates, but the stage says `output: table`"),
            "\(r.err)")
        #expect(r.err.contains("map 'amounts' (amounts.lua:1) needs rows: connect a `data` input"), "\(r.err)")
    }

    @Test func aPluginInARankOrTagScriptIsAnErrorNotIgnored() async throws {
        let p = Self.project(
            "plugin-in-rank", plugins: ["amounts.lua": Self.amounts],
            stages: """
                  matrix: { uses: encode, inputs: { events: events }, with: { weights: { view: 1, purchase: 5 } } }
                  pop: { uses: popular, input: matrix }
                  recs: { uses: rank, inputs: { candidates: [pop] }, with: { filters: amounts.lua } }
                """)
        let r = await recpipe("validate", p)
        #expect(r.code == 2)
        #expect(
            r.err.contains(
                "amounts.lua:1:1: error: filters: map 'amounts' is a plugin; rank runs filter, promote, pin and bury rules"
            ), "\(r.err)")
    }

    static let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().path

    @Test func theShippedPluginsPassTheirRuleTests() async throws {
        for name in ["sessionize", "bought_together", "baskets"] {
            let r = await recpipe("rules", "test", Self.repo + "/pipelines/plugins/\(name)_test.lua")
            #expect(r.code == 0, "\(name): \(r.out)\n\(r.err)")
            #expect(r.out.contains("0 failed"), "\(r.out)")
        }
        let check = await recpipe("rules", "check", Self.repo + "/pipelines/plugins/sessionize.lua")
        #expect(check.code == 0, "\(check.err)")
        #expect(check.out.contains("sessionize.lua: ok, 1 plugin\n  aggregate sessionize  line 6"), "\(check.out)")
    }

    @Test func ruleTestsOfAPluginShowTheDifference() async throws {
        let dir = TestSupport.temporaryDirectory("plugin-rules-test")
        TestSupport.write(Self.amounts, to: "amounts.lua", in: dir)
        TestSupport.write(
            """
            case{ name = "right", rows = { { user_id = "U1", item_id = "A", event = "purchase", quantity = 2, price = 5 } },
                  expect_rows = { { user_id = "U1", item_id = "A", amount = 10, big = true } } }
            case{ name = "wrong", rows = { { user_id = "U1", item_id = "A", event = "purchase", quantity = 1, price = 5 } },
                  expect_rows = { { user_id = "U1", item_id = "A", amount = 6, big = false } } }
            case{ name = "dropped", rows = { { event = "view" } }, expect_rows = {} }
            """, to: "amounts_test.lua", in: dir)
        let r = await recpipe("rules", "test", dir + "/amounts_test.lua")
        #expect(r.code == 1)
        #expect(r.out.contains("PASS right"), "\(r.out)")
        #expect(r.out.contains("PASS dropped"), "\(r.out)")
        #expect(r.out.contains("FAIL wrong"), "\(r.out)")
        #expect(
            r.out.contains(
                "row 1: expected {amount = 6, big = false, item_id = \"A\", user_id = \"U1\"} but got {amount = 5.0, big = false, item_id = \"A\", user_id = \"U1\"}"
            ),
            "\(r.out)")
        #expect(r.out.contains("2 passed, 1 failed"), "\(r.out)")
    }

    @Test func aScorePluginReScoresInRankWithProvenance() async throws {
        // Items: A home, B home, C bags, D toys. The re-scorer lifts bags by 1.12 and sets toys to 0.
        let margin = """
            score{
              name = "margin",
              fn = function(u, item, score)
                if item.category == "bags" then return score * 1.12 end
                if item.category == "toys" then return 0 end
                return score
              end,
            }
            """
        let p = Self.project(
            "plugin-score", plugins: ["margin.lua": margin],
            stages: """
                  matrix: { uses: encode, inputs: { events: events }, with: { weights: { view: 1, purchase: 5 } } }
                  pop: { uses: popular, input: matrix, with: { candidates: 4 } }
                  recs:
                    uses: rank
                    inputs: { candidates: [pop], items: items, seen: matrix }
                    with: { top: 2, promotions: margin.lua, exclude_seen: false }
                  out: { uses: export, inputs: { data: [recs] }, with: { to: out, formats: [csv] } }
                """)
        let r = await recpipe("run", p)
        #expect(r.code == 0, "\(r.err)")
        #expect(r.out.contains("plugin score 'margin' (margin.lua:1): re-scored"), "\(r.out)")
        // Popular candidates are the unseen items (normalized 1.0 for a single item): U1 saw A, B, C
        // → D (toys, ×0); U2 saw B, C → A, D; U3 saw A, D → C (bags, ×1.12) ahead of B.
        let recs = try Self.exported(p, "recs.csv")
        #expect(
            recs == """
                user_id,rank,item_id,score,provenance
                U1,1,D,0.0,pop 1.00 → 1.00; margin ×0
                U2,1,A,1.0,pop 1.00 → 1.00
                U2,2,D,0.0,pop 0.00 → 0.00
                U3,1,C,1.1200000047683716,pop 1.00 → 1.00; margin ×1.12
                U3,2,B,1.0,pop 1.00 → 1.00

                """, "\(recs)")
        let explain = await recpipe("recommend", p, "--user", "U3", "--explain")
        #expect(explain.code == 0, "\(explain.err)")
        #expect(explain.out.contains("margin ×1.12"), "\(explain.out)")
    }
}

/// A tiny deterministic generator for test data.
struct SeededNumbers {
    var state: UInt64
    init(seed: UInt64) { state = seed &* 0x9E37_79B9_7F4A_7C15 | 1 }
    mutating func next(_ n: Int) -> Int {
        state ^= state << 13
        state ^= state >> 7
        state ^= state << 17
        return Int(state % UInt64(n))
    }
}
