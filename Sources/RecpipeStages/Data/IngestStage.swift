import Foundation
import RecpipeCore
import RecpipeData
import RecpipeEngine
import RecpipeSpec

/// `ingest`: reads a CSV or JSON Lines file into a table. Nothing is lost: rows that do not fit the
/// schema go to `<run>/<stage>.rejects.csv` with their line number and reason, and
/// `rows_in = rows_ok + rows_rejected` is reported.
struct IngestStage: Stage {
    static let declaration = StageDeclaration(
        kind: "ingest",
        summary:
            "Read a CSV or JSON Lines file, or a SQLite/PostgreSQL query, into a table; bad rows go to a rejects file.",
        aliases: ["read", "load", "csv", "read_csv", "source", "import"],
        params: [
            ParamSpec("path", .path, doc: "the file to read, relative to the pipeline file (or `from` for a database)"),
            fromParam,
            ParamSpec(
                "include", .path,
                doc:
                    "JSON Lines appended after `path`, read with its columns: a file, or a folder of *.jsonl (e.g. `recpipe serve`'s event log, serve-log); missing = nothing to add; a line with none of the columns is a bad row, another key is counted and not read"
            ),
            ParamSpec(
                "format", .choice(["auto", "csv", "jsonl"]), default: .string("auto"),
                doc: "file format; auto picks by extension (.jsonl/.ndjson → jsonl)"),
            ParamSpec(
                "schema", .map(.any),
                doc:
                    "column → type (int|float|string|bool|timestamp) or {type, format, rename, non_finite, min, max}; inferred when absent. A float that is inf, nan or overflows (1e400) is a bad row unless its column says `non_finite: allow`; a number below `min` or above `max` is a bad row"
            ),
            ParamSpec(
                "unique", .string,
                doc:
                    "a column whose values must be unique (an items table's item_id); repeats are handled by on_duplicate (CSV input)"
            ),
            ParamSpec(
                "on_duplicate", .choice(DuplicatePolicy.allCases.map(\.rawValue)), default: .string("first"),
                doc:
                    "a row repeating a `unique` value: first (keep the first row, the others are bad rows), last (keep the last), fail (stop, naming the value and both lines)"
            ),
            ParamSpec(
                "only_schema_columns", .bool, default: .bool(false), doc: "drop columns the schema does not name"),
            ParamSpec(
                "delimiter", .string, default: .string(","), doc: "CSV field delimiter (one character; \\t for tab)"),
            ParamSpec("quote", .string, default: .string("\""), doc: "CSV quote character"),
            ParamSpec(
                "null_values", .list(.string), default: .list(["", "NA", "NULL", "null"].map { .string($0) }),
                doc: "field texts read as null"),
            ParamSpec(
                "infer_rows", .int, default: .int(1000), range: 1...10_000_000,
                doc: "rows sampled to infer types of columns the schema does not name"),
            ParamSpec(
                "on_invalid_utf8", .choice(InvalidUTF8Policy.allCases.map(\.rawValue)), default: .string("replace"),
                doc:
                    "a text field that is not valid UTF-8: replace (keep the row, bad bytes become U+FFFD, counted as invalid_utf8_replaced) or reject (a bad row)"
            ),
            ParamSpec(
                "on_bad_row", .choice(["quarantine", "skip", "fail"]), default: .string("quarantine"),
                doc: "quarantine: write to the rejects file; skip: count only; fail: stop at the first"),
            ParamSpec(
                "max_bad_rows", .oneOf([.int, .string]), default: .string("1%"),
                doc:
                    "fail the stage (exit 1, naming the column and value behind most rejects) when more rows than this are bad: a count (100) or a percent (\"1%\"; \"100%\" never fails); the default tolerates up to 10 bad rows whatever their share"
            ),
        ],
        output: .table,
        check: { stage, _ in checkSource(stage) + checkParams(stage) })

    func run(_ context: StageContext) async throws -> StageOutput {
        let options = try Self.options(context.spec)
        let source = try Self.databaseSource(context.spec, base: context.pipeline.baseDirectory)
        var result: IngestResult
        var notes: [String] = []
        if let source {
            if let key = options.uniqueKey {
                throw StageError(
                    "unique: '\(key)' is only checked for CSV input, and this stage reads a database query",
                    code: .invalidParam, at: context.location(of: "unique"),
                    hint: "remove `unique`, or add a UNIQUE constraint / DISTINCT ON in the database")
            }
            do {
                result = try await readDatabase(source, context, options: options)
            } catch let e as IngestError {
                throw StageError(
                    "\(e.path): \(e.message)", code: .init(rawValue: e.code.rawValue), at: context.location(of: "from"),
                    hint: e.hint)
            }
            if source.changesWith == nil {
                notes.append(
                    "re-read only when the query changes: add `changes_with: max(updated_at)` (or `always`) under `from:` to follow the data"
                )
            }
        } else {
            let path = context.path("path")
            let format = context.string("format")
            let isJSONL =
                format == "jsonl" || (format == "auto" && (path.hasSuffix(".jsonl") || path.hasSuffix(".ndjson")))
            context.progress(nil, "reading \((path as NSString).lastPathComponent)")
            if isJSONL, let key = options.uniqueKey {
                throw StageError(
                    "unique: '\(key)' is only checked for CSV input, and this stage reads JSON Lines",
                    code: .invalidParam, at: context.location(of: "unique"),
                    hint: "remove `unique`, or convert the file to CSV")
            }
            do {
                result =
                    isJSONL
                    ? try JSONLinesReader.read(path: path, options: options)
                    : try CSVReader.read(path: path, options: options)
            } catch let e as IngestError {
                throw StageError(
                    "'\(e.path)': \(e.message)", code: .init(rawValue: e.code.rawValue),
                    at: context.location(of: "path"), hint: e.hint)
            }
        }
        var warnings: [String] = []
        var unreadLines = 0
        if let include = context.optionalPath("include") {
            if source != nil {
                throw StageError(
                    "include: JSON Lines are appended to a file input, and this stage reads a database query",
                    code: .invalidParam, at: context.location(of: "include"),
                    hint: "remove `include`, or load the log into the database")
            }
            let files = Self.includedFiles(include)
            var rows = 0
            // The log is read against the main input's columns (and the server's receive stamp): a
            // line with none of them is a bad row, a key outside them is counted, not read.
            var includeOptions = options
            includeOptions.schema =
                result.schema
                + (result.schema.contains { $0.outputName == JSONLinesReader.receivedKey }
                    ? [] : [ColumnSpec(JSONLinesReader.receivedKey, .int)])
            includeOptions.fixedColumns = true
            var firstUnread: (file: String, line: Int, key: String)?
            for file in files {
                let part: IngestResult
                do {
                    part = try JSONLinesReader.read(path: file, options: includeOptions)
                } catch let e as IngestError where e.code == .emptyFile {
                    continue  // a log with nothing in it yet (a server that accepted no event): nothing to add
                } catch let e as IngestError {
                    throw StageError(
                        "include '\(e.path)': \(e.message)", code: .init(rawValue: e.code.rawValue),
                        at: context.location(of: "include"),
                        hint: e.hint)
                }
                if part.ignoredKeyLines > 0 {
                    unreadLines += part.ignoredKeyLines
                    if firstUnread == nil, let k = part.firstIgnoredKey {
                        firstUnread = ((file as NSString).lastPathComponent, k.line, k.key)
                    }
                }
                do {
                    result.table = try result.table.concatenating(part.table)
                } catch {
                    throw StageError(
                        "include '\(file)' does not fit the columns of the main input: \(error)",
                        code: .columnMismatch, at: context.location(of: "include"))
                }
                rows += part.rowsOk
                result.rowsIn += part.rowsIn
                result.rowsOk += part.rowsOk
                result.rowsRejected += part.rowsRejected
                result.rejects += part.rejects.map {
                    RejectedRow(
                        line: $0.line, raw: $0.raw, reason: "\((file as NSString).lastPathComponent): \($0.reason)")
                }
            }
            notes.append(
                "include: \(rows) row(s) from \(files.count) file(s) at \(context.string("include"))"
                    + (files.isEmpty ? " (nothing there yet)" : ""))
            if let first = firstUnread {
                warnings.append(
                    "include: \(unreadLines) line(s) have a key that is not a column of the main input and was not read "
                        + "(first: \(first.file) line \(first.line), key '\(first.key)'); "
                        + "check the log's keys against the schema")
            }
        }
        if result.ignoredKeyLines > 0, let first = result.firstIgnoredKey {
            warnings.append(
                "\(result.ignoredKeyLines) line(s) have a key that is not a column and was not read (first: line "
                    + "\(first.line), key '\(first.key)'); list it under `schema:` to read it")
        }
        if context.param("schema") == nil {
            notes.append("inferred schema (paste under `with:` to pin it):")
            notes.append(SchemaInference.yaml(result.schema, indent: 2).trimmingCharacters(in: .newlines))
        }
        if result.rowsRejected > 0 {
            let unit = source == nil ? "line" : "row"
            let first =
                RejectSummary(result.rejects).map(\.description)
                ?? result.rejects.prefix(3).map { "\(unit) \($0.line): \($0.reason)" }.joined(separator: "; ")
            if options.onBadRow == .quarantine {
                let rejectsPath = "\(context.runDirectory)/\(context.stageName).rejects.csv"
                try TableWriter.writeRejects(result.rejects, to: rejectsPath)
                warnings.append("\(result.rowsRejected) bad rows written to \(rejectsPath) (\(first))")
            } else {
                warnings.append("\(result.rowsRejected) bad rows skipped" + (first.isEmpty ? "" : " (\(first))"))
            }
        }
        var counters: [StageOutput.Counter] = [
            .init("rows_ok", result.rowsOk), .init("rows_rejected", result.rowsRejected),
        ]
        if result.ignoredKeyLines > 0 { counters.append(.init("lines_with_unread_keys", result.ignoredKeyLines)) }
        if unreadLines > 0 { counters.append(.init("include_lines_with_unread_keys", unreadLines)) }
        if let key = options.uniqueKey {
            counters.append(.init("duplicates", result.duplicateRows))
            if result.duplicateRows > 0 {
                warnings.append(
                    "\(result.duplicateRows) \(result.duplicateRows == 1 ? "row repeats" : "rows repeat") the \(key) of an earlier row; "
                        + "kept the \(options.onDuplicate.rawValue) of each (the others are among the bad rows)")
            }
        }
        if let first = result.firstReplacedUTF8 {
            counters.append(.init("invalid_utf8_replaced", result.replacedUTF8Fields))
            warnings.append(
                "\(result.replacedUTF8Fields) text field\(result.replacedUTF8Fields == 1 ? "" : "s") held bytes that are not UTF-8, "
                    + "kept with U+FFFD in their place (first: line \(first.line), column '\(first.column)'); "
                    + "save the file as UTF-8, or set on_invalid_utf8: reject to treat them as bad rows")
        }
        return StageOutput(
            result.table, rowsIn: result.rowsIn, rowsOut: result.rowsOk,
            counters: counters, notes: notes, warnings: warnings)
    }

    /// The JSON Lines files of an `include`: the file itself, the folder's `*.jsonl`/`*.ndjson`
    /// (sorted by name), or none when nothing is there.
    static func includedFiles(_ path: String) -> [String] {
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDir) else { return [] }
        guard isDir.boolValue else { return [path] }
        let names = (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []
        return names.filter { !$0.hasPrefix(".") && ($0.hasSuffix(".jsonl") || $0.hasSuffix(".ndjson")) }.sorted().map {
            path + "/" + $0
        }
    }

    // MARK: - Parameters

    static func options(_ stage: StageSpec) throws -> IngestOptions {
        var o = IngestOptions()
        let p = stage.params
        if let d = p["delimiter"]?.stringValue { o.delimiter = try byte(d, "delimiter", stage) }
        if let q = p["quote"]?.stringValue { o.quote = try byte(q, "quote", stage) }
        if let n = p["null_values"]?.stringList { o.nullValues = n }
        if let r = p["infer_rows"]?.intValue { o.inferenceRows = r }
        o.onlySchemaColumns = p["only_schema_columns"]?.boolValue ?? false
        o.onBadRow = BadRowPolicy(rawValue: p["on_bad_row"]?.stringValue ?? "quarantine") ?? .quarantine
        o.onInvalidUTF8 = InvalidUTF8Policy(rawValue: p["on_invalid_utf8"]?.stringValue ?? "replace") ?? .replace
        o.uniqueKey = p["unique"]?.stringValue
        o.onDuplicate = DuplicatePolicy(rawValue: p["on_duplicate"]?.stringValue ?? "first") ?? .first
        if let m = p["max_bad_rows"] { o.maxBadRows = try limit(m, stage) }
        // The default share stops a run whose schema misreads a column, not a small sample's odd line.
        if stage.paramLocations["max_bad_rows"] == nil, case .percent(let share)? = o.maxBadRows {
            o.maxBadRows = .percentAbove(share, atLeast: 10)
        }
        if let s = p["schema"]?.mapValue { o.schema = try schema(s, stage) }
        return o
    }

    static func byte(_ s: String, _ name: String, _ stage: StageSpec) throws -> UInt8 {
        let t = s == "\\t" ? "\t" : s
        guard t.utf8.count == 1, let b = t.utf8.first else {
            throw StageError(
                "'\(name)' must be a single ASCII character, got '\(s)'", code: .invalidParam,
                at: stage.paramLocations[name])
        }
        return b
    }

    static func limit(_ v: ParamValue, _ stage: StageSpec) throws -> BadRowLimit {
        if let n = v.intValue, n >= 0 { return .count(n) }
        if let s = v.stringValue, s.hasSuffix("%"), let p = Double(s.dropLast().trimmingCharacters(in: .whitespaces)),
            p >= 0, p <= 100
        {
            return .percent(p)
        }
        throw StageError(
            "max_bad_rows must be a count (e.g. 100) or a percent (e.g. \"1%\"), got '\(v)'",
            code: .invalidParam, at: stage.paramLocations["max_bad_rows"])
    }

    static func schema(_ entries: [ParamValue.Entry], _ stage: StageSpec) throws -> [ColumnSpec] {
        try entries.map { e in
            let loc = stage.paramLocations["schema"]
            let typeName: String
            var rename: String?, format: String?
            var allowNonFinite = false
            var bounds: [String: Double] = [:]
            let keys = ["type", "rename", "format", "non_finite", "min", "max"]
            if let s = e.value.stringValue {
                typeName = s
            } else if let m = e.value.mapValue {
                for k in m.map(\.key) where !keys.contains(k) {
                    throw StageError(
                        "schema column '\(e.key)': unknown key '\(k)'", code: .invalidParam, at: loc,
                        hint: Suggestions.hint(for: k, in: keys) ?? "keys: " + keys.joined(separator: ", "))
                }
                guard let t = e.value["type"]?.stringValue else {
                    throw StageError("schema column '\(e.key)' needs a `type`", code: .invalidParam, at: loc)
                }
                typeName = t
                rename = e.value["rename"]?.stringValue
                format = e.value["format"]?.stringValue
                if let n = e.value["non_finite"] {
                    guard let choice = n.stringValue, choice == "allow" || choice == "reject" else {
                        throw StageError(
                            "schema column '\(e.key)': non_finite must be allow or reject, got '\(n)'",
                            code: .invalidParam, at: loc)
                    }
                    guard t == ColumnType.float.rawValue else {
                        throw StageError(
                            "schema column '\(e.key)': non_finite applies to float columns, not \(t)",
                            code: .invalidParam, at: loc)
                    }
                    allowNonFinite = choice == "allow"
                }
                for k in ["min", "max"] {
                    guard let v = e.value[k] else { continue }
                    guard let d = v.doubleValue, d.isFinite else {
                        throw StageError(
                            "schema column '\(e.key)': \(k) must be a number, got '\(v)'", code: .invalidParam, at: loc)
                    }
                    guard t == ColumnType.float.rawValue || t == ColumnType.int.rawValue else {
                        throw StageError(
                            "schema column '\(e.key)': \(k) applies to int and float columns, not \(t)",
                            code: .invalidParam, at: loc)
                    }
                    bounds[k] = d
                }
                if let lo = bounds["min"], let hi = bounds["max"], lo > hi {
                    throw StageError(
                        "schema column '\(e.key)': min \(lo) is above max \(hi)", code: .invalidParam, at: loc)
                }
            } else {
                throw StageError(
                    "schema column '\(e.key)' must be a type name or {type, format, rename, non_finite, min, max}",
                    code: .invalidParam, at: loc)
            }
            guard let type = ColumnType(rawValue: typeName) else {
                throw StageError(
                    "schema column '\(e.key)' has unknown type '\(typeName)'", code: .invalidParam, at: loc,
                    hint: Suggestions.hint(for: typeName, in: ColumnType.allCases.map(\.rawValue))
                        ?? "types: int, float, string, bool, timestamp")
            }
            return ColumnSpec(
                e.key, type, rename: rename, format: format, allowNonFinite: allowNonFinite,
                minimum: bounds["min"], maximum: bounds["max"])
        }
    }

    /// Validate-time checks of the schema, delimiter and limit.
    static func checkParams(_ stage: StageSpec) -> [Diagnostic] {
        do {
            _ = try options(stage)
            return []
        } catch let e as StageError {
            return [
                .error(
                    "invalid-param", "stage '\(stage.name)': \(e.message)", at: e.location ?? stage.location,
                    hint: e.hint)
            ]
        } catch {
            return [.error("invalid-param", "stage '\(stage.name)': \(error)", at: stage.location)]
        }
    }
}
