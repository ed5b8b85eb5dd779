import RecpipeCore
import RecpipeData
import RecpipeEngine
import RecpipeScripting

/// `map` and `aggregate`: tables out of rows.
extension LuaStage {
    /// One chunk's output: row-major values, and per output row its group (aggregate).
    struct TablePart: Sendable {
        var values: [ScriptValue] = []
        /// map: the chunk's rows as the C reader made them (``values`` stays empty).
        var mapped: [MapRows] = []
        var rows = 0
        var groupOfRow: [Int] = []
        /// map: rows the plugin dropped; aggregate: groups that made no row.
        var empty = 0
        var skipped = Skipped()
        var printed: [String] = []
    }

    /// A worker: its runtime (rows bound as `row`/`u`) and the plugin's index.
    final class Worker {
        let lua: LuaRuntime
        let index: Int

        init(lua: LuaRuntime, index: Int) {
            self.lua = lua
            self.index = index
        }
    }

    static func worker(_ plan: Plan, rows table: Table, columns: ScriptColumns) throws(StageError) -> Worker {
        do throws(RuleError) {
            let (lua, index) = try plan.makeRuntime()
            let id = table.columnIndex("user_id") != nil ? "user_id" : (table.columnNames.first ?? "")
            lua.bind(users: TableRecordSource(table: table, idColumn: id, scriptColumns: columns))
            return Worker(lua: lua, index: index)
        } catch {
            throw stageError(error)
        }
    }

    // MARK: - map

    static func runMap(_ plan: Plan, plugin: RegisteredRule, _ context: StageContext) async throws -> StageOutput {
        let table = try dataTable(context, for: plugin)
        let columns = plugin.outputColumns
        let (all, time) = try await runPool(plan, rows: table, count: table.rowCount, unit: "rows", context) {
            w, rows, part in
            var made = w.lua.startMapRows(w.index, columns: columns)
            made.cells.reserveCapacity(rows.count * columns.count)
            var left = rows
            while !left.isEmpty {
                do throws(RuleError) {
                    try w.lua.callMap(w.index, rows: &left, into: &made, dropped: &part.empty)
                } catch {
                    guard plan.skipErrors else { throw stageError(error) }
                    part.skipped.add(error)
                }
            }
            part.rows = made.rows
            part.mapped = [made]
        }
        let out = makeTable(columns, all.mapped)
        var notes = [
            "map '\(plugin.name)' (\(plugin.file):\(plugin.line)): \(table.rowCount) rows in, \(all.rows) out, \(all.empty) dropped (fn returned nil)",
            time,
        ]
        if !all.printed.isEmpty {
            notes.append("printed by the plugin: " + all.printed.prefix(5).joined(separator: " | "))
        }
        return StageOutput(
            out, rowsIn: table.rowCount, rowsOut: out.rowCount,
            counters: [.init("rows_dropped_by_map", all.empty), .init("rows_skipped_on_error", all.skipped.count)],
            notes: notes, warnings: all.skipped.warning("rows"))
    }

    // MARK: - aggregate

    static func runAggregate(_ plan: Plan, plugin: RegisteredRule, _ context: StageContext) async throws -> StageOutput
    {
        let table = try dataTable(context, for: plugin)
        let by = plugin.by ?? []
        let keyColumns = try by.map { name in
            guard let c = table.columnIndex(name) else {
                throw StageError(
                    "aggregate '\(plugin.name)' (\(plugin.file):\(plugin.line)): by names column '\(name)', which the data does not have",
                    code: .missingColumn, at: context.location(of: "script"),
                    hint: (Suggestions.hint(for: name, in: table.columnNames).map { $0 + " " } ?? "")
                        + "columns: \(table.columnNames.joined(separator: ", "))")
            }
            return c
        }
        let groups = Groups(table, keyColumns: keyColumns)
        let columns = plugin.outputColumns
        let (all, time) = try await runPool(plan, rows: table, count: groups.count, unit: "groups", context) {
            w, range, part in
            var rows: [[ScriptValue]] = []
            for g in range {
                let first = groups.rows[groups.offsets[g]]
                let key = keyColumns.map { table.columns[$0].scriptValue(first) }
                let label = "group '" + key.map(Self.text).joined(separator: ", ") + "'"
                rows.removeAll(keepingCapacity: true)
                do throws(RuleError) {
                    try w.lua.beginGroup(w.index, group: label)
                    for i in groups.offsets[g]..<groups.offsets[g + 1] {
                        try w.lua.stepGroup(w.index, row: groups.rows[i], group: label)
                    }
                    try w.lua.finishGroup(w.index, key: key, columns: columns, group: label, into: &rows)
                } catch {
                    guard plan.skipErrors else { throw stageError(error) }
                    part.skipped.add(error)
                    continue
                }
                if rows.isEmpty { part.empty += 1 }
                for r in rows {
                    part.values += r
                    part.rows += 1
                    part.groupOfRow.append(first)
                }
            }
        }
        let keys = table.take(rows: all.groupOfRow)
        let made = makeTable(columns, all.values, rows: all.rows)
        let out = Table.assemble(keyColumns.map { keys.columns[$0] } + made.columns)
        var notes = [
            "aggregate '\(plugin.name)' (\(plugin.file):\(plugin.line)): \(table.rowCount) rows in \(groups.count) groups by "
                + by.joined(separator: ", ") + ", \(all.rows) rows out, \(all.empty) groups made no row",
            time,
        ]
        if !all.printed.isEmpty {
            notes.append("printed by the plugin: " + all.printed.prefix(5).joined(separator: " | "))
        }
        return StageOutput(
            out, rowsIn: table.rowCount, rowsOut: out.rowCount,
            counters: [
                .init("groups", groups.count), .init("groups_without_rows", all.empty),
                .init("groups_skipped_on_error", all.skipped.count),
            ],
            notes: notes, warnings: all.skipped.warning("groups"))
    }

    /// Rows grouped by key, groups in order of first appearance, rows in table order.
    struct Groups: Sendable {
        var offsets: [Int]
        var rows: [Int]
        var count: Int { offsets.count - 1 }

        init(_ table: Table, keyColumns: [Int]) {
            var index: [[Value]: Int] = [:]
            var groupOf = [Int](repeating: 0, count: table.rowCount)
            var sizes: [Int] = []
            var key: [Value] = []
            for r in 0..<table.rowCount {
                key.removeAll(keepingCapacity: true)
                for c in keyColumns { key.append(table.value(row: r, col: c)) }
                let g: Int
                if let known = index[key] {
                    g = known
                } else {
                    g = sizes.count
                    index[key] = g
                    sizes.append(0)
                }
                groupOf[r] = g
                sizes[g] += 1
            }
            var offsets = [0]
            offsets.reserveCapacity(sizes.count + 1)
            for s in sizes { offsets.append(offsets[offsets.count - 1] + s) }
            var next = offsets
            var rows = [Int](repeating: 0, count: table.rowCount)
            for r in 0..<table.rowCount {
                rows[next[groupOf[r]]] = r
                next[groupOf[r]] += 1
            }
            self.offsets = offsets
            self.rows = rows
        }
    }

    // MARK: - Shared

    /// The worker pool of map and aggregate: `count` rows or groups of `table` in fixed chunks,
    /// one runtime per worker reading `table` (the columns the plugin reads in C), each chunk
    /// reseeded; `body` fills a chunk's part. Returns the merged parts and the timing note.
    static func runPool(
        _ plan: Plan, rows table: Table, count: Int, unit: String, _ context: StageContext,
        body: @escaping @Sendable (Worker, Range<Int>, inout TablePart) throws -> Void
    ) async throws -> (TablePart, String) {
        let columns = TableRecordSource.scriptColumns(table, reading: plan.fieldsRead)
        let pool = LuaWorkerPool(count: count, chunkSize: chunkSize, threads: context.threads)
        let start = ContinuousClock.now
        let parts = try await pool.run(unit: unit, progress: context.progress) { () throws -> Worker in
            try worker(plan, rows: table, columns: columns)
        } work: { w, c, range throws -> TablePart in
            w.lua.reseed(plan.context.seed &+ UInt64(c))
            var part = TablePart()
            try body(w, range, &part)
            part.printed = takePrinted(w.lua)
            return part
        }
        let time = timing(since: start, count: count, unit: unit, workers: pool.workers)
        var all = TablePart()
        for p in parts { merge(p, into: &all) }
        return (all, time)
    }

    static func merge(_ p: TablePart, into all: inout TablePart) {
        all.values += p.values
        all.mapped += p.mapped
        all.rows += p.rows
        all.groupOfRow += p.groupOfRow
        all.empty += p.empty
        all.skipped.merge(p.skipped)
        if all.printed.count < 20 { all.printed += p.printed }
    }

    /// `plugin calls: 0.41 s on 2 worker(s), 1.32 M rows/s` (the pool only, not the set-up).
    static func timing(since start: ContinuousClock.Instant, count: Int, unit: String, workers: Int) -> String {
        let seconds = (ContinuousClock.now - start) / .seconds(1)
        let rate = seconds > 0 ? Double(count) / seconds / 1e6 : 0
        let r = (rate * 1000).rounded() / 1000
        return "plugin calls: \((seconds * 1000).rounded() / 1000) s on \(workers) worker(s), \(r) M \(unit)/s"
    }

    static func takePrinted(_ lua: LuaRuntime) -> [String] {
        defer { lua.clearPrinted() }
        return Array(lua.printed.prefix(20))
    }

    static func text(_ v: ScriptValue) -> String {
        switch v {
        case .null: "nil"
        case .bool(let b): String(b)
        case .int(let i): String(i)
        case .double(let d): String(d)
        case .string(let s): s
        case .list(let l): "[" + l.map(text).joined(separator: ", ") + "]"
        }
    }

    /// Typed columns from map batches, in order (null cells → null; strings numbered again in
    /// order of first appearance, as ``makeTable(_:_:rows:)`` does).
    static func makeTable(_ columns: [PluginColumn], _ batches: [MapRows]) -> Table {
        let width = columns.count
        let rows = batches.reduce(0) { $0 + $1.rows }
        return Table.assemble(
            columns.enumerated().map { c, column in
                var valid = [Bool](repeating: true, count: rows)
                var base = 0
                for b in batches {
                    for i in b.nulls where i % width == c { valid[base + i / width] = false }
                    base += b.rows
                }
                let data: ColumnData
                switch column.type {
                case .int, .float, .bool:
                    var bits = [UInt64]()
                    bits.reserveCapacity(rows)
                    for b in batches {
                        for r in 0..<b.rows { bits.append(b.cells[r * width + c]) }
                    }
                    for (r, ok) in valid.enumerated() where !ok { bits[r] = 0 }
                    switch column.type {
                    case .int: data = .int(bits.map { Int64(bitPattern: $0) })
                    case .float: data = .float(bits.map { Double(bitPattern: $0) })
                    default: data = .bool(bits.map { $0 != 0 })
                    }
                case .string:
                    var column = StringColumnBuilder()
                    column.reserveCapacity(rows)
                    var r0 = 0
                    for b in batches {
                        // The batch's numbers → the column's, made on first use.
                        var remap = [UInt32](repeating: .max, count: b.strings.count)
                        for r in 0..<b.rows {
                            if !valid[r0 + r] {
                                column.append("")
                                continue
                            }
                            let k = Int(b.cells[r * width + c])
                            if remap[k] == .max { remap[k] = column.code(b.strings[k]) }
                            column.append(code: remap[k])
                        }
                        r0 += b.rows
                    }
                    data = column.finish()
                }
                return Column(name: column.name, data: data, validity: valid.contains(false) ? valid : nil)
            })
    }

    /// Typed columns from row-major values (nil → null).
    static func makeTable(_ columns: [PluginColumn], _ values: [ScriptValue], rows: Int) -> Table {
        let width = columns.count
        return Table.assemble(
            columns.enumerated().map { c, column in
                var valid = [Bool](repeating: true, count: rows)
                func cell(_ r: Int) -> ScriptValue {
                    let v = values[r * width + c]
                    if case .null = v { valid[r] = false }
                    return v
                }
                let data: ColumnData
                switch column.type {
                case .int:
                    data = .int((0..<rows).map { r in if case .int(let i) = cell(r) { i } else { 0 } })
                case .float:
                    data = .float((0..<rows).map { r in if case .double(let d) = cell(r) { d } else { 0 } })
                case .bool:
                    data = .bool((0..<rows).map { r in if case .bool(let b) = cell(r) { b } else { false } })
                case .string:
                    let strings = (0..<rows).map { r in if case .string(let s) = cell(r) { s } else { "" } }
                    data = Column.strings(column.name, strings).data
                }
                return Column(name: column.name, data: data, validity: valid.contains(false) ? valid : nil)
            })
    }
}
