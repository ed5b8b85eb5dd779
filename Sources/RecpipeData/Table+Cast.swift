/// Column type conversion.
extension Table {
    /// Converts a column to `type`. Strings are parsed (timestamps with `format`, else any common
    /// format); floats become ints only when integral; ints/floats/bools/timestamps become strings
    /// (integral floats without a trailing `.0`, so `17850.0` → `"17850"`); bools ↔ ints as 0/1;
    /// timestamps ↔ ints as epoch seconds. A value that does not convert is nulled (`changed`) or
    /// its row removed (`removed`), per `onFailure`. O(rows).
    package func casting(_ column: String, to type: ColumnType, format: String? = nil, onFailure: CastFailure = .null)
        throws
        -> CleanResult
    {
        let j = try requireColumn(column)
        let c = columns[j]
        let formats: [TimestampFormat]
        if let format {
            guard let f = TimestampFormat(pattern: format) else {
                throw TableError.typeMismatch(column: column, expected: .timestamp, found: .string(format))
            }
            formats = [f]
        } else {
            formats = TimestampFormat.common
        }
        var failed = [Bool](repeating: false, count: rowCount)
        var values: [Value] = []
        values.reserveCapacity(rowCount)
        for r in 0..<rowCount {
            let v = c.value(r)
            if v.isNull {
                values.append(.null)
                continue
            }
            if let out = Self.convert(v, to: type, formats) {
                values.append(out)
            } else {
                failed[r] = true
                values.append(.null)
            }
        }
        let newColumn = try Column(name: column, type: type, values: values)
        let t = try appending(newColumn)
        let failures = failed.count { $0 }
        if onFailure == .reject {
            let kept = t.filter(mask: failed.map { !$0 })
            return CleanResult(table: kept, removed: failures)
        }
        return CleanResult(table: t, removed: 0, changed: failures)
    }

    package static func convert(_ v: Value, to type: ColumnType, _ formats: [TimestampFormat]) -> Value? {
        switch (v, type) {
        case (.int(let i), .int), (.timestamp(let i), .int): return .int(i)
        case (.int(let i), .float), (.timestamp(let i), .float): return .double(Double(i))
        case (.int(let i), .timestamp): return .timestamp(i)
        case (.int(let i), .bool): return i == 0 || i == 1 ? .bool(i == 1) : nil
        case (.double(let d), .float): return .double(d)
        case (.double(let d), .int), (.double(let d), .timestamp):
            guard d.rounded() == d, abs(d) < 9.2e18 else { return nil }
            return type == .int ? .int(Int64(d)) : .timestamp(Int64(d))
        case (.double(let d), .bool): return d == 0 || d == 1 ? .bool(d == 1) : nil
        case (.bool(let b), .bool): return .bool(b)
        case (.bool(let b), .int): return .int(b ? 1 : 0)
        case (.bool(let b), .float): return .double(b ? 1 : 0)
        case (.timestamp(let t), .timestamp): return .timestamp(t)
        case (.string(let s), .string): return .string(s)
        case (.string(let s), .int): return ByteParsing.int(s).map(Value.int)
        case (.string(let s), .float): return ByteParsing.double(s).map(Value.double)
        case (.string(let s), .bool): return ByteParsing.bool(s).map(Value.bool)
        case (.string(let s), .timestamp):
            for f in formats { if let t = f.parse(s) { return .timestamp(t) } }
            return nil
        case (.double(let d), .string):
            return .string(d.rounded() == d && abs(d) < 9e15 ? String(Int64(d)) : String(d))
        case (_, .string): return .string(v.description)
        default: return nil
        }
    }
}
