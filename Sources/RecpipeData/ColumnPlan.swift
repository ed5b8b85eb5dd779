#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// How one source field becomes a table column: output name, type and accepted timestamp formats.
struct ColumnPlan: Sendable {
    var source: Int
    var name: String
    var type: ColumnType
    var formats: [TimestampFormat]
    var allowNonFinite = false
    var minimum: Double?
    var maximum: Double?
}

/// A column under construction inside one parse chunk. Strings are interned as bytes.
struct ChunkColumn {
    let type: ColumnType
    var ints: [Int64] = []
    var floats: [Double] = []
    var bools: [Bool] = []
    var codes: [UInt32] = []
    var interner = ByteInterner()
    var valid: [Bool] = []
    var anyNull = false
    /// Interned strings whose bytes are not valid UTF-8 (checked once per distinct string).
    private var invalidCodes: Set<UInt32> = []

    init(type: ColumnType, capacity: Int) {
        self.type = type
        valid.reserveCapacity(capacity)
        switch type {
        case .int, .timestamp: ints.reserveCapacity(capacity)
        case .float: floats.reserveCapacity(capacity)
        case .bool: bools.reserveCapacity(capacity)
        case .string: codes.reserveCapacity(capacity)
        }
    }

    /// Appends a pre-parsed non-string cell (`bits` holds the Int64, Double bits or 0/1).
    @inline(__always) mutating func append(bits: UInt64, isNull: Bool) {
        valid.append(!isNull)
        if isNull { anyNull = true }
        switch type {
        case .int, .timestamp: ints.append(Int64(bitPattern: bits))
        case .float: floats.append(Double(bitPattern: bits))
        case .bool: bools.append(bits != 0)
        case .string: codes.append(0)
        }
    }

    // The previous stable (file-backed) value: repeats (an invoice's lines, a country) skip hashing.
    var lastBytes: UnsafeRawBufferPointer?
    var lastCode: UInt32 = 0

    /// Appends a string; `stable` says `p` points into the input buffer (not a scratch copy).
    /// Returns whether its bytes are not valid UTF-8 (the table will hold U+FFFD for them).
    @inline(__always) @discardableResult
    mutating func appendString(_ p: UnsafeRawBufferPointer, stable: Bool) -> Bool {
        valid.append(true)
        if stable, let last = lastBytes, last.count == p.count,
            p.count == 0 || memcmp(last.baseAddress!, p.baseAddress!, p.count) == 0
        {
            codes.append(lastCode)
            return !invalidCodes.isEmpty && invalidCodes.contains(lastCode)
        }
        let before = interner.count
        let code = interner.intern(p)
        codes.append(code)
        if stable {
            lastBytes = p
            lastCode = code
        }
        if interner.count > before {
            guard !UTF8Check.isValid(p) else { return false }
            invalidCodes.insert(code)
            return true
        }
        return !invalidCodes.isEmpty && invalidCodes.contains(code)
    }
}

/// UTF-8 validity of raw field bytes: eight ASCII bytes at a time, the decoder past that.
enum UTF8Check {
    static func isValid(_ p: UnsafeRawBufferPointer) -> Bool {
        var i = 0
        let n = p.count
        while i + 8 <= n {
            if p.loadUnaligned(fromByteOffset: i, as: UInt64.self) & 0x8080_8080_8080_8080 != 0 { break }
            i += 8
        }
        while i < n, p[i] < 0x80 { i += 1 }
        guard i < n else { return true }
        var parser = Unicode.UTF8.ForwardParser()
        var input = UnsafeRawBufferPointer(rebasing: p[i...]).makeIterator()
        while true {
            switch parser.parseScalar(from: &input) {
            case .valid: continue
            case .error: return false
            case .emptyInput: return true
            }
        }
    }
}

/// Concatenates chunk columns into table columns; string dictionaries are merged in chunk order,
/// so codes come out as if one sequential pass had read the file. O(rows + distinct strings).
func mergeChunkColumns(_ parts: [ChunkColumn], name: String, type: ColumnType) -> Column {
    let anyNull = parts.contains { $0.anyNull }
    let validity: [Bool]? = anyNull ? parts.flatMap(\.valid) : nil
    switch type {
    case .int: return Column(name: name, data: .int(parts.flatMap(\.ints)), validity: validity)
    case .timestamp: return Column(name: name, data: .timestamp(parts.flatMap(\.ints)), validity: validity)
    case .float: return Column(name: name, data: .float(parts.flatMap(\.floats)), validity: validity)
    case .bool: return Column(name: name, data: .bool(parts.flatMap(\.bools)), validity: validity)
    case .string:
        if parts.count == 1 {
            return Column(
                name: name, data: .string(dictionary: parts[0].interner.strings(), codes: parts[0].codes),
                validity: validity)
        }
        var dict: [String] = []
        var index: [String: UInt32] = [:]
        var codes: [UInt32] = []
        codes.reserveCapacity(parts.reduce(0) { $0 + $1.codes.count })
        for part in parts {
            let remap = part.interner.strings().map { s -> UInt32 in
                if let c = index[s] { return c }
                let c = UInt32(dict.count)
                index[s] = c
                dict.append(s)
                return c
            }
            if remap.isEmpty {
                codes.append(contentsOf: part.codes)
            } else {
                for (r, c) in part.codes.enumerated() { codes.append(part.valid[r] ? remap[Int(c)] : 0) }
            }
        }
        return Column(name: name, data: .string(dictionary: dict, codes: codes), validity: validity)
    }
}
