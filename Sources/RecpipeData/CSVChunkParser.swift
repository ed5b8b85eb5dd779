#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A rejected record inside a chunk, with its line relative to the chunk start.
struct ChunkReject {
    var relativeLine: Int
    var start: Int
    var end: Int
    var reason: String
}

/// The typed columns and rejects of one byte range of a CSV file.
struct ChunkResult {
    var start: Int
    var end: Int
    var newlines: Int
    var rowsOk: Int
    var columns: [ChunkColumn]
    var rejects: [ChunkReject]
    /// Kept text fields holding invalid UTF-8, and the first one's relative line and plan index.
    var replacedUTF8 = 0
    var firstReplacedUTF8: (relativeLine: Int, column: Int)?
    /// Byte offset and relative line of each kept row (only when the parser tracks rows).
    var rowStarts: [Int] = []
    var rowLines: [Int] = []
}

/// Parses whole records starting in `[start, end)` into typed chunk columns. A record that starts
/// before `end` is read to its real end, even past `end` (so the caller can verify that the next
/// chunk began on a record boundary).
///
/// Complexity: O(bytes in the chunk).
///
/// `@unchecked Sendable`: parsing only reads the scanner's bytes (a file mapped read-only, or an
/// array that outlives the parse) and the parser's own constants, so parallel chunk parsers
/// (``Parallel/mapChunks(count:minChunk:threads:_:)``) share one value.
struct CSVChunkParser: @unchecked Sendable {
    let scanner: CSVScanner
    let fieldCount: Int
    let plans: [ColumnPlan]
    let nullValues: [[UInt8]]
    /// Reject rows with invalid UTF-8 in a text field (else keep them, replaced and counted).
    let rejectInvalidUTF8: Bool
    /// Record where each kept row starts (for `unique` keys: their duplicates are reported by line).
    var trackRows = false
    // Flattened plan fields, so the hot loop copies no strings or arrays.
    private let sources: [Int]
    private let types: [ColumnType]
    private let allowNonFinite: [Bool]
    private let hasBounds: [Bool]
    private let maxNullLength: Int

    init(
        scanner: CSVScanner, fieldCount: Int, plans: [ColumnPlan], nullValues: [[UInt8]],
        rejectInvalidUTF8: Bool = false
    ) {
        self.scanner = scanner
        self.fieldCount = fieldCount
        self.plans = plans
        self.nullValues = nullValues
        self.rejectInvalidUTF8 = rejectInvalidUTF8
        sources = plans.map(\.source)
        types = plans.map(\.type)
        allowNonFinite = plans.map(\.allowNonFinite)
        hasBounds = plans.map { $0.minimum != nil || $0.maximum != nil }
        maxNullLength = nullValues.map(\.count).max() ?? -1
    }

    @inline(__always) func isNullText(_ p: UnsafeRawBufferPointer) -> Bool {
        if p.count > maxNullLength { return false }
        for v in nullValues where v.count == p.count {
            if v.isEmpty { return true }
            if v.withUnsafeBytes({ memcmp($0.baseAddress!, p.baseAddress!, p.count) == 0 }) { return true }
        }
        return false
    }

    func parse(start: Int, end: Int) -> ChunkResult {
        let estimate = max(16, (end - start) / 64)
        var cols = plans.map { ChunkColumn(type: $0.type, capacity: estimate) }
        var rejects: [ChunkReject] = []
        var fields: [FieldRef] = []
        fields.reserveCapacity(fieldCount + 4)
        let width = plans.count
        var bits = [UInt64](repeating: 0, count: width)
        var nulls = [Bool](repeating: false, count: width)
        var scratch: [UInt8] = []
        var pos = start, newlines = 0, ok = 0
        var replaced = 0
        var firstReplaced: (relativeLine: Int, column: Int)?
        var rowStarts: [Int] = [], rowLines: [Int] = []
        let p = scanner.p
        while pos < end {
            let recordStart = pos, recordLine = newlines
            let outcome = scanner.next(&pos, &newlines, &fields)
            var failure: String?
            switch outcome {
            case .blank: continue
            case .unterminatedQuote:
                failure = "unterminated quoted field (the closing quote is missing before the end of the file)"
            case .textAfterQuote(let f):
                failure = "unexpected text after the closing quote of field \(f + 1)"
            case .record:
                if fields.count != fieldCount { failure = "expected \(fieldCount) fields, found \(fields.count)" }
            }
            if failure == nil {
                for j in 0..<width {
                    let f = fields[sources[j]]
                    let type = types[j]
                    nulls[j] = false
                    bits[j] = 0
                    if type == .string {
                        if !f.quoted, isNullText(UnsafeRawBufferPointer(rebasing: p[f.start..<f.end])) {
                            nulls[j] = true
                        } else if rejectInvalidUTF8, let reason = checkText(j, f, &scratch) {
                            failure = reason
                            break
                        }
                        continue
                    }
                    if f.escaped {
                        failure = convert(j, type, f, &scratch, &bits, &nulls)
                    } else {
                        failure = convert(
                            j, type, UnsafeRawBufferPointer(rebasing: p[f.start..<f.end]), f.quoted, &bits, &nulls)
                    }
                    if failure != nil { break }
                }
            }
            if let failure {
                rejects.append(ChunkReject(relativeLine: recordLine, start: recordStart, end: pos, reason: failure))
                continue
            }
            for j in 0..<width {
                if types[j] == .string, !nulls[j] {
                    let f = fields[sources[j]]
                    var invalid = false
                    if f.escaped {
                        scanner.bytes(of: f, scratch: &scratch) { invalid = cols[j].appendString($0, stable: false) }
                    } else {
                        invalid = cols[j].appendString(
                            UnsafeRawBufferPointer(rebasing: p[f.start..<f.end]), stable: true)
                    }
                    if invalid {
                        replaced += 1
                        if firstReplaced == nil { firstReplaced = (recordLine, j) }
                    }
                } else {
                    cols[j].append(bits: bits[j], isNull: nulls[j])
                }
            }
            ok += 1
            if trackRows {
                rowStarts.append(recordStart)
                rowLines.append(recordLine)
            }
        }
        return ChunkResult(
            start: start, end: pos, newlines: newlines, rowsOk: ok, columns: cols, rejects: rejects,
            replacedUTF8: replaced, firstReplacedUTF8: firstReplaced, rowStarts: rowStarts, rowLines: rowLines)
    }

    /// The reject reason for a text field that is not valid UTF-8, or nil.
    private func checkText(_ j: Int, _ f: FieldRef, _ scratch: inout [UInt8]) -> String? {
        var reason: String?
        scanner.bytes(of: f, scratch: &scratch) {
            if !UTF8Check.isValid($0) { reason = describe(plans[j], $0, as: "UTF-8 text (on_invalid_utf8: reject)") }
        }
        return reason
    }

    private func convert(
        _ j: Int, _ type: ColumnType, _ f: FieldRef, _ scratch: inout [UInt8], _ bits: inout [UInt64],
        _ nulls: inout [Bool]
    ) -> String? {
        var failure: String?
        scanner.bytes(of: f, scratch: &scratch) { failure = convert(j, type, $0, true, &bits, &nulls) }
        return failure
    }

    /// Parses one non-string field into `bits[j]` (or marks it null); returns a reject reason.
    @inline(__always)
    private func convert(
        _ j: Int, _ type: ColumnType, _ p: UnsafeRawBufferPointer, _ quoted: Bool, _ bits: inout [UInt64],
        _ nulls: inout [Bool]
    ) -> String? {
        if p.isEmpty || (!quoted && isNullText(p)) {
            nulls[j] = true
            return nil
        }
        switch type {
        case .int:
            if let v = ByteParsing.int(p) {
                if hasBounds[j], let reason = outOfBounds(j, Double(v), p) { return reason }
                bits[j] = UInt64(bitPattern: v)
                return nil
            }
        case .float:
            if let v = ByteParsing.double(p) {
                if hasBounds[j], let reason = outOfBounds(j, v, p) { return reason }
                if v.isFinite || allowNonFinite[j] { bits[j] = v.bitPattern; return nil }
                return describe(
                    plans[j], p,
                    as:
                        "a finite float (it reads as \(v)); to keep such values write `\(plans[j].name): { type: float, non_finite: allow }` in the schema"
                )
            }
        case .bool:
            if let v = ByteParsing.bool(p) { bits[j] = v ? 1 : 0; return nil }
        case .timestamp:
            for fmt in plans[j].formats {
                if let t = fmt.parse(p) { bits[j] = UInt64(bitPattern: t); return nil }
            }
        case .string: return nil
        }
        return describe(plans[j], p)
    }

    /// The reject reason for a number outside the column's schema bounds, or nil.
    private func outOfBounds(_ j: Int, _ v: Double, _ p: UnsafeRawBufferPointer) -> String? {
        let plan = plans[j]
        func bound(_ b: Double) -> String { b == b.rounded() && abs(b) < 1e15 ? String(Int64(b)) : "\(b)" }
        if let lo = plan.minimum, !(v >= lo) {
            return describe(plan, p, as: "\(plan.type) ≥ \(bound(lo)) (the schema's min)")
        }
        if let hi = plan.maximum, !(v <= hi) {
            return describe(plan, p, as: "\(plan.type) ≤ \(bound(hi)) (the schema's max)")
        }
        return nil
    }

    private func describe(_ plan: ColumnPlan, _ p: UnsafeRawBufferPointer, as expected: String? = nil) -> String {
        var text = String(decoding: p, as: UTF8.self)
        if text.count > 40 { text = String(text.prefix(40)) + "…" }
        let what =
            expected
            ?? (plan.type == .timestamp
                ? (plan.formats.count > 2
                    ? "a timestamp (no common format matches)"
                    : "a timestamp (\(plan.formats.map(\.description).joined(separator: " or ")))")
                : "\(plan.type)")
        return "column '\(plan.name)': cannot parse '\(text)' as \(what)"
    }
}
