import CLua

/// A record source bound to one of the runtime's two views (`u`, `item`).
///
/// The view's userdata holds an unretained pointer to this object (the runtime keeps it alive),
/// so a field access reaches the source through `let` properties: no reference counting or
/// exclusivity checks on the hot path.
final class RecordBinding {
    let source: any ScriptRecordSource
    let ctx: UnsafeMutablePointer<recpipe_ctx>
    /// Lists being converted by the C side (a list element may itself be a list).
    var listStack: [[ScriptValue]] = []

    init(source: any ScriptRecordSource, ctx: UnsafeMutablePointer<recpipe_ctx>) {
        self.source = source
        self.ctx = ctx
    }

    static func from(_ p: UnsafeMutableRawPointer?) -> RecordBinding {
        Unmanaged<RecordBinding>.fromOpaque(p!).takeUnretainedValue()
    }

    // MARK: - C callbacks

    static let fetch: recpipe_fetch_fn = { binding, row, field, out in
        let b = from(binding)
        b.write(b.source.value(row: Int(row), field: Int(field)), to: out!, topLevel: true)
    }

    static let elem: recpipe_elem_fn = { binding, index, out in
        let b = from(binding)
        guard let list = b.listStack.last, index >= 1, Int(index) <= list.count else { return }
        b.write(list[Int(index) - 1], to: out!, topLevel: false)
    }

    static let listEnd: recpipe_list_end_fn = { binding in
        let b = from(binding)
        if !b.listStack.isEmpty { b.listStack.removeLast() }
    }

    static let has: recpipe_has_fn = { binding, row, set, key, len in
        let b = from(binding)
        guard let set = ScriptRecordSet(rawValue: set) else { return 0 }
        let key = String(decoding: UnsafeRawBufferPointer(start: key, count: len), as: UTF8.self)
        return b.source.has(set: set.name, row: Int(row), key: key) ? 1 : 0
    }

    // MARK: - Values out to C

    /// Fills `out` with `value`; strings are copied to the scratch buffer, lists go on `listStack`
    /// (cleared first for a top-level value, in case a memory error interrupted an earlier list).
    @inline(__always)
    func write(_ value: ScriptValue, to out: UnsafeMutablePointer<recpipe_value>, topLevel: Bool) {
        switch value {
        case .null:
            out.pointee.type = Int32(RECPIPE_NIL)
        case .bool(let b):
            out.pointee.type = Int32(RECPIPE_BOOL)
            out.pointee.i = b ? 1 : 0
        case .int(let i):
            out.pointee.type = Int32(RECPIPE_INT)
            out.pointee.i = i
        case .double(let d):
            out.pointee.type = Int32(RECPIPE_DOUBLE)
            out.pointee.d = d
        case .string(let s):
            let n = Self.writeScratch(s, ctx: ctx)
            out.pointee.type = Int32(RECPIPE_STRING)
            out.pointee.s = UnsafePointer(ctx.pointee.scratch)
            out.pointee.len = n
        case .list(let l):
            if topLevel { listStack.removeAll(keepingCapacity: true) }
            listStack.append(l)
            out.pointee.type = Int32(RECPIPE_LIST)
            out.pointee.i = Int64(l.count)
        }
    }

    /// Copies `text`'s UTF-8 bytes into the scratch buffer (growing it), returning the byte count.
    static func writeScratch(_ text: String, ctx: UnsafeMutablePointer<recpipe_ctx>) -> Int {
        var text = text
        return text.withUTF8 { bytes in
            if bytes.count > ctx.pointee.scratch_cap {
                let capacity = max(bytes.count, ctx.pointee.scratch_cap * 2)
                ctx.pointee.scratch.deallocate()
                ctx.pointee.scratch = UnsafeMutablePointer<CChar>.allocate(capacity: capacity)
                ctx.pointee.scratch_cap = capacity
            }
            if let base = bytes.baseAddress {
                UnsafeMutableRawPointer(ctx.pointee.scratch).copyMemory(from: base, byteCount: bytes.count)
            }
            return bytes.count
        }
    }
}
