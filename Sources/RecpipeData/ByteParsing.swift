#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Number and boolean parsing straight from UTF-8 bytes, without building a `String` per field.
enum ByteParsing {
    private static let pow10: [Double] = (0...22).map { e in
        var v = 1.0
        for _ in 0..<e { v *= 10 }
        return v
    }

    /// An optionally signed decimal integer, surrounding spaces allowed, optionally followed by
    /// `.` and zeros (`17850.0`); nil on anything else or overflow. O(length).
    static func int(_ p: UnsafeRawBufferPointer) -> Int64? {
        var i = 0, end = p.count
        while i < end, p[i] == 32 { i += 1 }
        while end > i, p[end - 1] == 32 { end -= 1 }
        guard i < end else { return nil }
        var negative = false
        if p[i] == UInt8(ascii: "-") || p[i] == UInt8(ascii: "+") {
            negative = p[i] == UInt8(ascii: "-")
            i += 1
            guard i < end else { return nil }
        }
        // An integral value written as a decimal (`17850.0`, spreadsheets' and pandas' ids) is that
        // integer: a `.` followed by zeros only ends the number.
        if let dot = (i..<end).first(where: { p[$0] == UInt8(ascii: ".") }), dot > i,
            (dot + 1..<end).allSatisfy({ p[$0] == UInt8(ascii: "0") })
        {
            end = dot
        }
        var v: Int64 = 0
        while i < end {
            let c = p[i]
            guard c >= 48, c <= 57 else { return nil }
            let (m, o1) = v.multipliedReportingOverflow(by: 10)
            let (a, o2) = m.addingReportingOverflow(Int64(c - 48))
            guard !o1, !o2 else {
                // Int64.min has no positive counterpart; accept it exactly.
                return negative && i == end - 1 && m == 9_223_372_036_854_775_800 && c == 56 ? Int64.min : nil
            }
            v = a
            i += 1
        }
        return negative ? -v : v
    }

    /// A decimal floating-point number (`12`, `-3.25`, `1e-5`, `.5`, `nan`, `inf`). Plain decimals
    /// with at most 15 significant digits take an exact fast path (one correctly rounded division);
    /// anything else goes through `strtod`. O(length).
    static func double(_ p: UnsafeRawBufferPointer) -> Double? {
        var i = 0, end = p.count
        while i < end, p[i] == 32 { i += 1 }
        while end > i, p[end - 1] == 32 { end -= 1 }
        guard i < end else { return nil }
        let start = i
        var negative = false
        if p[i] == UInt8(ascii: "-") || p[i] == UInt8(ascii: "+") {
            negative = p[i] == UInt8(ascii: "-")
            i += 1
        }
        var mantissa: UInt64 = 0, digits = 0, fraction = 0, sawDot = false, simple = true, anyDigit = false
        while i < end {
            let c = p[i]
            if c >= 48, c <= 57 {
                anyDigit = true
                if digits < 19 { mantissa = mantissa &* 10 &+ UInt64(c - 48) } else { simple = false }
                if mantissa > 0 || c != 48 { digits += 1 }
                if sawDot { fraction += 1 }
            } else if c == UInt8(ascii: "."), !sawDot {
                sawDot = true
            } else {
                simple = false
                break
            }
            i += 1
        }
        if simple {
            guard anyDigit else { return nil }
            if digits <= 15, fraction <= 22 {
                let v = Double(mantissa) / pow10[fraction]
                return negative ? -v : v
            }
        }
        return slow(UnsafeRawBufferPointer(rebasing: p[start..<end]))
    }

    private static func slow(_ p: UnsafeRawBufferPointer) -> Double? {
        guard p.count < 256 else { return nil }
        for c in p {
            // strtod also accepts hex floats and leading spaces; keep to decimal syntax.
            let ok =
                (c >= 48 && c <= 57) || c == 46 || c == 43 || c == 45 || c == 101 || c == 69
                || (c | 0x20 >= 97 && c | 0x20 <= 122)
            if !ok { return nil }
        }
        var buf = [CChar](repeating: 0, count: p.count + 1)
        for (k, c) in p.enumerated() { buf[k] = CChar(bitPattern: c) }
        let lower = String(decoding: p, as: UTF8.self).lowercased()
        if lower.contains("x") { return nil }
        return buf.withUnsafeBufferPointer { b -> Double? in
            var endPtr: UnsafeMutablePointer<CChar>?
            let v = strtod(b.baseAddress!, &endPtr)
            guard let endPtr, endPtr - UnsafeMutablePointer(mutating: b.baseAddress!) == p.count else { return nil }
            return v
        }
    }

    /// `true/false`, `t/f`, `yes/no`, `y/n`, `1/0`, case-insensitive.
    static func bool(_ p: UnsafeRawBufferPointer) -> Bool? {
        guard p.count <= 5 else { return nil }
        var lower: UInt64 = 0
        for c in p { lower = lower << 8 | UInt64(c >= 65 && c <= 90 ? c + 32 : c) }
        switch lower {
        case 0x74_72_75_65, 0x74, 0x79_65_73, 0x79, 0x31: return true  // true t yes y 1
        case 0x66_61_6C_73_65, 0x66, 0x6E_6F, 0x6E, 0x30: return false  // false f no n 0
        default: return nil
        }
    }

    static func bool(_ s: String) -> Bool? {
        var s = s
        return s.withUTF8 { bool(UnsafeRawBufferPointer($0)) }
    }
    static func int(_ s: String) -> Int64? {
        var s = s
        return s.withUTF8 { int(UnsafeRawBufferPointer($0)) }
    }
    static func double(_ s: String) -> Double? {
        var s = s
        return s.withUTF8 { double(UnsafeRawBufferPointer($0)) }
    }
}
