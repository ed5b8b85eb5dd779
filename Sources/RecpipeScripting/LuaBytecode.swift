/// Reads the function prototypes of a Lua 5.4 binary chunk (`lua_dump` output) far enough to find
/// assignments to upvalues, with their lines and names.
///
/// Used on rule functions after a file loads: a function that exists when loading ends and
/// assigns (`SETUPVAL`) to one of its own upvalues, directly or from a nested function, writes a
/// variable created at load time — state that would carry from one user or item to the next.
/// Locals of the function itself and of functions it calls are fresh on every call and allowed.
struct LuaBytecode {
    /// An assignment to a variable created while the file loaded.
    struct UpvalueWrite: Hashable {
        /// The chunk's source name (`=#N` for rules files).
        var source: String
        var line: Int
        var name: String
    }

    private let bytes: [UInt8]
    private var pos = 0

    /// `OP_SETUPVAL` in Lua 5.4: `UpValue[B] := R[A]`.
    static let setUpvalue: UInt32 = 10

    enum Failure: Error { case truncated, unsupported }

    /// The writes to the top function's upvalues in `dump`, in code order.
    static func upvalueWrites(in dump: [UInt8]) throws(Failure) -> [UpvalueWrite] {
        var reader = LuaBytecode(bytes: dump)
        return try reader.scanChunk()
    }

    private init(bytes: [UInt8]) { self.bytes = bytes }

    // MARK: - Chunk

    private mutating func scanChunk() throws(Failure) -> [UpvalueWrite] {
        // Header: signature (4), version, format, LUAC_DATA (6), three sizes, LUAC_INT, LUAC_NUM.
        guard bytes.count > 15, bytes[0] == 0x1B, bytes[4] == 0x54, bytes[5] == 0 else { throw .unsupported }
        guard bytes[12] == 4 else { throw .unsupported }
        pos = 15 + Int(bytes[13]) + Int(bytes[14])
        _ = try byte()  // number of upvalues of the main function
        var out: [UpvalueWrite] = []
        try function(parentSource: "", external: nil, into: &out)
        return out
    }

    /// Reads one prototype. `external`: for each upvalue of the parent, whether it lives outside
    /// the dumped function (nil for the dumped function itself: all of its upvalues do).
    private mutating func function(
        parentSource: String, external parentExternal: [Bool]?, into out: inout [UpvalueWrite]
    ) throws(Failure) {
        let source = try string() ?? parentSource
        let lineDefined = try size()
        _ = try size()  // lastlinedefined
        pos += 3  // numparams, is_vararg, maxstacksize
        let codeCount = try size()
        var code: [UInt32] = []
        code.reserveCapacity(codeCount)
        for _ in 0..<codeCount { code.append(try word()) }
        try skipConstants()
        let upvalueCount = try size()
        var external: [Bool] = []
        for _ in 0..<upvalueCount {
            let inStack = try byte()
            let index = Int(try byte())
            _ = try byte()  // kind
            if let parentExternal {
                external.append(inStack == 0 && index < parentExternal.count && parentExternal[index])
            } else {
                external.append(true)
            }
        }
        let protoCount = try size()
        var nested: [UpvalueWrite] = []
        for _ in 0..<protoCount { try function(parentSource: source, external: external, into: &nested) }
        // Debug information: line deltas, absolute lines, locals, upvalue names.
        let lineInfoCount = try size()
        guard pos + lineInfoCount <= bytes.count else { throw .truncated }
        let lineInfo = bytes[pos..<(pos + lineInfoCount)].map { Int(Int8(bitPattern: $0)) }
        pos += lineInfoCount
        var absolute: [Int: Int] = [:]
        for _ in 0..<(try size()) {
            let pc = try size()
            absolute[pc] = try size()
        }
        for _ in 0..<(try size()) {
            _ = try string()
            _ = try size()
            _ = try size()
        }
        var names: [String] = []
        for _ in 0..<(try size()) { names.append(try string() ?? "?") }

        var line = lineDefined
        for (pc, instruction) in code.enumerated() {
            if pc < lineInfo.count {
                if lineInfo[pc] == -0x80 { line = absolute[pc] ?? line } else { line += lineInfo[pc] }
            }
            guard instruction & 0x7F == Self.setUpvalue else { continue }
            let b = Int((instruction >> 16) & 0xFF)
            guard b < external.count, external[b] else { continue }
            out.append(UpvalueWrite(source: source, line: line, name: b < names.count ? names[b] : "?"))
        }
        out += nested
    }

    // MARK: - Primitives

    private mutating func byte() throws(Failure) -> UInt8 {
        guard pos < bytes.count else { throw .truncated }
        defer { pos += 1 }
        return bytes[pos]
    }

    private mutating func word() throws(Failure) -> UInt32 {
        guard pos + 4 <= bytes.count else { throw .truncated }
        defer { pos += 4 }
        return UInt32(bytes[pos]) | UInt32(bytes[pos + 1]) << 8 | UInt32(bytes[pos + 2]) << 16
            | UInt32(bytes[pos + 3]) << 24
    }

    /// `dumpSize`: 7 bits a byte, most significant first, the last byte marked with 0x80.
    private mutating func size() throws(Failure) -> Int {
        var x = 0
        while true {
            let b = try byte()
            guard x < Int.max >> 7 else { throw .unsupported }
            x = x << 7 | Int(b & 0x7F)
            if b & 0x80 != 0 { return x }
        }
    }

    private mutating func string() throws(Failure) -> String? {
        let n = try size()
        guard n > 0 else { return nil }
        guard pos + n - 1 <= bytes.count else { throw .truncated }
        defer { pos += n - 1 }
        return String(decoding: bytes[pos..<(pos + n - 1)], as: UTF8.self)
    }

    private mutating func skipConstants() throws(Failure) {
        for _ in 0..<(try size()) {
            switch try byte() {
            case 0x03, 0x13: pos += 8  // integer, float
            case 0x04, 0x14: _ = try string()  // short, long string
            case 0x00, 0x01, 0x11: break  // nil, false, true
            default: throw .unsupported
            }
        }
    }
}
