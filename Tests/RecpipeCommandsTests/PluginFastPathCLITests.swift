import Foundation
import RecpipeTestSupport
import Testing

/// The candidates stage's fast paths change no output: on seeded random purchases the shipped
/// `bought_together` (a `ctx.scores()` table), the same model with a plain Lua table and
/// `u:seen(id)` (answered in C), and again with a Lua set built from `u.items` (no host set at
/// all) give byte-identical candidates, for one and two jobs.
@Suite struct PluginFastPathCLITests {
    static let withSet = """
        candidates{
          name = "bought_together",
          max = 50,
          fn = function(u, ctx)
            local score, mine, have = {}, u.items, {}
            for _, id in ipairs(mine) do have[id] = true end
            for k = 1, math.min(#mine, 30) do
              local n = ctx.neighbors[mine[k]]
              if n then
                for j = 1, #n.items do
                  local id = n.items[j]
                  if not have[id] then score[id] = (score[id] or 0) + n.scores[j] end
                end
              end
            end
            local out = {}
            for id, s in pairs(score) do out[#out + 1] = { id, s } end
            return out
          end,
        }
        """

    static func events(users: Int, items: Int, seed: UInt64) -> String {
        var state = seed
        func next(_ n: Int) -> Int {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int((state >> 33) % UInt64(n))
        }
        var lines = ["user_id,item_id,event,timestamp,quantity,price"]
        for u in 0..<users {
            let base = next(items)
            for _ in 0..<(1 + next(40)) {
                let item = (base + next(25)) % items
                lines.append("U\(u),I\(item),purchase,2026-10-01 10:00:00,1,1.0")
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    @Test func theThreeWaysOfWritingBoughtTogetherGiveTheSameCandidates() async throws {
        let shipped = try String(
            contentsOfFile: LuaPluginCLITests.repo + "/pipelines/plugins/bought_together.lua", encoding: .utf8)
        let loop = try String(
            contentsOfFile: LuaPluginCLITests.repo + "/scripts/bench/bought_together_loop.lua", encoding: .utf8)
        let p = LuaPluginCLITests.project(
            "plugin-fast-paths", plugins: ["scores.lua": shipped, "loop.lua": loop, "set.lua": Self.withSet],
            stages: """
                  seen: { uses: encode, inputs: { events: events }, with: { target: interactions, binarize: true } }
                  a: { uses: lua, inputs: { seen: seen, neighbors: seen }, with: { script: scores.lua, output: candidates } }
                  b: { uses: lua, inputs: { seen: seen, neighbors: seen }, with: { script: loop.lua, output: candidates } }
                  c: { uses: lua, inputs: { seen: seen, neighbors: seen }, with: { script: set.lua, output: candidates } }
                  out: { uses: export, inputs: { data: [a, b, c] }, with: { to: out, formats: [csv] } }
                """, events: Self.events(users: 1_300, items: 400, seed: 9))
        var first: String?
        for jobs in ["1", "2"] {
            let r = await recpipe("run", p, "--jobs", jobs, "--force")
            #expect(r.code == 0, "\(r.err)")
            let csv = try ["a", "b", "c"].map { name in
                try LuaPluginCLITests.exported(p, "\(name).csv").replacingOccurrences(of: ",\(name)\n", with: ",x\n")
            }
            #expect(csv[0] == csv[1])
            #expect(csv[0] == csv[2])
            #expect(csv[0].split(separator: "\n").count > 30_000, "most users get their 50")
            if let first { #expect(csv[0] == first) } else { first = csv[0] }
        }
    }
}
