import Testing

@testable import RecpipeScripting

/// `map` rows on the fast path: `row` is a table the host refills with the columns read in C,
/// and the returned row is read in C into a ``MapRows`` batch. On seeded random rows it gives
/// exactly what the host-read view gives; the row keeps a view's rules (read-only for new keys,
/// unknown fields named with a suggestion, the current row when kept), and every bad output row
/// is the same error with the plugin, file:line and row.
@Suite struct MapRowTests {
    /// Rows of (n: int, x: float, s: string, b: bool), nulls included. With `fast`, the columns
    /// are also read in C, and value(row:field:) answers wrongly: a right answer can then only
    /// come from the C columns.
    final class Rows: ScriptRecordSource {
        let fieldNames = ["n", "x", "s", "b"]
        let values: [[ScriptValue]]
        let scriptColumns: ScriptColumns?

        init(_ values: [[ScriptValue]], fast: Bool) {
            self.values = values
            guard fast else {
                scriptColumns = nil
                return
            }
            func valid(_ f: Int) -> [Bool]? {
                let v = values.map { if case .null = $0[f] { false } else { true } }
                return v.contains(false) ? v : nil
            }
            var dictionary: [String] = []
            var codes: [UInt32] = []
            for r in values {
                if case .string(let s) = r[2] {
                    if let i = dictionary.firstIndex(of: s) {
                        codes.append(UInt32(i))
                    } else {
                        codes.append(UInt32(dictionary.count))
                        dictionary.append(s)
                    }
                } else {
                    codes.append(0)
                    if dictionary.isEmpty { dictionary.append("") }
                }
            }
            scriptColumns = ScriptColumns(
                rows: values.count,
                columns: [
                    .init(.int(values.map { if case .int(let i) = $0[0] { i } else { 0 } }), valid: valid(0)),
                    .init(
                        .double(values.map { if case .double(let d) = $0[1] { d } else { 0 } }), valid: valid(1)
                    ),
                    .init(.string(dictionary: dictionary, codes: codes), valid: valid(2)),
                    .init(
                        .bool(values.map { if case .bool(let b) = $0[3] { b } else { false } }), valid: valid(3)
                    ),
                ])
        }

        func value(row: Int, field: Int) -> ScriptValue {
            scriptColumns == nil ? values[row][field] : .string("wrong")
        }
        func id(row: Int) -> String { "row \(row + 1)" }
        func has(set: String, row: Int, key: String) -> Bool { false }
    }

    static let long = "LONG-" + String(repeating: "y", count: 60)  // not interned by Lua (> 40 bytes)

    static func randomRows(_ count: Int, seed: UInt64) -> [[ScriptValue]] {
        var random = Random(state: seed)
        let words = ["a", "bb", "ccc", "", "ü", long]
        return (0..<count).map { _ in
            [
                random.next(8) == 0 ? .null : .int(Int64(random.next(200)) - 100),
                random.next(8) == 0 ? .null : .double(Double(random.next(1000)) / 8),
                random.next(8) == 0 ? .null : .string(words[random.next(words.count)]),
                random.next(8) == 0 ? .null : .bool(random.next(2) == 0),
            ]
        }
    }

    /// Every value type, nil, an integer as a string, an integral float as an int, dropped rows.
    static let script = """
        map{
          name = "m",
          columns = { "n:int", "x:float", "s:string", "b:bool", "k:string", "f:int" },
          fn = function(row)
            if row.n ~= nil and row.n % 7 == 0 then return nil end
            local s = row.s
            return {
              n = row.n, x = row.x and row.x * 2, s = s and (s .. "!"), b = row.b,
              k = row.n and row.n % 3, f = row.x and math.floor(row.x) + 0.0,
            }
          end,
        }
        """

    /// The same map written with `out`, the output table the host hands every call: it fills
    /// `out` and returns it, or returns nil after writing to it (the host must empty it), or
    /// returns a new table after writing to it (same).
    static let outScript = """
        map{
          name = "m",
          columns = { "n:int", "x:float", "s:string", "b:bool", "k:string", "f:int" },
          fn = function(row, out)
            out.n = row.n
            if row.n ~= nil and row.n % 7 == 0 then return nil end
            local s = row.s
            if row.n ~= nil and row.n % 5 == 0 then
              out.x = 12345
              return {
                n = row.n, x = row.x and row.x * 2, s = s and (s .. "!"), b = row.b,
                k = row.n and row.n % 3, f = row.x and math.floor(row.x) + 0.0,
              }
            end
            out.x = row.x and row.x * 2
            out.s = s and (s .. "!")
            out.b = row.b
            out.k = row.n and row.n % 3
            out.f = row.x and math.floor(row.x) + 0.0
            return out
          end,
        }
        """

    static func run(
        _ script: String, _ rows: [[ScriptValue]], fast: Bool, batch: Int = 512, skip: Bool = false,
        maxStrings: Int? = nil
    ) throws -> (rows: [[ScriptValue]], errors: [RuleError]) {
        let lua = try Fixture.runtime(script, file: "plugins/m.lua")
        if let maxStrings { lua.maxMapStrings = maxStrings }
        lua.bind(users: Rows(rows, fast: fast))
        let index = try #require(lua.pluginIndex)
        let columns = lua.rules[index].outputColumns
        var out: [[ScriptValue]] = []
        var errors: [RuleError] = []
        for start in stride(from: 0, to: rows.count, by: batch) {
            var made = lua.startMapRows(index, columns: columns)
            var left = start..<min(rows.count, start + batch)
            var dropped = 0
            let failed = errors.count
            while !left.isEmpty {
                do {
                    try lua.callMap(index, rows: &left, into: &made, dropped: &dropped)
                } catch {
                    guard skip else { throw error }
                    errors.append(error)
                }
            }
            // Every row is kept, dropped or failed, once.
            #expect(made.rows + dropped + errors.count - failed == min(rows.count, start + batch) - start)
            for r in 0..<made.rows { out.append(columns.indices.map { made.value(row: r, column: $0) }) }
        }
        return (out, errors)
    }

    @Test func smallRowsGiveTheExpectedValues() throws {
        let rows: [[ScriptValue]] = [
            [.int(4), .double(1.5), .string("a"), .bool(true)],
            [.int(14), .double(2), .string("b"), .bool(false)],  // dropped (14 % 7 == 0)
            [.null, .null, .null, .null],
            [.int(-5), .double(-2.5), .string("a"), .bool(false)],
        ]
        let expected: [[ScriptValue]] = [
            [.int(4), .double(3), .string("a!"), .bool(true), .string("1"), .int(1)],
            [.null, .null, .null, .null, .null, .null],
            [.int(-5), .double(-5), .string("a!"), .bool(false), .string("1"), .int(-3)],
        ]
        for fast in [false, true] {
            #expect(try Self.run(Self.script, rows, fast: fast).rows == expected)
        }
    }

    @Test(arguments: [1, 3, 512])
    func theCReadersGiveWhatTheHostGivesOnRandomRows(batch: Int) throws {
        let rows = Self.randomRows(700, seed: 5)
        let host = try Self.run(Self.script, rows, fast: false, batch: batch).rows
        let fast = try Self.run(Self.script, rows, fast: true, batch: batch).rows
        #expect(host.count > 500 && host.count < 700)
        #expect(fast == host)
        // `out` gives the same rows: nothing a call wrote to it reaches the next row.
        #expect(try Self.run(Self.outScript, rows, fast: false, batch: batch).rows == host)
        #expect(try Self.run(Self.outScript, rows, fast: true, batch: batch).rows == host)
        // The string table starts again when it holds more than maxMapStrings strings.
        #expect(try Self.run(Self.script, rows, fast: true, batch: batch, maxStrings: 2).rows == host)
    }

    @Test func outIsEmptyAtEveryCallAfterAFailedRow() throws {
        // Row 2 writes a column and a stray key to `out`, then fails (an error, an undeclared key,
        // a misfit); row 3 must get an empty `out` and keep only what it writes.
        let rows: [[ScriptValue]] = (1...3).map { [.int(Int64($0)), .double(0), .string("s"), .bool(true)] }
        for (fail, message) in [
            ("error('boom')", "boom"),
            ("out.nn = 1 return out", "the row has field 'nn', which is not a declared column"),
            ("out.n = 'x' return out", "column 'n' is declared int, but the row has a string"),
        ] {
            let script = """
                map{ name = "m", columns = { "n:int", "s:string" },
                  fn = function(row, out)
                    if row.n == 2 then out.s = "left over" \(fail) end
                    out.n = row.n
                    return out
                  end }
                """
            for fast in [false, true] {
                let (out, errors) = try Self.run(script, rows, fast: fast, skip: true)
                #expect(errors.count == 1 && errors[0].entity == "row 2" && errors[0].message.contains(message))
                #expect(out == [[.int(1), .null], [.int(3), .null]], "\(fail)")
            }
        }
    }

    @Test func outIsAnOrdinaryTableForAFunctionThatTakesIt() throws {
        // A function of one parameter gets no second argument; one of two or more, and a vararg
        // one, gets `out`.
        let rows: [[ScriptValue]] = [[.int(1), .double(0), .string("s"), .bool(true)]]
        for (params, expected) in [("row", ScriptValue.bool(false)), ("row, out", .bool(true)), ("...", .bool(true))] {
            let script = """
                map{ name = "m", columns = { "given:bool" },
                  fn = function(\(params))
                    local out = select(2, \(params == "..." ? "..." : params))
                    return { given = type(out) == "table" }
                  end }
                """
            #expect(try Self.run(script, rows, fast: true).rows == [[expected]], "\(params)")
        }
    }

    @Test func theRowIsReadOnlyForNewKeysAndCannotBeIterated() throws {
        let rows: [[ScriptValue]] = [[.int(1), .double(1), .string("a"), .bool(true)]]
        for fast in [false, true] {
            for (body, message) in [
                ("row.extra = 1", "records are read-only (tried to set field 'extra')"),
                ("for k in pairs(row) do end", "a row cannot be iterated with pairs()"),
                ("local v = row.nn", "unknown field 'nn' on user (did you mean 'n'?)"),
            ] {
                let script = """
                    map{ name = "m", columns = { "n:int" },
                      fn = function(row)
                        \(body)
                        return { n = 1 }
                      end }
                    """
                let e = try #require(throws: RuleError.self) { try Self.run(script, rows, fast: fast) }
                #expect(e.message.contains(message), "\(e.message)")
                #expect(e.file == "plugins/m.lua" && e.line == 3 && e.entity == "row 1" && e.rule == "m")
            }
        }
    }

    @Test func aRowKeptInAnAccumulatorReadsTheCurrentRowAsAViewDoes() throws {
        // The accumulator keeps every row it is given; at finish they all read the group's last
        // row (the documented rule: copy the fields you want to keep).
        let rows: [[ScriptValue]] = (1...3).map {
            [.int(Int64($0)), .double(0), .string("s"), .bool(true)]
        }
        let script = """
            aggregate{ name = "a", by = "s", columns = { "first:int", "count:int" },
              init = function() return { kept = {}, copied = {} } end,
              step = function(acc, row)
                acc.kept[#acc.kept + 1] = row
                acc.copied[#acc.copied + 1] = row.n
              end,
              finish = function(acc, key)
                return { { first = acc.kept[1].n, count = #acc.kept }, { first = acc.copied[1], count = 0 } }
              end }
            """
        for fast in [false, true] {
            let lua = try Fixture.runtime(script, file: "plugins/a.lua")
            lua.bind(users: Rows(rows, fast: fast))
            let index = try #require(lua.pluginIndex)
            try lua.beginGroup(index, group: "group 's'")
            for r in rows.indices { try lua.stepGroup(index, row: r, group: "group 's'") }
            var out: [[ScriptValue]] = []
            try lua.finishGroup(
                index, key: [.string("s")], columns: lua.rules[index].outputColumns, group: "group 's'",
                into: &out)
            #expect(out == [[.int(3), .int(3)], [.int(1), .int(0)]])
        }
    }

    @Test(arguments: [
        ("return { n = 'x' }", "column 'n' is declared int, but the row has a string"),
        ("return { n = 1.5 }", "column 'n' is declared int, but the row has a number 1.5"),
        ("return { s = 1.5 }", "column 's' is declared string, but the row has a number 1.5"),
        ("return { b = 1 }", "column 'b' is declared bool, but the row has a number 1.0"),
        ("return { x = 'x' }", "column 'x' is declared float, but the row has a string"),
        ("return { n = 1, nn = 2 }", "the row has field 'nn', which is not a declared column"),
        ("return 5", "map returned a number; return a row table or nil"),
    ])
    func badOutputRowsAreLocatedErrors(body: String, message: String) throws {
        let rows: [[ScriptValue]] = [[.int(1), .double(1), .string("a"), .bool(true)]]
        let script = """
            map{ name = "m", columns = { "n:int", "x:float", "s:string", "b:bool" },
              fn = function(row)
                \(body)
              end }
            """
        for fast in [false, true] {
            let e = try #require(throws: RuleError.self) { try Self.run(script, rows, fast: fast) }
            #expect(e.message.contains(message), "\(e.message)")
            #expect(e.file == "plugins/m.lua" && e.entity == "row 1" && e.rule == "m")
        }
    }

    @Test func stringsBeforeAFailedColumnKeepTheBatchNumbering() throws {
        // Row 2 fails after its new string 'fresh' was numbered; skipping it must not shift the
        // numbers of the strings the next rows bring.
        let rows: [[ScriptValue]] = (1...4).map {
            [.int(Int64($0)), .double(0), .string("s"), .bool(true)]
        }
        let script = """
            map{ name = "m", columns = { "s:string", "n:int" },
              fn = function(row)
                if row.n == 2 then return { s = "fresh", n = "bad" } end
                return { s = "v" .. row.n, n = row.n }
              end }
            """
        for fast in [false, true] {
            let (out, errors) = try Self.run(script, rows, fast: fast, skip: true)
            #expect(errors.count == 1 && errors[0].entity == "row 2")
            #expect(out.map { $0[0] } == [.string("v1"), .string("v3"), .string("v4")])
        }
    }

    @Test func aBatchGoesOnAfterEachFailedRowAndEveryRowHasItsOwnBudget() throws {
        // One batch of 8 rows: row 2 raises, row 3 returns a number, row 4 does not fit its
        // columns, row 6 runs out of budget, row 7 is dropped; the others are kept, in order. Every
        // row spends about 40% of the budget (2 instructions a turn), so a budget shared by the
        // batch would stop row 3 already. Output errors name the plugin's line (1).
        let rows: [[ScriptValue]] = (1...8).map { [.int(Int64($0)), .double(0), .string("s"), .bool(true)] }
        let script = """
            map{ name = "m", columns = { "n:int" },
              fn = function(row)
                local spin = 0
                for i = 1, (row.n == 6 and 1000000 or 4000) do spin = spin + i end
                if row.n == 2 then error("two") end
                if row.n == 3 then return 3 end
                if row.n == 4 then return { n = "four" } end
                if row.n == 7 then return nil end
                return { n = row.n }
              end }
            """
        let limits = LuaRuntime.Limits(instructionBudget: 20_000)
        for fast in [false, true] {
            let lua = try Fixture.runtime(script, file: "plugins/m.lua", limits: limits)
            lua.bind(users: Rows(rows, fast: fast))
            let index = try #require(lua.pluginIndex)
            var made = lua.startMapRows(index, columns: lua.rules[index].outputColumns)
            var left = 0..<rows.count
            var dropped = 0
            var errors: [RuleError] = []
            while !left.isEmpty {
                do {
                    try lua.callMap(index, rows: &left, into: &made, dropped: &dropped)
                } catch {
                    errors.append(error)
                }
            }
            #expect((0..<made.rows).map { made.value(row: $0, column: 0) } == [.int(1), .int(5), .int(8)])
            #expect(dropped == 1)
            #expect(errors.map(\.entity) == ["row 2", "row 3", "row 4", "row 6"])
            #expect(errors.map(\.line) == [5, 1, 1, 4])
            #expect(errors[0].message.contains("two") && errors[1].message.contains("map returned a number"))
            #expect(errors[2].message.contains("column 'n' is declared int, but the row has a string"))
            #expect(errors[3].kind == .budget)
        }
    }
}
