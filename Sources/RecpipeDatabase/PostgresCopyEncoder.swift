import PostgresNIO
import RecpipeData

/// Encodes a table's rows in COPY's text format: tab-separated, `\N` for null, `\\`, `\t`, `\n`,
/// `\r` escaped; every string dictionary entry is escaped once, ints written digit by digit,
/// timestamps as `YYYY-MM-DD HH:MM:SS+00`, bools as `t`/`f`. O(rows × columns).
struct PostgresCopyEncoder {
    let table: Table
    let dictionaries: [[[UInt8]]]
    let tail: [UInt8]
    private var scratch: [UInt8] = []

    init(_ t: TableExport) {
        table = t.data
        dictionaries = t.data.columns.map { c in
            if case .string(let d, _) = c.data { return d.map(Self.escaped) }
            return []
        }
        tail = [9] + Self.escaped(t.runID) + [9] + Self.escaped(t.asOf) + [10]
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

    mutating func encode(rows: Range<Int>, into buffer: inout ByteBuffer) {
        let columns = table.columns
        for r in rows {
            for (j, c) in columns.enumerated() {
                if j > 0 { buffer.writeInteger(UInt8(9)) }
                if c.isNull(r) {
                    buffer.writeBytes([92, UInt8(ascii: "N")])
                    continue
                }
                switch c.data {
                case .int(let a): writeInt(a[r], &buffer)
                case .float(let a): writeDouble(a[r], &buffer)
                case .bool(let a): buffer.writeInteger(a[r] ? UInt8(ascii: "t") : UInt8(ascii: "f"))
                case .string(_, let codes): buffer.writeBytes(dictionaries[j][Int(codes[r])])
                case .timestamp(let a):
                    scratch.removeAll(keepingCapacity: true)
                    Timestamp.append(a[r], iso: false, to: &scratch)
                    buffer.writeBytes(scratch)
                    buffer.writeBytes([UInt8(ascii: "+"), UInt8(ascii: "0"), UInt8(ascii: "0")])
                }
            }
            buffer.writeBytes(tail)
        }
    }

    private func writeInt(_ v: Int64, _ buffer: inout ByteBuffer) {
        if v == .min {
            buffer.writeString(String(v))
            return
        }
        var x = v < 0 ? -v : v
        var digits:
            (
                UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8,
                UInt8, UInt8, UInt8, UInt8, UInt8
            ) =
                (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        var n = 0
        withUnsafeMutableBytes(of: &digits) { d in
            repeat {
                d[19 - n] = UInt8(48 + x % 10)
                x /= 10
                n += 1
            } while x > 0
            if v < 0 { buffer.writeInteger(UInt8(ascii: "-")) }
            buffer.writeBytes(UnsafeRawBufferPointer(rebasing: d[(20 - n)...]))
        }
    }

    private func writeDouble(_ d: Double, _ buffer: inout ByteBuffer) {
        if d.isNaN {
            buffer.writeString("NaN")
        } else if d.isInfinite {
            buffer.writeString(d < 0 ? "-Infinity" : "Infinity")
        } else {
            buffer.writeString(d.description)
        }
    }
}
