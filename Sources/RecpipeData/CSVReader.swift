import Dispatch
import Foundation
import RecpipeAlgorithms
import RecpipeCore

/// Reads RFC 4180 CSV files into a `Table`, keeping every row that does not fit as a
/// `RejectedRow`. The file is memory-mapped and scanned as bytes; large files are split at line
/// ends into chunks parsed on all cores, and each chunk's end is checked against the next chunk's
/// start (a quoted field spanning a split point makes the next chunk re-parse from the right byte),
/// so results are identical to a sequential pass.
///
/// Complexity: O(bytes); memory: the mapped file plus the typed columns.
package enum CSVReader {
    // MARK: - Entry points

    /// Reads a file, which must not change meanwhile: a file written in place while it is read
    /// (even one that shrinks under the mapping) is a `file-changed` error, never a crash.
    package static func read(path: String, options: IngestOptions = IngestOptions()) throws -> IngestResult {
        try read(path: path, options: options, afterMapping: nil)
    }

    /// `afterMapping` runs between mapping and parsing (tests change the file there).
    static func read(path: String, options: IngestOptions, afterMapping: (() throws -> Void)?) throws -> IngestResult {
        let file = try FileLoading.map(path: path)
        return try withExtendedLifetime(file) {
            try afterMapping?()
            let parsed = Result {
                try read(bytes: file.bytes, path: path, options: options, release: { file.release($0, $1) })
            }
            // A change explains any parse error it caused, so it is reported first.
            try file.checkUnchanged(path: path)
            return try parsed.get()
        }
    }

    /// Parses CSV text held in memory; `path` labels errors.
    package static func read(text: String, path: String = "<text>", options: IngestOptions = IngestOptions()) throws
        -> IngestResult
    {
        let bytes = Array(text.utf8)
        return try bytes.withUnsafeBytes { try read(bytes: $0, path: path, options: options) }
    }

    /// - Parameter release: called with each parsed chunk's bytes, which the caller may drop from
    ///   memory (they stay readable); only for file mappings.
    static func read(
        bytes whole: UnsafeRawBufferPointer, path: String, options: IngestOptions,
        release: (@Sendable (UnsafeRawPointer, Int) -> Void)? = nil
    ) throws -> IngestResult {
        guard options.delimiter != options.quote, options.delimiter != 10, options.delimiter != 13 else {
            throw IngestError(
                .invalidOption, path: path, "the delimiter must differ from the quote character and from line ends")
        }
        var bom = 0
        if whole.count >= 3, whole[0] == 0xEF, whole[1] == 0xBB, whole[2] == 0xBF { bom = 3 }
        let p = UnsafeRawBufferPointer(rebasing: whole[bom...])
        let scanner = CSVScanner(p: p, delimiter: options.delimiter, quote: options.quote)

        // Header: the first non-blank record.
        var pos = 0, newlines = 0
        var fields: [FieldRef] = []
        var outcome = CSVScanner.Outcome.blank
        while pos < p.count, outcome == .blank { outcome = scanner.next(&pos, &newlines, &fields) }
        guard outcome != .blank else {
            throw IngestError(
                .emptyFile, path: path, "the file is empty (no header row)",
                hint: "check the path, or that the export finished")
        }
        guard outcome == .record else {
            throw IngestError(.unreadableFile, path: path, "the header row is malformed (\(outcome))")
        }
        let header = uniqueNames(fields.map { scanner.string(of: $0) })
        let dataStart = pos, dataStartLine = newlines + 1

        let (plans, used) = try makePlans(
            header: header, scanner: scanner, dataStart: dataStart, path: path, options: options)
        var parser = CSVChunkParser(
            scanner: scanner, fieldCount: header.count, plans: plans,
            nullValues: options.nullValues.map { Array($0.utf8) }, rejectInvalidUTF8: options.onInvalidUTF8 == .reject)
        parser.trackRows = options.uniqueKey != nil

        var chunks = parseChunks(parser, from: dataStart, options: options, release: release)

        var rejects: [RejectedRow] = []
        var rowsOk = 0, rejected = 0, line = dataStartLine
        var replacedUTF8 = 0
        var firstReplacedUTF8: (line: Int, column: String)?
        var rowStarts: [Int] = [], rowLines: [Int] = []
        for c in chunks {
            rowStarts += c.rowStarts
            rowLines += c.rowLines.map { line + $0 }
            rowsOk += c.rowsOk
            rejected += c.rejects.count
            replacedUTF8 += c.replacedUTF8
            if firstReplacedUTF8 == nil, let first = c.firstReplacedUTF8 {
                firstReplacedUTF8 = (line + first.relativeLine, plans[first.column].name)
            }
            if options.onBadRow != .skip || rejects.count < 5 {
                for r in c.rejects where options.onBadRow != .skip || rejects.count < 5 {
                    rejects.append(
                        RejectedRow(line: line + r.relativeLine, raw: scanner.raw(r.start, r.end), reason: r.reason))
                }
            }
            line += c.newlines
        }
        try enforce(policy: options, rejects: rejects, rejected: rejected, rowsIn: rowsOk + rejected, path: path)
        // Merge column by column, dropping each chunk column as soon as it is merged, so the
        // peak is one table plus one column rather than two tables.
        var columns: [Column] = []
        columns.reserveCapacity(plans.count)
        for (j, plan) in plans.enumerated() {
            let parts = chunks.map { $0.columns[j] }
            for c in chunks.indices { chunks[c].columns[j] = ChunkColumn(type: plan.type, capacity: 0) }
            columns.append(mergeChunkColumns(parts, name: plan.name, type: plan.type))
        }
        var table: Table
        do {
            table = try Table(columns: columns)
        } catch {
            throw IngestError(
                .invalidOption, path: path, "\(error)", hint: "use 'rename' to give columns distinct names")
        }
        var duplicates = 0
        if let key = options.uniqueKey {
            let found = try duplicateRows(
                table, key: key, policy: options.onDuplicate, lines: rowLines, path: path,
                raw: { r in
                    var end = rowStarts[r], newlines = 0
                    var fields: [FieldRef] = []
                    _ = scanner.next(&end, &newlines, &fields)
                    return scanner.raw(rowStarts[r], end)
                })
            if !found.isEmpty {
                duplicates = found.count
                var keep = [Bool](repeating: true, count: table.rowCount)
                for d in found { keep[d.row] = false }
                table = table.filter(mask: keep)
                rowsOk -= duplicates
                rejected += duplicates
                if options.onBadRow != .skip || rejects.count < 5 {
                    rejects += found.map(\.reject)
                    rejects.sort { $0.line < $1.line }
                }
                try enforce(
                    policy: options, rejects: rejects, rejected: rejected, rowsIn: rowsOk + rejected, path: path)
            }
        }
        var result = IngestResult(
            table: table, rowsIn: rowsOk + rejected, rowsOk: rowsOk, rowsRejected: rejected,
            rejects: options.onBadRow == .skip ? [] : rejects, schema: used)
        result.replacedUTF8Fields = replacedUTF8
        result.duplicateRows = duplicates
        result.firstReplacedUTF8 = firstReplacedUTF8
        return result
    }

    // MARK: - Chunking

    private static func parseChunks(
        _ parser: CSVChunkParser, from start: Int, options: IngestOptions,
        release: (@Sendable (UnsafeRawPointer, Int) -> Void)?
    ) -> [ChunkResult] {
        let p = parser.scanner.p
        let length = p.count - start
        let cores = Parallel.defaultWorkers
        let wanted = options.parallel && cores > 1 ? min(cores * 4, length / (1 << 20)) : 1
        var bounds = [start]
        if wanted > 1 {
            for k in 1..<wanted {
                var b = start + length / wanted * k
                guard b > bounds.last! else { continue }
                while b < p.count, p[b] != 10 { b += 1 }
                if b + 1 < p.count, b + 1 > bounds.last! { bounds.append(b + 1) }
            }
        }
        bounds.append(p.count)
        let count = bounds.count - 1
        if count == 1 { return [parser.parse(start: start, end: p.count)] }

        let frozen = bounds
        // One task per chunk, results in chunk order.
        let results = Parallel.mapChunks(count: count, minChunk: 1, threads: count) { chunks in
            chunks.map { i in
                let r = parser.parse(start: frozen[i], end: frozen[i + 1])
                if let release, let base = parser.scanner.p.baseAddress {
                    release(base + frozen[i], frozen[i + 1] - frozen[i])
                }
                return r
            }
        }.flatMap { $0 }
        // Verify that every chunk began where the previous one really ended; re-parse otherwise.
        var out: [ChunkResult] = []
        var expected = start
        for i in 0..<count {
            var r = results[i]
            if r.start != expected { r = parser.parse(start: expected, end: max(expected, frozen[i + 1])) }
            expected = r.end
            out.append(r)
        }
        return out
    }

    // MARK: - Schema resolution

    private static func makePlans(
        header: [String], scanner: CSVScanner, dataStart: Int, path: String, options: IngestOptions
    ) throws -> ([ColumnPlan], [ColumnSpec]) {
        var specs: [String: ColumnSpec] = [:]
        for spec in options.schema ?? [] {
            guard header.contains(spec.name) else {
                throw IngestError(
                    .missingColumn, path: path,
                    "the header has no column '\(spec.name)' (columns: \(header.joined(separator: ", ")))",
                    hint: Suggestions.hint(for: spec.name, in: header) ?? "fix the schema or the file's header row")
            }
            specs[spec.name] = spec
        }
        let needInference = header.contains { specs[$0] == nil } && !options.onlySchemaColumns
        var samples = [[String]](repeating: [], count: header.count)
        if needInference {
            var pos = dataStart, newlines = 0, rows = 0
            var fields: [FieldRef] = []
            let nulls = Set(options.nullValues)
            while pos < scanner.p.count, rows < options.inferenceRows {
                guard scanner.next(&pos, &newlines, &fields) == .record, fields.count == header.count else { continue }
                rows += 1
                for (j, f) in fields.enumerated() where specs[header[j]] == nil {
                    let s = scanner.string(of: f)
                    if f.quoted ? !s.isEmpty : !nulls.contains(s) { samples[j].append(s) }
                }
            }
        }
        var plans: [ColumnPlan] = []
        var used: [ColumnSpec] = []
        let order: [Int] =
            options.onlySchemaColumns
            ? (options.schema ?? []).map { header.firstIndex(of: $0.name)! } : Array(header.indices)
        for j in order {
            if let spec = specs[header[j]] {
                let formats = try timestampFormats(spec, path: path)
                plans.append(
                    ColumnPlan(
                        source: j, name: spec.outputName, type: spec.type, formats: formats,
                        allowNonFinite: spec.allowNonFinite,
                        minimum: spec.minimum, maximum: spec.maximum))
                used.append(spec)
            } else {
                let (type, fmt) = SchemaInference.inferType(samples[j])
                plans.append(ColumnPlan(source: j, name: header[j], type: type, formats: fmt.map { [$0] } ?? []))
                used.append(ColumnSpec(header[j], type, format: fmt?.description))
            }
        }
        return (plans, used)
    }

    static func timestampFormats(_ spec: ColumnSpec, path: String) throws -> [TimestampFormat] {
        guard spec.type == .timestamp else { return [] }
        guard let f = spec.format else { return TimestampFormat.common }
        guard let fmt = TimestampFormat(pattern: f) else {
            throw IngestError(
                .invalidOption, path: path, "column '\(spec.name)': unknown timestamp format '\(f)'",
                hint: "use %Y %m %d %H %M %S with literal characters, 'iso8601' or 'unix'")
        }
        return [fmt]
    }

    /// Blank names become `column_N`; repeated names get `_2`, `_3`, ….
    static func uniqueNames(_ names: [String]) -> [String] {
        var seen: [String: Int] = [:]
        return names.enumerated().map { j, raw in
            let base = raw.isEmpty ? "column_\(j + 1)" : raw
            let n = seen[base, default: 0] + 1
            seen[base] = n
            return n == 1 ? base : "\(base)_\(n)"
        }
    }

    // MARK: - Bad rows

    package static func enforce(policy: IngestOptions, rejects: [RejectedRow], rejected: Int, rowsIn: Int, path: String)
        throws
    {
        guard rejected > 0 else { return }
        if policy.onBadRow == .fail, let first = rejects.first {
            throw IngestError(
                .badRow, path: path, "bad row at line \(first.line): \(first.reason)",
                hint: "fix the row, or set on_bad_row: quarantine to keep it in a rejects file")
        }
        if let limit = policy.maxBadRows, limit.exceeded(rejected: rejected, rowsIn: rowsIn) {
            let firstFew = rejects.prefix(3).map { "line \($0.line): \($0.reason)" }.joined(separator: "; ")
            let summary = RejectSummary(rejects)
            let share = rowsIn > 0 ? String(format: " (%.1f%%)", Double(rejected) * 100 / Double(rowsIn)) : ""
            throw IngestError(
                .tooManyBadRows, path: path,
                "\(rejected) of \(rowsIn) rows were rejected\(share), more than max_bad_rows (\(limit.description)); "
                    + (summary.map { "\($0); " } ?? "") + "first: \(firstFew)",
                hint: summary?.column.map {
                    "declare '\($0)' with the type its values have (ids: string), fix the data, or raise max_bad_rows"
                }
                    ?? "fix the schema or the data, or raise max_bad_rows")
        }
    }
}
