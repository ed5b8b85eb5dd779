import Foundation

@testable import RecpipeData

/// A fresh temporary directory per call.
func makeTempDir(_ label: String = #function) throws -> String {
    let dir =
        NSTemporaryDirectory()
        + "recpipe-data-tests/\(label.filter { $0.isLetter || $0.isNumber })-\(UUID().uuidString)"
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    return dir
}

func readText(_ path: String) throws -> String {
    String(decoding: try Data(contentsOf: URL(fileURLWithPath: path)), as: UTF8.self)
}

/// Parses CSV text with an optional schema.
func csv(_ text: String, schema: [ColumnSpec]? = nil, configure: (inout IngestOptions) -> Void = { _ in }) throws
    -> IngestResult
{
    var o = IngestOptions(schema: schema)
    configure(&o)
    return try CSVReader.read(text: text, path: "test.csv", options: o)
}

/// All cells of a column, as values.
func cells(_ t: Table, _ name: String) -> [Value] {
    guard let c = t.column(named: name) else { return [] }
    return (0..<t.rowCount).map { c.value($0) }
}
