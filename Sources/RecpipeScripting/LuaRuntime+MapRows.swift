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

/// The C reader's per-state set-up for one map plugin: its column keys (a Lua list), the batch's
/// string table (string → number), the column types and the cells it writes.
final class MapReader {
    let index: Int
    let names: [String]
    let keysRef: Int32
    var stringsRef: Int32
    var strings: lua_Integer = 0
    let types: UnsafeMutablePointer<Int32>
    let cells: UnsafeMutablePointer<recpipe_cell>
    let count: Int

    init(index: Int, columns: [PluginColumn], keysRef: Int32, stringsRef: Int32) {
        self.index = index
        names = columns.map(\.name)
        self.keysRef = keysRef
        self.stringsRef = stringsRef
        count = columns.count
        types = .allocate(capacity: max(1, count))
        cells = .allocate(capacity: max(1, count))
        cells.initialize(repeating: recpipe_cell(), count: max(1, count))
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

    deinit {
        types.deallocate()
        cells.deallocate()
    }
}

extension LuaRuntime {
    /// Starts a batch of `map` rows for plugin `index`: a new string table (the previous batch's
    /// strings are released), so every batch numbers its strings from 0. One batch at a time.
    package func startMapRows(_ index: Int, columns: [PluginColumn]) -> MapRows {
        let registry = recpipe_registryindex()
        if let r = mapReader, r.index == index, r.names.elementsEqual(columns.lazy.map(\.name)) {
            lua_createtable(L, 0, 64)
            lua_rawseti(L, registry, lua_Integer(r.stringsRef))
            r.strings = 0
        } else {
            if let old = mapReader {
                luaL_unref(L, registry, old.keysRef)
                luaL_unref(L, registry, old.stringsRef)
            }
            lua_createtable(L, Int32(columns.count), 0)
            for (k, column) in columns.enumerated() {
                pushString(column.name)
                lua_rawseti(L, -2, lua_Integer(k + 1))
            }
            let keys = luaL_ref(L, registry)
            lua_createtable(L, 0, 64)
            let strings = luaL_ref(L, registry)
            mapReader = MapReader(index: index, columns: columns, keysRef: keys, stringsRef: strings)
        }
        return MapRows(columns: columns)
    }

    /// Runs `map` for row `row` of the bound user source and appends its output row to `rows`
    /// (from ``startMapRows(_:columns:)``); false when the plugin dropped the row (returned nil).
    /// The row is read in C (raw reads, the columns' keys and the batch's strings kept in the
    /// state); a row that does not fit its columns is read again by ``readRow`` for the message
    /// (the same checks and messages as `aggregate` rows).
    package func callMap(_ index: Int, row: Int, into rows: inout MapRows) throws(RuleError) -> Bool {
        guard let reader = mapReader, reader.index == index, reader.strings == rows.strings.count,
            reader.count == rows.columns.count
        else {
            preconditionFailure("callMap(_:row:into:) needs the batch of startMapRows(_:columns:)")
        }
        ctx.pointee.views.0!.pointee.row = lua_Integer(row)
        _ = lua_rawgeti(L, Self.functionsSlot, lua_Integer(index + 1))
        pushRow()
        try call(index, args: 1, entity: "row \(row + 1)")
        defer { lua_settop(L, Self.baseTop) }
        switch lua_type(L, -1) {
        case LUA_TNIL: return false
        case LUA_TTABLE: break
        default:
            throw pluginError(
                index, entity: "row \(row + 1)",
                "map returned a \(luaTypeName(-1)); return a row table or nil")
        }
        let t = lua_gettop(L)
        let registry = recpipe_registryindex()
        _ = lua_rawgeti(L, registry, lua_Integer(reader.keysRef))
        _ = lua_rawgeti(L, registry, lua_Integer(reader.stringsRef))
        let n = reader.count
        let status = recpipe_read_row(
            L, t, t + 1, t + 2, Int32(n), reader.types, reader.cells, &reader.strings)
        // The strings numbered before a failure are kept (a skipped row must not leave a gap).
        let done = status > 0 ? Int(status) - 1 : n
        for k in 0..<done where reader.cells[k].s != nil {
            let c = reader.cells[k]
            rows.strings.append(
                String(decoding: UnsafeRawBufferPointer(start: c.s, count: c.len), as: UTF8.self))
        }
        guard status == 0 else {
            var values: [ScriptValue] = []
            try readRow(t, index, columns: rows.columns, entity: "row \(row + 1)", into: &values)
            rows.append(values)
            reader.strings = lua_Integer(rows.strings.count)
            return true
        }
        for k in 0..<n {
            let c = reader.cells[k]
            if c.null != 0 { rows.nulls.append(rows.cells.count) }
            rows.cells.append(c.bits)
        }
        rows.rows += 1
        return true
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
            where i < columns.descriptors.count && columns.descriptors[i].type != Int32(RECPIPE_NIL) {
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
