#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The byte range of one field of a CSV record. For a quoted field the range excludes the
/// surrounding quotes; `escaped` says it contains doubled quotes that must be collapsed.
struct FieldRef: Sendable {
    var start: Int
    var end: Int
    var quoted: Bool
    var escaped: Bool
}

/// An RFC 4180 record scanner over raw bytes: configurable delimiter and quote, quoted fields
/// with embedded delimiters, doubled quotes and newlines, LF or CRLF line ends.
///
/// Complexity: O(bytes) — each byte is looked at once. No allocation per record beyond the
/// reused `fields` array.
struct CSVScanner {
    enum Outcome: Equatable {
        /// A record; `fields` holds its fields.
        case record
        /// An empty line (no bytes, or only `\r`): not a record.
        case blank
        /// A quoted field was still open at the end of the input; the record runs to EOF.
        case unterminatedQuote
        /// Bytes followed a closing quote before the next delimiter (field index given).
        case textAfterQuote(field: Int)
    }

    let p: UnsafeRawBufferPointer
    let delimiter: UInt8
    let quote: UInt8

    private static let lf: UInt8 = 10
    private static let cr: UInt8 = 13

    /// Reads the record starting at `pos`; advances `pos` past its line end and adds the physical
    /// newlines consumed to `newlines`. `pos` must be `< p.count`.
    func next(_ pos: inout Int, _ newlines: inout Int, _ fields: inout [FieldRef]) -> Outcome {
        fields.removeAll(keepingCapacity: true)
        let n = p.count
        var i = pos
        if p[i] == Self.lf || (p[i] == Self.cr && (i + 1 == n || p[i + 1] == Self.lf)) {
            pos = p[i] == Self.cr ? min(n, i + 2) : i + 1
            newlines += 1
            return .blank
        }
        var outcome = Outcome.record
        while true {
            if i < n, p[i] == quote {
                i += 1
                let start = i
                var escaped = false
                var closed = false
                while i < n {
                    let c = p[i]
                    if c == quote {
                        if i + 1 < n, p[i + 1] == quote {
                            escaped = true
                            i += 2
                            continue
                        }
                        closed = true
                        break
                    }
                    if c == Self.lf { newlines += 1 }
                    i += 1
                }
                guard closed else {
                    fields.append(FieldRef(start: start, end: n, quoted: true, escaped: escaped))
                    pos = n
                    return .unterminatedQuote
                }
                fields.append(FieldRef(start: start, end: i, quoted: true, escaped: escaped))
                i += 1
                if i < n, p[i] != delimiter, p[i] != Self.lf, !(p[i] == Self.cr && (i + 1 == n || p[i + 1] == Self.lf))
                {
                    if outcome == .record { outcome = .textAfterQuote(field: fields.count - 1) }
                    while i < n, p[i] != delimiter, p[i] != Self.lf { i += 1 }
                }
            } else {
                let start = i
                while i < n {
                    let c = p[i]
                    if c == delimiter || c == Self.lf { break }
                    i += 1
                }
                var end = i
                if end > start, p[end - 1] == Self.cr, i == n || p[i] == Self.lf { end -= 1 }
                fields.append(FieldRef(start: start, end: end, quoted: false, escaped: false))
            }
            if i >= n {
                pos = n
                return outcome
            }
            if p[i] == delimiter {
                i += 1
                continue
            }
            if p[i] == Self.cr { i += 1 }
            if i < n, p[i] == Self.lf {
                newlines += 1
                i += 1
            }
            pos = i
            return outcome
        }
    }

    /// The field's bytes; doubled quotes are collapsed into `scratch` when needed.
    @inline(__always)
    func bytes(of f: FieldRef, scratch: inout [UInt8], _ body: (UnsafeRawBufferPointer) -> Void) {
        if !f.escaped {
            body(UnsafeRawBufferPointer(rebasing: p[f.start..<f.end]))
            return
        }
        scratch.removeAll(keepingCapacity: true)
        var i = f.start
        while i < f.end {
            scratch.append(p[i])
            i += p[i] == quote ? 2 : 1
        }
        scratch.withUnsafeBytes(body)
    }

    func string(of f: FieldRef) -> String {
        var scratch: [UInt8] = []
        var s = ""
        bytes(of: f, scratch: &scratch) { s = String(decoding: $0, as: UTF8.self) }
        return s
    }

    /// The record's raw text from `start` up to `end`, without the trailing line end.
    func raw(_ start: Int, _ end: Int) -> String {
        var e = end
        if e > start, p[e - 1] == Self.lf { e -= 1 }
        if e > start, p[e - 1] == Self.cr { e -= 1 }
        return String(decoding: UnsafeRawBufferPointer(rebasing: p[start..<e]), as: UTF8.self)
    }
}

/// Interns byte strings into a dictionary without building a `String` per occurrence: an
/// open-addressing hash table over a byte arena. Amortized O(length) per lookup.
struct ByteInterner {
    private(set) var arena: [UInt8] = []
    private(set) var starts: [Int] = [0]
    private var slots: [Int32] = [Int32](repeating: -1, count: 64)
    private var hashes: [UInt64] = []

    var count: Int { starts.count - 1 }

    /// A word-at-a-time multiplicative hash (not cryptographic; collisions only cost a compare).
    @inline(__always) private static func hash(_ p: UnsafeRawBufferPointer) -> UInt64 {
        let n = p.count
        var h: UInt64 = 0x9E37_79B9_7F4A_7C15 &* UInt64(n &+ 1)
        var i = 0
        while i + 8 <= n {
            h = (h ^ p.loadUnaligned(fromByteOffset: i, as: UInt64.self)) &* 0xBF58_476D_1CE4_E5B9
            h ^= h >> 29
            i += 8
        }
        var tail: UInt64 = 0
        while i < n {
            tail = tail << 8 | UInt64(p[i])
            i += 1
        }
        h = (h ^ tail) &* 0x94D0_49BB_1331_11EB
        return h ^ (h >> 31)
    }

    mutating func intern(_ p: UnsafeRawBufferPointer) -> UInt32 {
        let h = Self.hash(p)
        var mask = slots.count - 1
        var s = Int(truncatingIfNeeded: h) & mask
        let found: Int? = slots.withUnsafeBufferPointer { slotBuf in
            hashes.withUnsafeBufferPointer { hashBuf in
                starts.withUnsafeBufferPointer { startBuf in
                    arena.withUnsafeBytes { a -> Int? in
                        while true {
                            let e = Int(slotBuf[s])
                            if e < 0 { return nil }
                            if hashBuf[e] == h, startBuf[e + 1] - startBuf[e] == p.count,
                                p.count == 0 || memcmp(a.baseAddress! + startBuf[e], p.baseAddress!, p.count) == 0
                            {
                                return e
                            }
                            s = (s + 1) & mask
                        }
                    }
                }
            }
        }
        if let found { return UInt32(found) }
        let id = count
        arena.append(contentsOf: p)
        starts.append(arena.count)
        hashes.append(h)
        slots[s] = Int32(id)
        if count * 2 > slots.count {
            slots = [Int32](repeating: -1, count: slots.count * 2)
            mask = slots.count - 1
            for (e, eh) in hashes.enumerated() {
                var t = Int(truncatingIfNeeded: eh) & mask
                while slots[t] >= 0 { t = (t + 1) & mask }
                slots[t] = Int32(e)
            }
        }
        return UInt32(id)
    }

    /// The interned strings, in first-seen order.
    func strings() -> [String] {
        arena.withUnsafeBytes { a in
            (0..<count).map {
                String(decoding: UnsafeRawBufferPointer(rebasing: a[starts[$0]..<starts[$0 + 1]]), as: UTF8.self)
            }
        }
    }
}
