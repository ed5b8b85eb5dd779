import PostgresNIO
import RecpipeData

/// Encodes a table's rows in COPY's text format: tab-separated, `\N` for null, `\\`, `\t`, `\n`,
/// `\r` escaped; every string dictionary entry is escaped once, ints written digit by digit,
/// timestamps as `YYYY-MM-DD HH:MM:SS+00`, bools as `t`/`f`. O(rows × columns).
///
/// The columns are copied once into plain buffers (``Source``: no reference counting per cell),
/// and each chunk of rows is written straight into the `ByteBuffer`'s memory, sized up front
/// from the widest possible row. `withConstants` false leaves `run_id` and `as_of` out of the
/// rows (the table then fills them from column defaults).
final class PostgresCopyEncoder {
    enum Source {
        case int(UnsafeMutableBufferPointer<Int64>)
        case float(UnsafeMutableBufferPointer<Double>)
        case bool(UnsafeMutableBufferPointer<Bool>)
        /// Codes into the column's escaped dictionary: entry `k` is `bytes[offsets[k]..<offsets[k+1]]`.
        case string(
            codes: UnsafeMutableBufferPointer<UInt32>, bytes: UnsafeMutableBufferPointer<UInt8>,
            offsets: UnsafeMutableBufferPointer<Int>)
        case timestamp(UnsafeMutableBufferPointer<Int64>)
    }

    let rowCount: Int
    private var sources: [Source] = []
    private var nulls: [UnsafeMutableBufferPointer<Bool>?] = []
    private let tail: [UInt8]
    /// The most bytes one row can take.
    let maxRowBytes: Int
    private var scratch: [UInt8] = []

    init(_ t: TableExport, withConstants: Bool = true) {
        rowCount = t.data.rowCount
        tail = withConstants ? [9] + Self.escaped(t.runID) + [9] + Self.escaped(t.asOf) + [10] : [10]
        var widest = tail.count
        for c in t.data.columns {
            widest += 1
            switch c.data {
            case .int(let a):
                sources.append(.int(Self.copy(a)))
                widest += 20
            case .float(let a):
                sources.append(.float(Self.copy(a)))
                widest += 32
            case .bool(let a):
                sources.append(.bool(Self.copy(a)))
                widest += 2
            case .timestamp(let a):
                sources.append(.timestamp(Self.copy(a)))
                widest += 40
            case .string(let dictionary, let codes):
                var bytes: [UInt8] = [], offsets = [0]
                var longest = 2
                for entry in dictionary {
                    let e = Self.escaped(entry)
                    bytes += e
                    offsets.append(bytes.count)
                    longest = max(longest, e.count)
                }
                sources.append(.string(codes: Self.copy(codes), bytes: Self.copy(bytes), offsets: Self.copy(offsets)))
                widest += longest
            }
            nulls.append(c.validity.map { Self.copy($0) })
        }
        maxRowBytes = widest
    }

    deinit {
        for s in sources {
            switch s {
            case .int(let p), .timestamp(let p): p.deallocate()
            case .float(let p): p.deallocate()
            case .bool(let p): p.deallocate()
            case .string(let codes, let bytes, let offsets):
                codes.deallocate()
                bytes.deallocate()
                offsets.deallocate()
            }
        }
        for n in nulls { n?.deallocate() }
    }

    private static func copy<T>(_ a: [T]) -> UnsafeMutableBufferPointer<T> {
        let p = UnsafeMutableBufferPointer<T>.allocate(capacity: max(a.count, 1))
        _ = p.initialize(from: a)
        return p
    }

    static func escaped(_ s: String) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(s.utf8.count)
        for b in s.utf8 {
            switch b {
            case 92: out += [92, 92]
            case 9: out += [92, UInt8(ascii: "t")]
            case 10: out += [92, UInt8(ascii: "n")]
            case 13: out += [92, UInt8(ascii: "r")]
            default: out.append(b)
            }
        }
        return out
    }

    /// Rows per chunk so that one chunk needs about `bytes` at most.
    func chunkRows(bytes: Int = 1 << 20) -> Int { max(1, bytes / maxRowBytes) }

    func encode(rows: Range<Int>, into buffer: inout ByteBuffer) {
        buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: rows.count * maxRowBytes) { raw in
            let out = raw.bindMemory(to: UInt8.self).baseAddress!
            var n = 0
            for r in rows { n = encodeRow(r, out, n) }
            return n
        }
    }

    private func encodeRow(_ r: Int, _ out: UnsafeMutablePointer<UInt8>, _ start: Int) -> Int {
        var n = start
        for j in 0..<sources.count {
            if j > 0 {
                out[n] = 9
                n += 1
            }
            if let v = nulls[j], !v[r] {
                out[n] = 92
                out[n + 1] = UInt8(ascii: "N")
                n += 2
                continue
            }
            switch sources[j] {
            case .int(let a): n = Self.writeInt(a[r], out, n)
            case .float(let a): n = Self.writeDouble(a[r], out, n)
            case .bool(let a):
                out[n] = a[r] ? UInt8(ascii: "t") : UInt8(ascii: "f")
                n += 1
            case .string(let codes, let bytes, let offsets):
                let k = Int(codes[r])
                let from = offsets[k], count = offsets[k + 1] - from
                (out + n).update(from: bytes.baseAddress! + from, count: count)
                n += count
            case .timestamp(let a):
                scratch.removeAll(keepingCapacity: true)
                Timestamp.append(a[r], iso: false, to: &scratch)
                scratch += [UInt8(ascii: "+"), UInt8(ascii: "0"), UInt8(ascii: "0")]
                for b in scratch {
                    out[n] = b
                    n += 1
                }
            }
        }
        for b in tail {
            out[n] = b
            n += 1
        }
        return n
    }

    private static func writeInt(_ v: Int64, _ out: UnsafeMutablePointer<UInt8>, _ start: Int) -> Int {
        var n = start
        if v < 0 {
            out[n] = UInt8(ascii: "-")
            n += 1
        }
        var x = v.magnitude
        var digits = 1
        var t = x
        while t >= 10 {
            t /= 10
            digits += 1
        }
        var p = n + digits - 1
        repeat {
            out[p] = UInt8(48 + x % 10)
            x /= 10
            p -= 1
        } while x > 0
        return n + digits
    }

    private static func writeDouble(_ d: Double, _ out: UnsafeMutablePointer<UInt8>, _ start: Int) -> Int {
        var s: String
        if d.isNaN {
            s = "NaN"
        } else if d.isInfinite {
            s = d < 0 ? "-Infinity" : "Infinity"
        } else {
            s = d.description
        }
        return s.withUTF8 { u in
            (out + start).update(from: u.baseAddress!, count: u.count)
            return start + u.count
        }
    }
}
