import CLua
import Testing

@testable import RecpipeScripting

/// The candidates fast paths: `u:seen`/`u:purchased` answered in C through item numbers, and
/// `ctx.scores()`. On seeded random inputs they give exactly what the host callbacks and plain
/// Lua tables give, and a runaway through them is still stopped by the budget and the memory cap.
@Suite struct PluginFastPathTests {
    /// Users with `seen` and `purchased` sets. With `fast`, the sets also come as item numbers
    /// and `has` answers false for everything: a right answer can then only come from C.
    final class Users: ScriptRecordSource {
        let fieldNames = ["user_id"]
        let sets: [[String: Set<String>]]
        let itemSets: ScriptItemSets?
        let fast: Bool

        init(_ sets: [[String: Set<String>]], known: [String], fast: Bool) {
            self.sets = sets
            self.fast = fast
            guard fast else {
                itemSets = nil
                return
            }
            let number = Dictionary(uniqueKeysWithValues: known.enumerated().map { ($1, Int32($0)) })
            var rows: [ScriptRecordSet: ScriptItemSets.Rows] = [:]
            for set in [ScriptRecordSet.seen, .purchased] {
                var pointers = [0]
                var columns: [Int32] = []
                for s in sets {
                    columns += (s[set.name] ?? []).map { number[$0]! }
                    pointers.append(columns.count)
                }
                rows[set] = .init(rowOf: sets.indices.map(Int32.init), pointers: pointers, columns: columns)
            }
            itemSets = ScriptItemSets(rows)
        }

        func value(row: Int, field: Int) -> ScriptValue { .string("U\(row)") }
        func id(row: Int) -> String { "U\(row)" }
        func has(set: String, row: Int, key: String) -> Bool { fast ? false : sets[row][set]?.contains(key) ?? false }
    }

    static let long = "LONG-" + String(repeating: "x", count: 60)  // not interned by Lua (> 40 bytes)
    static let known = (0..<200).map { "I\($0)" } + [long, "42"]

    static func context(neighbors: [String: [(String, Double)]]) -> PluginContext {
        var data = PluginContext()
        data.knownItems = known
        for (owner, list) in neighbors.sorted(by: { $0.key < $1.key }) {
            data.neighborOwners.append(owner)
            data.neighborItems.append(list.map(\.0))
            data.neighborScores.append(list.map(\.1))
        }
        return data
    }

    static func results(_ lua: LuaRuntime, user: Int) throws -> [String: Double] {
        var batch = CandidateBatch()
        try lua.callCandidates(0, user: user, into: &batch)
        var out: [String: Double] = [:]
        for (i, s) in zip(batch.items, batch.scores) { out[known[Int(i)], default: 0] += s }
        for (id, s) in batch.unknown { out["?" + id, default: 0] += s }
        return out
    }

    @Test func seenAndPurchasedGiveTheHostsAnswersThroughItemNumbers() throws {
        var random = Random(state: 11)
        var sets: [[String: Set<String>]] = (0..<60).map { _ in
            var s: [String: Set<String>] = [:]
            for name in ["seen", "purchased"] {
                s[name] = Set((0..<random.next(30)).map { _ in Self.known[random.next(Self.known.count)] })
            }
            return s
        }
        sets[0]["seen"]!.insert("42")
        sets[1]["purchased"]!.insert(Self.long)
        // Known ids, unknown ids, the long id, and the integer 42 (the id "42").
        let probes = Self.known + (200..<230).map { "I\($0)" } + ["", "I", Self.long + "y"]
        let script = """
            candidates{ name = "probe", fn = function(u, ctx)
              local out = {}
              for _, id in ipairs(ctx.neighbors.q.items) do
                out[#out + 1] = { id, (u:seen(id) and 1 or 0) + (u:purchased(id) and 2 or 0) }
              end
              out[#out + 1] = { "int42", (u:seen(42) and 1 or 0) + (u:purchased(42) and 2 or 0) }
              return out
            end }
            """
        var answers: [[[String: Double]]] = []
        for fast in [false, true] {
            let lua = try Fixture.runtime(script, file: "plugins/probe.lua")
            lua.bind(users: Users(sets, known: Self.known, fast: fast))
            try lua.setPluginContext(Self.context(neighbors: ["q": probes.map { ($0, 0) }]))
            answers.append(try sets.indices.map { try Self.results(lua, user: $0) })
        }
        #expect(answers[0] == answers[1])
        let hits = answers[1].reduce(0) { $0 + $1.values.filter { $0 > 0 }.count }
        #expect(hits > 500, "the random sets must give both answers")
        #expect(answers[1].contains { $0["?int42"] ?? 0 > 0 }, "u:seen(42) reads the id \"42\"")
        #expect(answers[1].contains { ($0[Self.long] ?? 0) > 0 })
    }

    /// The same random additions and removals on a plain Lua table and on `ctx.scores()`.
    static func operations(scores: Bool) -> String {
        """
        local SCORES = \(scores)
        candidates{ name = "ops", fn = function(u, ctx)
          local t, s = {}, ctx.scores()
          local function key(id) return math.type(id) == "integer" and tostring(id) or id end
          for step = 1, 80 do
            local r = math.random(7)
            local n = ctx.neighbors["N" .. math.random(12)]
            if r == 1 then
              s:add(n.items, n.scores)
              for j = 1, #n.items do local id = n.items[j]; t[id] = (t[id] or 0) + n.scores[j] end
            elseif r == 2 then
              local w = math.random() * 3 - 1
              s:add(n.items, n.scores, w)
              for j = 1, #n.items do local id = n.items[j]; t[id] = (t[id] or 0) + n.scores[j] * w end
            elseif r == 3 then
              local ids = {}
              for j = 1, #n.items do ids[j] = n.items[j] end
              ids[#ids + 1] = "UNKNOWN" .. math.random(3)
              ids[#ids + 1] = 42
              local v = math.random() - 0.5
              s:add(ids, v)
              for j = 1, #ids do local id = key(ids[j]); t[id] = (t[id] or 0) + v end
            elseif r == 4 then
              local id = math.random(2) == 1 and ("I" .. math.random(0, 230)) or ("U" .. math.random(4))
              local v = math.random() - 0.5
              s:add(id, v)
              t[id] = (t[id] or 0) + v
            elseif r == 5 then
              s:remove(n.items)
              for j = 1, #n.items do t[n.items[j]] = nil end
            elseif r == 6 then
              local id = "I" .. math.random(0, 230)
              s:remove(id)
              t[id] = nil
            else
              local id = math.random(2) == 1 and ("I" .. math.random(0, 230)) or ("UNKNOWN" .. math.random(3))
              if s:get(id) ~= t[id] then error("get(" .. id .. "): " .. tostring(s:get(id)) .. " vs " .. tostring(t[id])) end
            end
          end
          local count = 0
          for _ in pairs(t) do count = count + 1 end
          if #s ~= count then error("#s = " .. #s .. ", the table has " .. count) end
          if SCORES then return s end
          local out = {}
          for id, v in pairs(t) do out[#out + 1] = { id, v } end
          return out
        end }
        """
    }

    @Test func scoreTablesGiveWhatAPlainLuaTableGives() throws {
        var random = Random(state: 5)
        var neighbors: [String: [(String, Double)]] = [:]
        for o in 1...12 {
            var ids = (0..<(5 + random.next(40))).map { _ in Self.known[random.next(Self.known.count)] }
            ids = Array(Set(ids)).sorted()
            neighbors["N\(o)"] = ids.map { ($0, Double(random.next(1000)) / 997) }
        }
        var results: [[[String: Double]]] = []
        for scores in [false, true] {
            let lua = try Fixture.runtime(Self.operations(scores: scores), file: "plugins/ops.lua")
            lua.bind(users: Users([[:], [:], [:]], known: Self.known, fast: true))
            try lua.setPluginContext(Self.context(neighbors: neighbors))
            var runs: [[String: Double]] = []
            for (seed, user) in [(1, 0), (2, 1), (3, 2), (4, 0)] {
                lua.reseed(UInt64(seed))
                runs.append(try Self.results(lua, user: user))
            }
            results.append(runs)
        }
        #expect(results[0] == results[1])
        #expect(results[1].allSatisfy { $0.count > 20 })
        #expect(results[1].contains { $0.keys.contains { $0.hasPrefix("?UNKNOWN") } }, "unknown ids are kept apart")
    }

    /// Several score tables alive at once: the newest finds items through the state's dense
    /// index, and each older one hashes its entries from the moment a newer one is made. Every
    /// table must still give what its plain Lua twin gives, whatever the order of the calls.
    @Test func scoreTablesAliveTogetherEachGiveWhatAPlainLuaTableGives() throws {
        let script = """
            candidates{ name = "many", fn = function(u, ctx)
              local T, S = { {} }, { ctx.scores() }
              for step = 1, 120 do
                local r = math.random(6)
                local k = math.random(#S)
                local t, s = T[k], S[k]
                local n = ctx.neighbors["N" .. math.random(6)]
                if r == 1 and #S < 5 then
                  T[#T + 1], S[#S + 1] = {}, ctx.scores()
                elseif r <= 3 then
                  local w = math.random() * 2
                  s:add(n.items, n.scores, w)
                  for j = 1, #n.items do local id = n.items[j]; t[id] = (t[id] or 0) + n.scores[j] * w end
                elseif r == 4 then
                  s:remove(n.items)
                  for j = 1, #n.items do t[n.items[j]] = nil end
                elseif r == 5 then
                  local id = "I" .. math.random(0, 60)
                  local v = math.random() - 0.25
                  s:add(id, v)
                  t[id] = (t[id] or 0) + v
                else
                  local id = "I" .. math.random(0, 60)
                  if s:get(id) ~= t[id] then error("get(" .. id .. "): " .. tostring(s:get(id)) .. " vs " .. tostring(t[id])) end
                end
              end
              for k = 1, #S do
                local count = 0
                for id, v in pairs(T[k]) do
                  count = count + 1
                  if S[k]:get(id) ~= v then error("table " .. k .. " " .. id .. ": " .. tostring(S[k]:get(id)) .. " vs " .. v) end
                end
                if #S[k] ~= count then error("table " .. k .. ": #s = " .. #S[k] .. ", its twin has " .. count) end
              end
              local k = math.random(#S)
              if u.user_id == "U0" then return S[k] end
              local out = {}
              for id, v in pairs(T[k]) do out[#out + 1] = { id, v } end
              return out
            end }
            """
        var random = Random(state: 11)
        var neighbors: [String: [(String, Double)]] = [:]
        for o in 1...6 {
            var ids = (0..<(10 + random.next(40))).map { _ in Self.known[random.next(60)] }
            ids = Array(Set(ids)).sorted()
            // Ids that are no known item, inside the list: kept apart, in any table.
            if o % 2 == 0 { ids.insert("UNKNOWN\(o)", at: ids.count / 2) }
            neighbors["N\(o)"] = ids.map { ($0, Double(random.next(1000)) / 997) }
        }
        let lua = try Fixture.runtime(script, file: "plugins/many.lua")
        lua.bind(users: Users([[:], [:]], known: Self.known, fast: true))
        try lua.setPluginContext(Self.context(neighbors: neighbors))
        var made = 0
        for seed in 1...30 {
            // User 0 returns a score table, user 1 the plain twin of the same draw.
            var answers: [[String: Double]] = []
            for user in [0, 1] {
                lua.reseed(UInt64(seed))
                answers.append(try Self.results(lua, user: user))
            }
            #expect(answers[0] == answers[1], "seed \(seed)")
            if !answers[0].isEmpty { made += 1 }
        }
        #expect(made > 20)
    }

    /// The selection in C against a full sort, on orders that defeat simple pivots and on ties.
    @Test(arguments: [1, 7, 50, 400])
    func theBestOfAScoreTableAreTheFirstOfAFullSort(limit: Int) {
        var random = Random(state: UInt64(limit))
        let count = 3000
        var orders: [[Double]] = []
        orders.append((0..<count).map { Double($0) })  // ascending: every entry beats the last cut
        orders.append((0..<count).map { Double(count - $0) })
        orders.append((0..<count).map { _ in 1.5 })  // one score: the id order decides
        orders.append((0..<count).map { i in Double(i < count / 2 ? i : count - i) })  // organ pipe
        orders.append((0..<count).map { _ in Double(random.next(20)) - 10 })  // many ties, negatives
        orders.append((0..<count).map { i in i % 3 == 0 ? -0.0 : (i % 3 == 1 ? 0.0 : -1e-50) })  // zeros
        let items = (0..<Int32(count)).map { $0 }
        var rank = (0..<Int32(count)).map { $0 }
        for i in stride(from: count - 1, to: 0, by: -1) { rank.swapAt(i, random.next(i + 1)) }
        for values in orders {
            // Every fifth entry removed (a negative item number), as s:remove leaves it.
            var itemNumbers = items.map { $0 % 5 == 4 ? -1 - $0 : $0 }
            var doubles = values
            var keys = [recpipe_best_key](repeating: recpipe_best_key(), count: count)
            var best = [Int32](repeating: -1, count: limit)
            var scores = [Float](repeating: 0, count: limit)
            let live = itemNumbers.filter { $0 >= 0 }.count
            let n = itemNumbers.withUnsafeMutableBufferPointer { it in
                doubles.withUnsafeMutableBufferPointer { v in
                    var table = recpipe_scores(
                        count: lua_Integer(count), live: lua_Integer(live), cap: lua_Integer(count), mask: -1,
                        values: v.baseAddress, items: it.baseAddress, slots: nil, stamp: 0)
                    return recpipe_scores_best(&table, lua_Integer(limit), rank, &keys, &best, &scores)
                }
            }
            var pairs: [(item: Int32, score: Float)] = []
            for e in 0..<count where itemNumbers[e] >= 0 { pairs.append((Int32(e), Float(values[e]))) }
            pairs.sort { a, b in a.score != b.score ? a.score > b.score : rank[Int(a.item)] < rank[Int(b.item)] }
            let expected = Array(pairs.prefix(limit))
            let expectedItems: [Int32] = expected.map { $0.item }
            let expectedBits: [UInt32] = expected.map { $0.score.bitPattern }
            #expect(Int(n) == expected.count)
            #expect(Array(best.prefix(Int(n))) == expectedItems)
            #expect(scores.prefix(Int(n)).map { $0.bitPattern } == expectedBits)
        }
    }

    @Test(arguments: [0, 1, 5, 50, 300])
    func aScoreTableCutInCKeepsWhatTheHostsSortKeeps(limit: Int) throws {
        // Few distinct scores, so most places are decided by the id order; every user has a
        // removed item and an unknown id.
        let script = """
            candidates{ name = "ties", fn = function(u, ctx)
              local s = ctx.scores()
              for i = 1, 150 do s:add("I" .. math.random(0, 199), math.random(0, 3) / 2) end
              s:remove("I7")
              s:add("UNKNOWN" .. math.random(1, 3), 1)
              return s
            end }
            """
        let lua = try Fixture.runtime(script, file: "plugins/ties.lua")
        lua.bind(users: Users([[:]], known: Self.known, fast: true))
        try lua.setPluginContext(Self.context(neighbors: [:]))
        var rank = [Int32](repeating: 0, count: Self.known.count)
        for (position, i) in Self.known.indices.sorted(by: { Self.known[$0] < Self.known[$1] }).enumerated() {
            rank[i] = Int32(position)
        }
        for seed in 1...20 {
            var all = CandidateBatch()
            lua.reseed(UInt64(seed))
            try lua.callCandidates(0, user: 0, into: &all)
            var cut = CandidateBatch()
            cut.best = (limit, rank)
            lua.reseed(UInt64(seed))
            try lua.callCandidates(0, user: 0, into: &cut)
            var pairs: [(item: Int32, score: Float)] = []
            for (i, score) in zip(all.items, all.scores) { pairs.append((i, Float(score))) }
            func better(_ a: (item: Int32, score: Float), _ b: (item: Int32, score: Float)) -> Bool {
                a.score != b.score ? a.score > b.score : rank[Int(a.item)] < rank[Int(b.item)]
            }
            let expected = pairs.sorted(by: better).prefix(limit)
            #expect(!all.selected && cut.selected)
            #expect(all.items.count > 50 && !all.items.contains(7))
            #expect(cut.items == expected.map(\.item))
            #expect(cut.scores.map { Float($0).bitPattern } == expected.map(\.score.bitPattern))
            #expect(cut.unknown.map { $0.item } == all.unknown.map { $0.item } && cut.unknown.count == 1)
        }
    }

    @Test func aScoreThatIsNotFiniteIsNamedWhenTheTableIsCutInC() throws {
        let lua = try Fixture.runtime(
            "candidates{ name = \"inf\", fn = function(u, ctx)\n  local s = ctx.scores()\n  s:add({ \"I1\", \"I2\", \"I3\" }, { 1, 1 / 0, 2 })\n  return s\nend }",
            file: "plugins/inf.lua")
        lua.bind(users: Users([[:]], known: Self.known, fast: true))
        try lua.setPluginContext(Self.context(neighbors: [:]))
        for best in [false, true] {
            var batch = CandidateBatch()
            if best { batch.best = (2, Array(0..<Int32(Self.known.count))) }
            let error = try #require(throws: RuleError.self) { try lua.callCandidates(0, user: 0, into: &batch) }
            #expect(error.description.contains("candidate 2 ('I2'): the score inf is not finite"), "\(error)")
        }
    }

    @Test func scoreTableErrorsAreLocated() throws {
        let cases: [(String, String)] = [
            ("s:add({ \"I1\", true }, 1)", "scores:add: item id 2 is a boolean; use a string"),
            ("s:add(\"I1\", \"x\")", "scores:add: the score is a string, not a number"),
            ("s:add({ \"I1\" }, { \"x\" })", "scores:add: score 1 is a string, not a number"),
            ("s:remove(1.5)", "scores:remove: the item id is a number; use a string"),
            ("s.x = 1", "scores are changed with s:add(id, score) and s:remove(id) (tried to set 'x')"),
        ]
        for (body, message) in cases {
            let lua = try Fixture.runtime(
                "candidates{ name = \"bad\", fn = function(u, ctx)\n  local s = ctx.scores()\n  \(body)\nend }",
                file: "plugins/bad.lua")
            lua.bind(users: Users([[:]], known: Self.known, fast: true))
            try lua.setPluginContext(Self.context(neighbors: [:]))
            var batch = CandidateBatch()
            let error = try #require(throws: RuleError.self) { try lua.callCandidates(0, user: 0, into: &batch) }
            #expect(error.line == 3, "\(error)")
            #expect(error.description.contains(message), "\(error)")
        }
    }

    static func runaway(_ body: String, limits: LuaRuntime.Limits) throws -> RuleError {
        let lua = try Fixture.runtime(
            "candidates{ name = \"runaway\", fn = function(u, ctx)\n  local n = ctx.neighbors.big\n  \(body)\nend }",
            file: "plugins/runaway.lua", limits: limits)
        lua.bind(users: Users([[:]], known: Self.known, fast: true))
        var data = PluginContext()
        data.knownItems = (0..<200_000).map { "I\($0)" }
        data.neighborOwners = ["big"]
        data.neighborItems = [data.knownItems]
        data.neighborScores = [[Double](repeating: 0.5, count: 200_000)]
        try lua.setPluginContext(data)
        var batch = CandidateBatch()
        return try #require(throws: RuleError.self) { try lua.callCandidates(0, user: 0, into: &batch) }
    }

    @Test(arguments: [
        "ctx.scores():add(n.items, n.scores)",  // one call over 200,000 ids: charged 200,000
        "ctx.scores():add(n.items, 1)",
        "local s = ctx.scores()\n  while true do s:remove(n.items) end",
    ])
    func aScoreTableCallIsChargedToTheBudget(body: String) throws {
        let error = try Self.runaway(body, limits: .init(instructionBudget: 100_000, memoryLimit: 256 << 20))
        #expect(error.kind == .budget, "\(error)")
        #expect(error.line == 3 || error.line == 4, "\(error)")
    }

    @Test func scoreTablesCountAgainstTheMemoryCap() throws {
        let error = try Self.runaway(
            "local keep = {}\n  while true do local s = ctx.scores(); s:add(n.items, n.scores); keep[#keep + 1] = s end",
            limits: .init(instructionBudget: 1 << 40, memoryLimit: 128 << 20))
        #expect(error.kind == .memory, "\(error)")
    }
}
