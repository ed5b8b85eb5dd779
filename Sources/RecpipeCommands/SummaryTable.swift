import Foundation
import RecpipeEngine

/// The run summary: one row per stage (status, rows, time, cache), then stage notes and warnings.
enum SummaryTable {
    static func render(_ report: RunReport) -> String {
        let header = ["stage", "kind", "status", "rows in", "rows out", "time", "why / counts"]
        var rows: [[String]] = []
        for s in report.stages {
            let status = s.status == .cached ? "cached" : s.status.rawValue
            var why = s.reason ?? ""
            if s.status == .ran || s.status == .cached {
                let counts = s.counters.prefix(4).map { "\($0.name) \(number($0.value))" }
                // A first run's "no cached result" says nothing; changes and --force do.
                why = (s.status == .ran ? [why] : []).filter {
                    !$0.isEmpty && $0 != "unchanged" && $0 != "no cached result"
                }.joined()
                if !counts.isEmpty { why += (why.isEmpty ? "" : "; ") + counts.joined(separator: ", ") }
            }
            if s.status == .notSelected { why = "" }
            rows.append([
                s.stage, s.kind, status, s.rowsIn.map(number) ?? "", s.rowsOut.map(number) ?? "",
                s.status == .ran || s.status == .cached || s.status == .failed
                    ? String(format: "%.2fs", s.seconds) : "",
                why,
            ])
        }
        var widths = header.map(\.count)
        for r in rows {
            for (i, c) in r.enumerated() where i < header.count - 1 { widths[i] = max(widths[i], c.count) }
        }
        func line(_ cells: [String]) -> String {
            cells.enumerated().map { i, c in
                if i == cells.count - 1 { return c }
                let right = i == 3 || i == 4 || i == 5
                let pad = String(repeating: " ", count: max(0, widths[i] - c.count))
                return right ? pad + c : c + pad
            }.joined(separator: "  ").trimmingCharacters(in: .whitespaces)
        }
        var out = [
            line(header),
            line(widths.enumerated().map { i, w in String(repeating: "─", count: i == header.count - 1 ? 12 : w) }),
        ]
        out += rows.map(line)
        let ran = report.stages.filter { $0.status == .ran }.count
        let cached = report.stages.filter { $0.status == .cached }.count
        let failed = report.stages.filter { $0.status == .failed }.count
        let skipped = report.stages.filter { $0.status == .skipped }.count
        var tally = "\(ran) ran, \(cached) cached"
        if failed > 0 { tally += ", \(failed) failed" }
        if skipped > 0 { tally += ", \(skipped) skipped" }
        out.append("")
        out.append("\(report.pipeline): \(tally) in \(String(format: "%.2f", report.seconds))s")
        return out.joined(separator: "\n")
    }

    static func notes(_ report: RunReport) -> String? {
        var blocks: [String] = []
        // Notes of stages that ran; a cached stage's notes were shown when it ran (`--force` shows them again).
        for s in report.stages where s.status == .ran && !s.notes.isEmpty {
            blocks.append("── \(s.stage) ──\n" + s.notes.joined(separator: "\n"))
        }
        return blocks.isEmpty ? nil : blocks.joined(separator: "\n\n")
    }

    static func warnings(_ report: RunReport) -> [String] {
        report.stages.flatMap { s in s.warnings.map { "warning: \(s.stage): \($0)" } }
    }

    /// 12345 → "12,345".
    static func number(_ n: Int) -> String {
        let s = String(abs(n))
        var out = ""
        for (i, ch) in s.enumerated() {
            if i > 0 && (s.count - i) % 3 == 0 { out.append(",") }
            out.append(ch)
        }
        return n < 0 ? "-" + out : out
    }
}
