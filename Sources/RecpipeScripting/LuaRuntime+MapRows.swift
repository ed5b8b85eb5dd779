import CLua

/// A `map` plugin's output rows as the C reader leaves them: row-major, 64 bits per cell (an
/// integer, a double's bit pattern, a bool as 0/1, or a string's number in ``strings``), the null
/// cells listed apart. No Swift value per cell: a string becomes a Swift `String` once per
/// batch (per distinct value), not once per row.
package struct MapRows: Sendable {
    package let columns: [PluginColumn]
    /// `rows × columns.count` cells, row-major.
    package var cells: [UInt64] = []
    /// Indices in ``cells`` of the cells that are null (the row had no value for the column).
    package var nulls: [Int] = []
    /// The batch's distinct strings, by number.
    package var strings: [String] = []
    package var rows = 0

    package init(columns: [PluginColumn]) {
        self.columns = columns
    }

    /// The cell of `row`, `column` as a script value (tests, messages).
    package func value(row: Int, column: Int) -> ScriptValue {
        let i = row * columns.count + column
        if nulls.contains(i) { return .null }
        let bits = cells[i]
        switch columns[column].type {
        case .int: return .int(Int64(bitPattern: bits))
        case .float: return .double(Double(bitPattern: bits))
        case .bool: return .bool(bits != 0)
        case .string: return .string(strings[Int(bits)])
        }
    }

    /// Appends a row of script values (the checked slow path; values already match the columns).
    mutating func append(_ values: [ScriptValue]) {
        for v in values {
            switch v {
            case .null:
                nulls.append(cells.count)
                cells.append(0)
            case .int(let i): cells.append(UInt64(bitPattern: i))
            case .double(let d): cells.append(d.bitPattern)
            case .bool(let b): cells.append(b ? 1 : 0)
            case .string(let s):
                cells.append(UInt64(strings.count))
                strings.append(s)
            case .list: cells.append(0)
            }
        }
        rows += 1
    }
}

/// The C reader's per-state set-up for one map plugin: its column keys (a Lua list), the string
/// table (string → number, kept from batch to batch, so a string new to the table is made once
/// per state, not once per batch), the column types and the batch's cells.
final class MapReader {
    let index: Int
    let names: [String]
    let keysRef: Int32
    let stringsRef: Int32
    /// The reused output table `out` (registry), for a function that takes it; else 0.
    var outRef: Int32
    /// The strings of the string table, by number; `numbered` is their count for the C reader.
    var strings: [String] = []
    var numbered: lua_Integer = 0
    /// Per string number: the batch that last used it (`stamp`) and its number in that batch.
    var stamp: [Int32] = []
    var inBatch: [Int32] = []
    var batch: Int32 = 0
    let types: UnsafeMutablePointer<Int32>
    let count: Int
    /// Per column the last string read and its number (reset with the string table).
    let last: UnsafeMutablePointer<recpipe_last_string>
    /// The batch driver's output: cells of the kept rows and a kept flag per row, for `capacity` rows.
    private(set) var batchCells: UnsafeMutablePointer<recpipe_cell>
    private(set) var kept: UnsafeMutablePointer<UInt8>
    private(set) var capacity = 0

    init(index: Int, columns: [PluginColumn], keysRef: Int32, stringsRef: Int32, outRef: Int32) {
        self.index = index
        names = columns.map(\.name)
        self.keysRef = keysRef
        self.stringsRef = stringsRef
        self.outRef = outRef
        count = columns.count
        types = .allocate(capacity: max(1, count))
        last = .allocate(capacity: max(1, count))
        last.initialize(repeating: recpipe_last_string(), count: max(1, count))
        batchCells = .allocate(capacity: 1)
        kept = .allocate(capacity: 1)
        for (k, c) in columns.enumerated() {
            let t: Int32 =
                switch c.type {
                case .int: Int32(RECPIPE_INT)
                case .float: Int32(RECPIPE_DOUBLE)
                case .string: Int32(RECPIPE_STRING)
                case .bool: Int32(RECPIPE_BOOL)
                }
            types[k] = t
        }
    }

    /// Keeps a string the C reader numbered (a cell whose string is new to the table has its
    /// bytes); called in the order it numbered them.
    func keepNew(_ cell: recpipe_cell) {
        strings.append(String(decoding: UnsafeRawBufferPointer(start: cell.s, count: cell.len), as: UTF8.self))
        stamp.append(-1)
        inBatch.append(0)
    }

    /// The number in `out`'s batch of string number `code` (added to `out` on first use).
    @inline(__always)
    func batchNumber(_ code: Int, _ out: inout MapRows) -> UInt64 {
        if stamp[code] != batch {
            stamp[code] = batch
            inBatch[code] = Int32(out.strings.count)
            out.strings.append(strings[code])
        }
        return UInt64(inBatch[code])
    }

    /// Room for a batch of `rows` rows.
    func reserve(rows: Int) {
        guard rows > capacity else { return }
        batchCells.deallocate()
        kept.deallocate()
        batchCells = .allocate(capacity: max(1, rows * count))
        kept = .allocate(capacity: rows)
        capacity = rows
    }

    deinit {
        types.deallocate()
        last.deallocate()
        batchCells.deallocate()
        kept.deallocate()
    }
}

extension LuaRuntime {
    /// Starts a batch of `map` rows for plugin `index`; every batch numbers its strings from 0.
    /// One batch at a time.
    package func startMapRows(_ index: Int, columns: [PluginColumn]) -> MapRows {
        let registry = recpipe_registryindex()
        if let r = mapReader, r.index == index, r.names.elementsEqual(columns.lazy.map(\.name)) {
            r.batch &+= 1
            if r.strings.count > maxMapStrings {
                lua_createtable(L, 0, 64)
                lua_rawseti(L, registry, lua_Integer(r.stringsRef))
                r.strings.removeAll()
                r.stamp.removeAll()
                r.inBatch.removeAll()
                r.numbered = 0
                r.last.update(repeating: recpipe_last_string(), count: max(1, r.count))
            }
        } else {
            if let old = mapReader {
                luaL_unref(L, registry, old.keysRef)
                luaL_unref(L, registry, old.stringsRef)
                if old.outRef != 0 { luaL_unref(L, registry, old.outRef) }
            }
            lua_createtable(L, Int32(columns.count), 0)
            for (k, column) in columns.enumerated() {
                pushString(column.name)
                lua_rawseti(L, -2, lua_Integer(k + 1))
            }
            let keys = luaL_ref(L, registry)
            lua_createtable(L, 0, 64)
            let strings = luaL_ref(L, registry)
            // `fn(row, out)`: the function takes the reused output table.
            _ = lua_rawgeti(L, Self.functionsSlot, lua_Integer(index + 1))
            let takesOut =
                lua_type(L, -1) == LUA_TFUNCTION && lua_iscfunction(L, -1) == 0 && recpipe_nparams(L, -1) >= 2
            recpipe_pop(L, 1)
            var out: Int32 = 0
            if takesOut {
                lua_createtable(L, 0, Int32(columns.count))
                out = luaL_ref(L, registry)
            }
            mapReader = MapReader(index: index, columns: columns, keysRef: keys, stringsRef: strings, outRef: out)
        }
        return MapRows(columns: columns)
    }

    /// Runs `map` for row `row` of the bound user source and appends its output row to `rows`
    /// (from ``startMapRows(_:columns:)``); false when the plugin dropped the row (returned nil).
    package func callMap(_ index: Int, row: Int, into rows: inout MapRows) throws(RuleError) -> Bool {
        var range = row..<(row + 1)
        var dropped = 0
        try callMap(index, rows: &range, into: &rows, dropped: &dropped)
        return dropped == 0
    }

    /// Runs `map` for the rows `rows` of the bound user source, appending their output rows to
    /// `out` (from ``startMapRows(_:columns:)``) and counting in `dropped` the rows the plugin
    /// dropped (returned nil). One protected call runs the whole range in C (recpipe_map_batch:
    /// the row filled, the function called, the result read into cells), each row still its own
    /// call for the budget, the memory cap and the error location. On an error `rows` starts after
    /// the row that failed, which the error names (`row N`), so a caller that skips errors goes on
    /// from there. A row that does not fit its columns is read again by ``readRow`` for the message
    /// (the same checks and messages as `aggregate` rows).
    package func callMap(
        _ index: Int, rows: inout Range<Int>, into out: inout MapRows, dropped: inout Int
    ) throws(RuleError) {
        guard let reader = mapReader, reader.index == index, reader.count == out.columns.count else {
            preconditionFailure("callMap(_:rows:into:dropped:) needs the batch of startMapRows(_:columns:)")
        }
        let n = reader.count
        reader.reserve(rows: rows.count)
        while !rows.isEmpty {
            var run = recpipe_map_run()
            run.next = lua_Integer(rows.lowerBound)
            run.end = lua_Integer(rows.upperBound)
            run.first = run.next
            if let r = rowTable, r.count > 0 {
                run.row_keys_ref = r.keysRef
                run.fields = UnsafePointer(r.fields)
                run.nfields = r.count
            }
            run.out_ref = reader.outRef
            run.keys_ref = reader.keysRef
            run.strings_ref = reader.stringsRef
            run.types = UnsafePointer(reader.types)
            run.ncols = Int32(n)
            run.cells = reader.batchCells
            run.kept = reader.kept
            run.last = reader.last
            let status = withUnsafeMutablePointer(to: &reader.numbered) { numbered in
                run.nstrings = numbered
                return withUnsafeMutablePointer(to: &run) { run in
                    recpipe_pushcfunction(L, recpipe_fn_map_batch())
                    lua_pushlightuserdata(L, run)
                    _ = lua_rawgeti(L, Self.functionsSlot, lua_Integer(index + 1))
                    pushRowValue()
                    let status = recpipe_pcall(L, 3, 1, Self.msghSlot)
                    endCall()
                    return status
                }
            }
            let stop = Int(run.next)
            for i in 0..<(stop - rows.lowerBound) where reader.kept[i] == 0 { dropped += 1 }
            let cellCount = Int(run.nkept) * n
            for i in 0..<cellCount {
                let c = reader.batchCells[i]
                if c.s != nil { reader.keepNew(c) }
                if c.null != 0 {
                    out.nulls.append(out.cells.count)
                    out.cells.append(0)
                } else if reader.types[i % n] == Int32(RECPIPE_STRING) {
                    out.cells.append(reader.batchNumber(Int(c.bits), &out))
                } else {
                    out.cells.append(c.bits)
                }
            }
            out.rows += Int(run.nkept)
            rows = min(stop + 1, rows.upperBound)..<rows.upperBound
            if reader.outRef != 0 && (status != LUA_OK || run.stop != 0) {
                // `out` may hold anything after a failed row: the next row gets a new one.
                lua_createtable(L, 0, Int32(n))
                lua_rawseti(L, recpipe_registryindex(), lua_Integer(reader.outRef))
            }
            let entity = "row \(stop + 1)"
            guard status == LUA_OK else {
                let error = makeError(status: status, rule: index, entity: entity)
                lua_settop(L, Self.baseTop)
                throw error
            }
            defer { lua_settop(L, Self.baseTop) }
            switch run.stop {
            case 0:
                return
            case 1:
                throw pluginError(
                    index, entity: entity, "map returned a \(luaTypeName(-1)); return a row table or nil")
            default:
                // The strings the table numbered before the misfit are kept: numbers match the table.
                let done = run.status > 0 ? Int(run.status) - 1 : n
                for k in 0..<done where reader.batchCells[cellCount + k].s != nil {
                    reader.keepNew(reader.batchCells[cellCount + k])
                }
                var values: [ScriptValue] = []
                try readRow(lua_gettop(L), index, columns: out.columns, entity: entity, into: &values)
                out.append(values)
            }
        }
    }
}

/// `row` in map and aggregate plugins: a Lua table (registry reference) the host refills per row
/// with the fields the user view reads in C (`fields`, keys in the list `keysRef`); every other
/// key reaches the view through the table's metatable (shim.h, row tables).
final class RowTable {
    let ref: Int32
    let keysRef: Int32
    let fields: UnsafeMutablePointer<Int32>
    let count: Int32

    init(ref: Int32, keysRef: Int32, fields: [Int32]) {
        self.ref = ref
        self.keysRef = keysRef
        count = Int32(fields.count)
        self.fields = .allocate(capacity: max(1, fields.count))
        self.fields.initialize(from: fields, count: fields.count)
    }

    deinit { fields.deallocate() }
}

extension LuaRuntime {
    /// Makes the row table for the bound user source: its fields are the columns read in C.
    func makeRowTable(source: (any ScriptRecordSource)?) {
        let registry = recpipe_registryindex()
        if let old = rowTable {
            luaL_unref(L, registry, old.ref)
            luaL_unref(L, registry, old.keysRef)
        }
        var fields: [Int32] = []
        var names: [String] = []
        if let source, let columns = boundColumns[0] {
            for (i, name) in source.fieldNames.enumerated()
            where i < columns.descriptors.count && columns.descriptors[i].type != Int32(RECPIPE_NIL)
                && columns.descriptors[i].type != Int32(RECPIPE_LIST)
            {
                fields.append(Int32(i))
                names.append(name)
            }
        }
        lua_createtable(L, Int32(names.count), 0)
        for (k, name) in names.enumerated() {
            pushString(name)
            lua_rawseti(L, -2, lua_Integer(k + 1))
        }
        let keys = luaL_ref(L, registry)
        recpipe_newrow(L, Int32(names.count))
        let ref = luaL_ref(L, registry)
        rowTable = RowTable(ref: ref, keysRef: keys, fields: fields)
    }

    /// Pushes `row` as it stands: the row table (not refilled), or the user view.
    func pushRowValue() {
        if let r = rowTable {
            _ = lua_rawgeti(L, recpipe_registryindex(), lua_Integer(r.ref))
        } else {
            lua_pushvalue(L, Self.userViewSlot)
        }
    }

    /// Pushes `row` for the user view's current row (map and aggregate calls).
    func pushRow() {
        guard let r = rowTable else {
            lua_pushvalue(L, Self.userViewSlot)
            return
        }
        let registry = recpipe_registryindex()
        _ = lua_rawgeti(L, registry, lua_Integer(r.ref))
        if r.count > 0 {
            _ = lua_rawgeti(L, registry, lua_Integer(r.keysRef))
            recpipe_fill_row(L, -2, -1, r.fields, r.count)
            recpipe_pop(L, 1)
        }
    }
}
