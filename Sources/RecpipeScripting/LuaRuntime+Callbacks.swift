import CLua
import RecpipeCore

/// The Swift side of the C trampolines in `shim.h`. None of these touches the Lua stack or raises
/// a Lua error: values go out through `recpipe_value`, text through the scratch buffer, and the C
/// caller pushes or raises.
extension LuaRuntime {
    // MARK: - Installing

    func installCallbacks() {
        ctx.pointee.fetch = RecordBinding.fetch
        ctx.pointee.elem = RecordBinding.elem
        ctx.pointee.list_end = RecordBinding.listEnd
        ctx.pointee.has = RecordBinding.has
        ctx.pointee.unknown_field = { host, kind, row, key, len in
            let rt = Unmanaged<LuaRuntime>.fromOpaque(host!).takeUnretainedValue()
            return rt.writeScratch(rt.unknownFieldMessage(kind: kind, key: key, length: len))
        }
        ctx.pointee.describe = { host, kind, row, _, _ in
            let rt = Unmanaged<LuaRuntime>.fromOpaque(host!).takeUnretainedValue()
            let source = kind == 0 ? rt.userSource : rt.itemSource
            let role = kind == 0 ? "user" : "item"
            return rt.writeScratch(source.map { "\(role) \($0.id(row: Int(row)))" } ?? role)
        }
        ctx.pointee.print = { host, text, len in
            let rt = Unmanaged<LuaRuntime>.fromOpaque(host!).takeUnretainedValue()
            guard rt.printed.count < rt.maxPrintedLines else {
                rt.droppedPrintedLines += 1
                return
            }
            rt.printed.append(String(decoding: UnsafeRawBufferPointer(start: text, count: len), as: UTF8.self))
        }
    }

    func writeScratch(_ text: String) -> Int { RecordBinding.writeScratch(text, ctx: ctx) }

    func unknownFieldMessage(kind: Int32, key: UnsafePointer<CChar>?, length: Int) -> String {
        let role = kind == 0 ? "user" : "item"
        guard let key else { return "\(role) records are indexed by field name (a string)" }
        let name = String(decoding: UnsafeRawBufferPointer(start: key, count: length), as: UTF8.self)
        guard let source = kind == 0 ? userSource : itemSource else {
            return "unknown field '\(name)': no \(role) record is available here"
        }
        var message = "unknown field '\(name)' on \(role)"
        let candidates = source.fieldNames + ScriptRecordSet.allCases.map(\.methodName)
        if let hint = Suggestions.hint(for: name, in: candidates) { message += " (\(hint))" }
        return message
    }

    // MARK: - Binding record sources

    /// Makes `u` in rules read `source` (nil unbinds).
    package func bind(users source: (any ScriptRecordSource)?) {
        userBinding = source.map { RecordBinding(source: $0, ctx: ctx) }
        ctx.pointee.views.0!.pointee.binding = userBinding.map { Unmanaged.passUnretained($0).toOpaque() }
        rebuildFieldMap(slot: Self.userViewSlot, source: source)
        boundColumns[0] = source?.scriptColumns
        ScriptColumns.attach(boundColumns[0], to: ctx.pointee.views.0!)
        makeRowTable(source: source)
        boundItemSets = source?.itemSets
        let sets = boundItemSets
        ctx.pointee.sets = (
            recpipe_itemset(), sets?.itemset(.purchased) ?? recpipe_itemset(), sets?.itemset(.seen) ?? recpipe_itemset()
        )
    }

    /// Makes `item` in filters and promotions read `source` (nil unbinds).
    package func bind(items source: (any ScriptRecordSource)?) {
        itemBinding = source.map { RecordBinding(source: $0, ctx: ctx) }
        ctx.pointee.views.1!.pointee.binding = itemBinding.map { Unmanaged.passUnretained($0).toOpaque() }
        rebuildFieldMap(slot: Self.itemViewSlot, source: source)
        boundColumns[1] = source?.scriptColumns
        ScriptColumns.attach(boundColumns[1], to: ctx.pointee.views.1!)
    }

    /// The view's uservalue: field name → index, method name → function (methods win). A set the
    /// source reports unavailable gets a method that raises the source's reason.
    private func rebuildFieldMap(slot: Int32, source: (any ScriptRecordSource)?) {
        lua_settop(L, Self.baseTop)
        lua_createtable(L, 0, Int32((source?.fieldNames.count ?? 0) + 3))
        if let source {
            for (i, name) in source.fieldNames.enumerated() {
                pushString(name)
                lua_pushinteger(L, lua_Integer(i))
                lua_rawset(L, -3)
            }
        }
        for set in ScriptRecordSet.allCases {
            if let reason = source?.unavailableReason(set: set.name) {
                pushString(reason)
                recpipe_push_unavailable_method(L)
            } else {
                recpipe_push_has_method(L, set.rawValue)
            }
            lua_setfield(L, -2, set.methodName)
        }
        lua_setiuservalue(L, slot, 1)
        lua_settop(L, Self.baseTop)
    }

    // MARK: - Small stack helpers (host side, outside script code)

    func pushString(_ s: String) {
        var s = s
        s.withUTF8 { bytes in
            _ = bytes.withMemoryRebound(to: CChar.self) { lua_pushlstring(L, $0.baseAddress, $0.count) }
        }
    }

    /// The string at `index`, if it is a string (never converts numbers in place).
    func string(at index: Int32) -> String? {
        guard lua_type(L, index) == LUA_TSTRING else { return nil }
        var len = 0
        guard let p = lua_tolstring(L, index, &len) else { return nil }
        return String(decoding: UnsafeRawBufferPointer(start: p, count: len), as: UTF8.self)
    }
}
