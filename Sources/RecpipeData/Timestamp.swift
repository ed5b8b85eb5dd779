/// UTC timestamp helpers: seconds since the Unix epoch, calendar conversion (proleptic Gregorian,
/// Howard Hinnant's `days_from_civil`), formatting, and byte-level parsing for the CSV reader.
package enum Timestamp {
    // MARK: - Calendar

    /// Days since 1970-01-01 for a civil date. O(1).
    package static func days(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = (month + 9) % 12
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    /// The civil date of a day number (inverse of `days(year:month:day:)`).
    package static func civil(days z0: Int) -> (year: Int, month: Int, day: Int) {
        let z = z0 + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (m <= 2 ? 1 : 0), m, d)
    }

    static func daysInMonth(_ year: Int, _ month: Int) -> Int {
        switch month {
        case 2: (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    /// Seconds since the epoch for a UTC civil date-time, or nil when a field is out of range.
    package static func seconds(year: Int, month: Int, day: Int, hour: Int = 0, minute: Int = 0, second: Int = 0)
        -> Int64?
    {
        guard (1...12).contains(month), day >= 1, day <= daysInMonth(year, month),
            (0...23).contains(hour), (0...59).contains(minute), (0...60).contains(second)
        else { return nil }
        return Int64(days(year: year, month: month, day: day)) * 86_400
            + Int64(hour * 3600 + minute * 60 + second)
    }

    /// `YYYY-MM-DD` (an `as_of` date) → Unix seconds at 00:00 UTC, or nil when it is not one.
    package static func date(_ s: String) -> Int64? {
        let parts = s.split(separator: "-").compactMap { Int($0) }
        guard parts.count == 3 else { return nil }
        return seconds(year: parts[0], month: parts[1], day: parts[2])
    }

    // MARK: - Formatting

    /// `YYYY-MM-DD HH:MM:SS` (or ISO-8601 `YYYY-MM-DDTHH:MM:SSZ` when `iso` is true).
    package static func format(_ t: Int64, iso: Bool = false) -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(20)
        append(t, iso: iso, to: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Appends the formatted timestamp's UTF-8 bytes (no allocation beyond `out`).
    package static func append(_ t: Int64, iso: Bool, to out: inout [UInt8]) {
        let day = Int(t >= 0 ? t / 86_400 : (t - 86_399) / 86_400)
        let sec = Int(t - Int64(day) * 86_400)
        let (y, m, d) = civil(days: day)
        if y < 0 { out.append(UInt8(ascii: "-")) }
        appendDigits(abs(y), 4, &out)
        out.append(UInt8(ascii: "-"))
        appendDigits(m, 2, &out)
        out.append(UInt8(ascii: "-"))
        appendDigits(d, 2, &out)
        out.append(iso ? UInt8(ascii: "T") : UInt8(ascii: " "))
        appendDigits(sec / 3600, 2, &out)
        out.append(UInt8(ascii: ":"))
        appendDigits(sec / 60 % 60, 2, &out)
        out.append(UInt8(ascii: ":"))
        appendDigits(sec % 60, 2, &out)
        if iso { out.append(UInt8(ascii: "Z")) }
    }

    @inline(__always) package static func appendDigits(_ v: Int, _ width: Int, _ out: inout [UInt8]) {
        var digits: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) = (0, 0, 0, 0, 0, 0, 0, 0)
        var n = v, count = 0
        withUnsafeMutableBytes(of: &digits) { buf in
            repeat {
                buf[count] = UInt8(ascii: "0") + UInt8(n % 10)
                n /= 10
                count += 1
            } while n > 0 && count < 8
            while count < width && count < 8 {
                buf[count] = UInt8(ascii: "0")
                count += 1
            }
            for i in stride(from: count - 1, through: 0, by: -1) { out.append(buf[i]) }
        }
    }
}

/// A compiled timestamp format: `%Y %m %d %H %M %S` plus literal characters, or one of the special
/// names `iso8601` / `unix`. `%m %d %H` accept one or two digits; `%Y` four.
package struct TimestampFormat: Sendable, Hashable, CustomStringConvertible {
    enum Token: Sendable, Hashable {
        case year, month, day, hour, minute, second
        case literal(UInt8)
    }

    enum Kind: Sendable, Hashable { case pattern([Token]), iso8601, unix }

    let kind: Kind
    package let description: String

    /// Formats tried, in order, when a timestamp format is not given.
    package static let common: [TimestampFormat] = [
        TimestampFormat(pattern: "%Y-%m-%d %H:%M:%S")!, TimestampFormat(pattern: "%Y-%m-%d %H:%M")!,
        TimestampFormat(pattern: "%Y-%m-%d")!, .iso8601,
        TimestampFormat(pattern: "%Y/%m/%d %H:%M:%S")!, TimestampFormat(pattern: "%m/%d/%Y %H:%M:%S")!,
        TimestampFormat(pattern: "%m/%d/%Y %H:%M")!,
        TimestampFormat(pattern: "%Y/%m/%d")!, TimestampFormat(pattern: "%m/%d/%Y")!,
    ]

    package static let iso8601 = TimestampFormat(kind: .iso8601, description: "iso8601")
    package static let unix = TimestampFormat(kind: .unix, description: "unix")

    init(kind: Kind, description: String) {
        self.kind = kind
        self.description = description
    }

    /// Parses a format string; nil when it uses an unknown `%` directive.
    /// Accepts `iso8601`/`ISO-8601`/`iso` and `unix` as special names.
    package init?(pattern: String) {
        switch pattern.lowercased() {
        case "iso8601", "iso-8601", "iso": self = .iso8601; return
        case "unix", "epoch": self = .unix; return
        default: break
        }
        var tokens: [Token] = []
        var it = Array(pattern.utf8).makeIterator()
        while let c = it.next() {
            guard c == UInt8(ascii: "%") else { tokens.append(.literal(c)); continue }
            switch it.next() {
            case UInt8(ascii: "Y"): tokens.append(.year)
            case UInt8(ascii: "m"): tokens.append(.month)
            case UInt8(ascii: "d"): tokens.append(.day)
            case UInt8(ascii: "H"): tokens.append(.hour)
            case UInt8(ascii: "M"): tokens.append(.minute)
            case UInt8(ascii: "S"): tokens.append(.second)
            case UInt8(ascii: "%"): tokens.append(.literal(UInt8(ascii: "%")))
            default: return nil
            }
        }
        self.kind = .pattern(tokens)
        self.description = pattern
    }

    package func parse(_ s: String) -> Int64? {
        var s = s
        return s.withUTF8 { parse(UnsafeRawBufferPointer($0)) }
    }

    /// Parses the whole buffer; nil when it does not match. O(length).
    func parse(_ p: UnsafeRawBufferPointer) -> Int64? {
        switch kind {
        case .unix: return ByteParsing.int(p)
        case .iso8601: return Self.parseISO(p)
        case .pattern(let tokens):
            var i = 0
            var f = (y: 1970, m: 1, d: 1, H: 0, M: 0, S: 0)
            for t in tokens {
                switch t {
                case .literal(let c):
                    guard i < p.count, p[i] == c else { return nil }
                    i += 1
                case .year: guard let v = Self.digits(p, &i, 4, 4) else { return nil }; f.y = v
                case .month: guard let v = Self.digits(p, &i, 1, 2) else { return nil }; f.m = v
                case .day: guard let v = Self.digits(p, &i, 1, 2) else { return nil }; f.d = v
                case .hour: guard let v = Self.digits(p, &i, 1, 2) else { return nil }; f.H = v
                case .minute: guard let v = Self.digits(p, &i, 2, 2) else { return nil }; f.M = v
                case .second: guard let v = Self.digits(p, &i, 2, 2) else { return nil }; f.S = v
                }
            }
            guard i == p.count else { return nil }
            return Timestamp.seconds(year: f.y, month: f.m, day: f.d, hour: f.H, minute: f.M, second: f.S)
        }
    }

    @inline(__always) static func digits(_ p: UnsafeRawBufferPointer, _ i: inout Int, _ lo: Int, _ hi: Int) -> Int? {
        var v = 0, n = 0
        while n < hi, i < p.count, p[i] >= 48, p[i] <= 57 {
            v = v * 10 + Int(p[i] - 48)
            i += 1
            n += 1
        }
        return n >= lo ? v : nil
    }

    /// `YYYY-MM-DD`, optionally `THH:MM[:SS[.fff]]` (or a space instead of `T`), optionally `Z` or
    /// `±HH:MM`/`±HHMM`. Fractional seconds are truncated.
    static func parseISO(_ p: UnsafeRawBufferPointer) -> Int64? {
        var i = 0
        guard let y = digits(p, &i, 4, 4), i < p.count, p[i] == UInt8(ascii: "-") else { return nil }
        i += 1
        guard let m = digits(p, &i, 2, 2), i < p.count, p[i] == UInt8(ascii: "-") else { return nil }
        i += 1
        guard let d = digits(p, &i, 2, 2) else { return nil }
        if i == p.count { return Timestamp.seconds(year: y, month: m, day: d) }
        guard p[i] == UInt8(ascii: "T") || p[i] == UInt8(ascii: " ") else { return nil }
        i += 1
        guard let hh = digits(p, &i, 2, 2), i < p.count, p[i] == UInt8(ascii: ":") else { return nil }
        i += 1
        guard let mm = digits(p, &i, 2, 2) else { return nil }
        var ss = 0
        if i < p.count, p[i] == UInt8(ascii: ":") {
            i += 1
            guard let v = digits(p, &i, 2, 2) else { return nil }
            ss = v
            if i < p.count, p[i] == UInt8(ascii: ".") || p[i] == UInt8(ascii: ",") {
                i += 1
                guard digits(p, &i, 1, 9) != nil else { return nil }
            }
        }
        var offset: Int64 = 0
        if i < p.count {
            if p[i] == UInt8(ascii: "Z") {
                i += 1
            } else if p[i] == UInt8(ascii: "+") || p[i] == UInt8(ascii: "-") {
                let sign: Int64 = p[i] == UInt8(ascii: "+") ? 1 : -1
                i += 1
                guard let oh = digits(p, &i, 2, 2) else { return nil }
                if i < p.count, p[i] == UInt8(ascii: ":") { i += 1 }
                guard let om = digits(p, &i, 2, 2) else { return nil }
                offset = sign * Int64(oh * 3600 + om * 60)
            } else {
                return nil
            }
        }
        guard i == p.count, let t = Timestamp.seconds(year: y, month: m, day: d, hour: hh, minute: mm, second: ss)
        else { return nil }
        return t - offset
    }
}
