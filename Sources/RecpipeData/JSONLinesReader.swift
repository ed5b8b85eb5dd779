import Foundation
import RecpipeCore

/// Reads JSON Lines (one object per line) into a `Table`, with the same schema, null and bad-row
/// rules as `CSVReader`. Without a schema, columns are the keys seen in the first
/// `inferenceRows` objects (sorted by name; later new keys are ignored) with types inferred
/// from the JSON values; keys first seen later are not read, and the lines that have one are
/// counted (`ignoredKeyLines`). A line that is not a JSON object, an object with none of the
/// columns' keys, or a value that does not fit its column, becomes a `RejectedRow`.
///
/// Complexity: O(bytes); one `JSONDecoder` pass per line.
package enum JSONLinesReader {
    /// The key `recpipe serve` adds to each line of its event log (receive time, Unix ms); an
    /// ingest `include` keeps it as a column, so the server can tell which lines a run has read.
    package static let receivedKey = "_received_ms"

    enum JSONValue: Decodable {
        case null, bool(Bool), int(Int64), double(Double), string(String), nested

        init(from decoder: Decoder) throws {
            let c = try decoder.singleValueContainer()
            if c.decodeNil() {
                self = .null
            } else if let b = try? c.decode(Bool.self) {
                self = .bool(b)
            } else if let i = try? c.decode(Int64.self) {
                self = .int(i)
            } else if let d = try? c.decode(Double.self) {
                self = .double(d)
            } else if let s = try? c.decode(String.self) {
                self = .string(s)
            } else {
                self = .nested
            }
        }
    }

    package static func read(path: String, options: IngestOptions = IngestOptions()) throws -> IngestResult {
        let data = try FileLoading.load(path: path)
        return try read(data: data, path: path, options: options)
    }

    package static func read(text: String, path: String = "<text>", options: IngestOptions = IngestOptions()) throws
        -> IngestResult
    {
        try read(data: Data(text.utf8), path: path, options: options)
    }

    static func read(data: Data, path: String, options: IngestOptions) throws -> IngestResult {
        let decoder = JSONDecoder()
        var lines: [(line: Int, raw: Data)] = []
        var lineNo = 0
        var start = data.startIndex
        var bytes = data[...]
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { bytes = bytes.dropFirst(3); start = bytes.startIndex }
        while start < bytes.endIndex {
            lineNo += 1
            let nl = bytes[start...].firstIndex(of: 10) ?? bytes.endIndex
            var end = nl
            if end > start, bytes[end - 1] == 13 { end -= 1 }
            let slice = bytes[start..<end]
            if slice.contains(where: { $0 != 32 && $0 != 9 }) { lines.append((lineNo, Data(slice))) }
            start = nl == bytes.endIndex ? nl : nl + 1
        }
        guard !lines.isEmpty else { throw IngestError(.emptyFile, path: path, "the file has no JSON lines") }

        var rejects: [RejectedRow] = []
        var objects: [(Int, [String: JSONValue], Data)] = []
        objects.reserveCapacity(lines.count)
        for (line, raw) in lines {
            if let obj = try? decoder.decode([String: JSONValue].self, from: raw) {
                objects.append((line, obj, raw))
            } else {
                rejects.append(
                    RejectedRow(line: line, raw: String(decoding: raw, as: UTF8.self), reason: "not a JSON object"))
            }
        }

        // Schema: given specs first, inferred for the remaining sampled keys.
        var specs = options.schema ?? []
        if options.fixedColumns {
            // The schema is the whole table: nothing is inferred, nothing is required.
        } else if !options.onlySchemaColumns {
            let given = Set(specs.map(\.name))
            let sample = objects.prefix(options.inferenceRows)
            let keys = Set(sample.flatMap { $0.1.keys }).subtracting(given).sorted()
            for key in keys { specs.append(infer(key, sample.map { $0.1[key] ?? .null })) }
        } else if let missing = specs.first(where: { s in
            !objects.prefix(options.inferenceRows).contains { $0.1[s.name] != nil }
        }) {
            let seen = Set(objects.prefix(options.inferenceRows).flatMap { $0.1.keys })
            throw IngestError(
                .missingColumn, path: path, "no object has the key '\(missing.name)'",
                hint: Suggestions.hint(for: missing.name, in: seen))
        }
        let formats = try specs.map { try CSVReader.timestampFormats($0, path: path) }

        var cells = [[Value]](repeating: [], count: specs.count)
        var ok = 0
        let columnKeys = Set(specs.map(\.name))
        let dataKeys = columnKeys.subtracting([Self.receivedKey])
        let shown = specs.map(\.name).filter(dataKeys.contains)
        let noKeyReason =
            "no key of this object is a column (" + shown.prefix(6).joined(separator: ", ")
            + (shown.count > 6 ? ", …" : "") + ")"
        var ignoredKeyLines = 0
        var firstIgnoredKey: (line: Int, key: String)?
        rowLoop: for (line, obj, raw) in objects {
            // An object that shares no key with the columns carries none of their data: it would be
            // a row of nulls, so it is a bad row (a misspelt or foreign record), not a silent one.
            if !dataKeys.isEmpty, !obj.keys.contains(where: dataKeys.contains) {
                rejects.append(RejectedRow(line: line, raw: String(decoding: raw, as: UTF8.self), reason: noKeyReason))
                continue rowLoop
            }
            // Counted without building a list per row; the first line's key is named.
            if !options.onlySchemaColumns, obj.keys.contains(where: { !columnKeys.contains($0) }) {
                ignoredKeyLines += 1
                if firstIgnoredKey == nil, let key = obj.keys.filter({ !columnKeys.contains($0) }).min() {
                    firstIgnoredKey = (line, key)
                }
            }
            var row: [Value] = []
            for (j, spec) in specs.enumerated() {
                guard let v = convert(obj[spec.name] ?? .null, spec.type, formats[j]) else {
                    rejects.append(
                        RejectedRow(
                            line: line, raw: String(decoding: raw, as: UTF8.self),
                            reason: "key '\(spec.name)': value does not fit type \(spec.type)"))
                    continue rowLoop
                }
                row.append(v)
            }
            for j in row.indices { cells[j].append(row[j]) }
            ok += 1
        }
        rejects.sort { $0.line < $1.line }
        try CSVReader.enforce(
            policy: options, rejects: rejects, rejected: rejects.count, rowsIn: ok + rejects.count, path: path)
        let columns = try specs.enumerated().map { j, s in
            try Column(name: s.outputName, type: s.type, values: cells[j])
        }
        let table: Table
        do { table = try Table(columns: columns) } catch {
            throw IngestError(
                .invalidOption, path: path, "\(error)", hint: "use 'rename' to give columns distinct names")
        }
        var result = IngestResult(
            table: table, rowsIn: ok + rejects.count, rowsOk: ok, rowsRejected: rejects.count,
            rejects: options.onBadRow == .skip ? [] : rejects, schema: specs)
        result.ignoredKeyLines = ignoredKeyLines
        result.firstIgnoredKey = firstIgnoredKey
        return result
    }

    private static func infer(_ key: String, _ values: [JSONValue]) -> ColumnSpec {
        var kinds = Set<String>()
        var strings: [String] = []
        for v in values {
            switch v {
            case .null: break
            case .bool: kinds.insert("bool")
            case .int: kinds.insert("int")
            case .double: kinds.insert("float")
            case .string(let s): kinds.insert("string"); strings.append(s)
            case .nested: kinds.insert("nested")
            }
        }
        if kinds == ["int"] { return ColumnSpec(key, .int) }
        if kinds == ["float"] || kinds == ["int", "float"] { return ColumnSpec(key, .float) }
        if kinds == ["bool"] { return ColumnSpec(key, .bool) }
        if kinds == ["string"] {
            let (t, f) = SchemaInference.inferType(strings)
            return ColumnSpec(key, t, format: f?.description)
        }
        return ColumnSpec(key, .string)
    }

    private static func convert(_ v: JSONValue, _ type: ColumnType, _ formats: [TimestampFormat]) -> Value? {
        switch (v, type) {
        case (.null, _): return .null
        case (.int(let i), .int): return .int(i)
        case (.int(let i), .float): return .double(Double(i))
        case (.double(let d), .float): return .double(d)
        case (.double(let d), .int): return d.rounded() == d && abs(d) < 9e15 ? .int(Int64(d)) : nil
        case (.bool(let b), .bool): return .bool(b)
        case (.int(let i), .timestamp): return .timestamp(i)
        case (.string(let s), .string): return .string(s)
        case (.int(let i), .string): return .string(String(i))
        case (.double(let d), .string): return .string(String(d))
        case (.bool(let b), .string): return .string(String(b))
        case (.string(let s), .int): return ByteParsing.int(s).map(Value.int)
        case (.string(let s), .float): return ByteParsing.double(s).map(Value.double)
        case (.string(let s), .bool): return ByteParsing.bool(s).map(Value.bool)
        case (.string(let s), .timestamp):
            for f in formats { if let t = f.parse(s) { return .timestamp(t) } }
            return nil
        default: return nil
        }
    }
}
