import Foundation
import RecpipeData
import RecpipeSpec

/// An ingest's columns before it runs: the schema's, and the file header's (types inferred from
/// the first lines) for columns the schema does not name.
extension IngestStage {
    static func knownColumns(_ stage: StageSpec, base: String) -> KnownColumns? {
        let specs = stage.params["schema"]?.mapValue.flatMap { try? schema($0, stage) } ?? []
        let onlySchema = stage.params["only_schema_columns"]?.boolValue == true
        func entry(_ s: ColumnSpec) -> KnownColumns.Entry {
            .init(
                name: s.outputName, type: s.type.rawValue,
                doc: s.rename == nil ? "from the schema" : "'\(s.name)' in the file")
        }
        if onlySchema { return KnownColumns(entries: specs.map(entry), complete: true) }
        guard let raw = stage.params["path"]?.stringValue,
            let header = Self.header(path: PipelinePath.resolve(raw, base: base), stage)
        else {
            return specs.isEmpty ? nil : KnownColumns(entries: specs.map(entry), complete: false)
        }
        let entries = header.names.enumerated().map { j, name -> KnownColumns.Entry in
            if let s = specs.first(where: { $0.name == name }) { return entry(s) }
            let type = SchemaInference.inferType(
                header.samples.compactMap { j < $0.count ? $0[j] : nil }.filter { !$0.isEmpty }
            ).type
            return .init(name: name, type: type.rawValue, doc: "inferred from the file's first lines", inferred: true)
        }
        return KnownColumns(entries: entries, complete: true)
    }

    /// The header and up to 200 sample rows of a CSV file (its first 256 KiB), or nil.
    static func header(path: String, _ stage: StageSpec) -> (names: [String], samples: [[String]])? {
        let format = stage.params["format"]?.stringValue ?? "auto"
        guard format == "csv" || (format == "auto" && !path.hasSuffix(".jsonl") && !path.hasSuffix(".ndjson")),
            let handle = FileHandle(forReadingAtPath: path)
        else { return nil }
        defer { try? handle.close() }
        guard let data = try? handle.read(upToCount: 256 << 10), !data.isEmpty else { return nil }
        var text = String(decoding: data, as: UTF8.self)
        if text.hasPrefix("\u{FEFF}") { text.removeFirst() }
        let delimiter = Character(stage.params["delimiter"]?.stringValue.map { $0 == "\\t" ? "\t" : $0 } ?? ",")
        var lines = text.split(omittingEmptySubsequences: true, whereSeparator: { $0 == "\n" || $0 == "\r\n" })
        if data.count == 256 << 10 { lines = lines.dropLast() }  // the last line may be cut
        guard let first = lines.first else { return nil }
        let names = split(first, delimiter)
        return (names, lines.dropFirst().prefix(200).map { split($0, delimiter) })
    }

    /// One CSV line's fields (quotes honoured; a record spanning lines is read as far as it goes).
    static func split(_ line: Substring, _ delimiter: Character) -> [String] {
        var fields: [String] = [], field = "", quoted = false
        var it = line.makeIterator()
        while let c = it.next() {
            if quoted {
                if c == "\"" { quoted = false } else { field.append(c) }
            } else if c == "\"" {
                quoted = true
            } else if c == delimiter {
                fields.append(field)
                field = ""
            } else if c != "\r" {
                field.append(c)
            }
        }
        fields.append(field)
        return fields
    }
}
