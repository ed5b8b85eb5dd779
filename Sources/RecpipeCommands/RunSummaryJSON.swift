import Foundation
import RecpipeEngine

/// `recpipe run --json`: the run summary as one JSON document on standard output — the
/// manifest's content (stages with status, rows, counters, notes and warnings; as-of, seed,
/// version, overrides, files written) plus the `--diff` blocks when asked for.
enum RunSummaryJSON {
    private struct Document: Encodable {
        var report: RunReport
        var diff: [String]

        func encode(to encoder: any Encoder) throws {
            try report.encode(to: encoder)
            guard !diff.isEmpty else { return }
            var c = encoder.container(keyedBy: Key.self)
            try c.encode(diff, forKey: Key(stringValue: "diff")!)
        }
    }

    private struct Key: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init?(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    static func render(_ report: RunReport, diff: [String] = []) -> String {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        guard let data = try? e.encode(Document(report: report, diff: diff)) else { return "{}" }
        return String(decoding: data, as: UTF8.self)
    }
}
