import Foundation
import RecpipeData
import RecpipeEngine
import RecpipeReport
import RecpipeSpec

extension ReportBuilder {
    // MARK: - Run

    static func runSection(_ s: ReportSources) -> ReportPage.Section {
        var blocks: [ReportPage.Block] = []
        let byName = Dictionary(s.run.stages.map { ($0.stage, $0) }, uniquingKeysWith: { a, _ in a })
        let graph = GraphDrawing(
            nodes: s.spec.stages.map { st in
                .init(id: st.name, detail: st.kind, status: byName[st.name]?.status.rawValue ?? "not_run")
            },
            edges: s.spec.stages.flatMap { st in
                st.inputs.keys.sorted().flatMap { port in
                    st.inputs[port]!.map { GraphDrawing.Edge(from: $0, to: st.name) }
                }
                    + st.after.map { GraphDrawing.Edge(from: $0, to: st.name, dashed: true) }
            })
        blocks.append(
            .figure(
                graph.figure(
                    title: "Pipeline",
                    caption:
                        "Each box is a stage, coloured by what it did in this run (green ran, blue came from the cache, red failed, orange skipped); arrows carry data, dashed ones only order."
                )))

        let rows = s.run.stages.map { r -> [String] in
            [
                r.stage, r.kind, r.status.rawValue, String(format: "%.2f s", r.seconds),
                r.rowsIn.map(NumberText.count) ?? "–", r.rowsOut.map(NumberText.count) ?? "–",
                [r.reason ?? "", counters(r)].filter { !$0.isEmpty }.joined(separator: "; "),
            ]
        }
        blocks.append(
            .table(
                "Stages",
                DataTable(
                    columns: ["stage", "kind", "status", "time", "rows in", "rows out", "why / counts"], rows: rows,
                    numeric: [false, false, false, true, true, true, false])))

        let timed = s.run.stages.filter { $0.status == .ran }
        if !timed.isEmpty {
            let chart = BarChart(
                timed.map { ($0.stage, $0.seconds) }, categoryHeader: "stage", valueHeader: "seconds",
                axisTitle: "seconds", format: { String(format: "%.2f s", $0) })
            blocks.append(
                .figure(
                    chart.figure(
                        title: "Time per stage",
                        caption: "Stages that ran in this run (cached stages took no computing).")))
        }

        var problems: [String] = []
        for r in s.run.stages {
            if let e = r.error { problems.append("\(r.stage) failed: \(e)") }
            // A rank stage's warnings are under Rules.
            for w in r.warnings where r.kind != "rank" { problems.append("\(r.stage): \(w)") }
            if r.status == .skipped { problems.append("\(r.stage) skipped: \(r.reason ?? "")") }
        }
        if !problems.isEmpty { blocks.append(.notes(problems, warning: true)) }
        blocks += ingestBlocks(s)
        return .init(
            id: "run", title: "Run", intro: "What ran, how long it took, and what each stage read and wrote.",
            blocks: blocks)
    }

    // MARK: - Ingest accounting

    static func ingestBlocks(_ s: ReportSources) -> [ReportPage.Block] {
        let ingests = s.run.stages.filter { $0.kind == "ingest" && [.ran, .cached].contains($0.status) }
        guard !ingests.isEmpty else { return [] }
        func counter(_ r: StageReport, _ name: String) -> Double {
            r.counters.first { $0.name == name }.map { Double($0.value) } ?? .nan
        }
        let chart = BarChart(
            categories: ingests.map(\.stage),
            series: [
                .init("rows ok", ingests.map { counter($0, "rows_ok") }),
                .init("rows rejected", ingests.map { counter($0, "rows_rejected") }),
            ],
            categoryHeader: "ingest stage", format: { NumberText.count(Int($0)) })
        var blocks: [ReportPage.Block] = [
            .figure(
                chart.figure(
                    title: "Ingest accounting",
                    caption:
                        "Every input row is either ok or rejected (rows in = ok + rejected); rejected rows go to the run's rejects file with their reason."
                ))
        ]
        for r in ingests where counter(r, "rows_rejected") > 0 {
            guard let path = rejectsFile(r, s) else {
                blocks.append(
                    .notes([
                        "\(r.stage): \(NumberText.count(Int(counter(r, "rows_rejected")))) rows rejected; their rejects file is not kept (on_bad_row: skip) or was removed with its run directory"
                    ]))
                continue
            }
            blocks.append(.table("Top reject reasons — \(r.stage)", rejectReasons(path)))
        }
        return blocks
    }

    /// The rejects file written when `r`'s result was computed: this run's, or for a cached stage
    /// the newest earlier run whose manifest shows the same stage result running.
    static func rejectsFile(_ r: StageReport, _ s: ReportSources) -> String? {
        let name = "\(r.stage).rejects.csv"
        let own = "\(s.run.runDirectory)/\(name)"
        if FileManager.default.fileExists(atPath: own) { return own }
        for other in RunHistory(runsDirectory: s.store.runsDirectory, pipeline: s.run.pipeline).runs {
            let dir = "\(s.store.runsDirectory)/\(other.runID)"
            guard FileManager.default.fileExists(atPath: "\(dir)/\(name)"),
                other.stages.contains(where: {
                    $0.stage == r.stage && $0.fingerprint == r.fingerprint && $0.status == .ran
                })
            else { continue }
            return "\(dir)/\(name)"
        }
        return nil
    }

    /// Reasons with their row counts, most frequent first. Values quoted in a reason
    /// (`cannot parse 'abc' as int`) are folded together so one cause is one line.
    static func rejectReasons(_ path: String, limit: Int = 10) -> DataTable {
        var options = IngestOptions()
        options.schema = [ColumnSpec("line", .int), ColumnSpec("reason", .string), ColumnSpec("raw", .string)]
        options.onBadRow = .skip
        guard let table = try? CSVReader.read(path: path, options: options).table, let col = table.columnIndex("reason")
        else {
            return DataTable(columns: ["reason", "rows"], rows: [], note: "cannot read \(path)")
        }
        var counts: [String: Int] = [:]
        for r in 0..<table.rowCount { counts[foldQuoted(table.string(row: r, col: col) ?? ""), default: 0] += 1 }
        let sorted = counts.sorted { $0.value > $1.value || ($0.value == $1.value && $0.key < $1.key) }
        return DataTable(
            columns: ["reason", "rows"], rows: sorted.prefix(limit).map { [$0.key, NumberText.count($0.value)] },
            note: "\(NumberText.count(table.rowCount)) rejected rows, \(sorted.count) distinct reasons"
                + (sorted.count > limit ? " (top \(limit) shown)" : "") + "; all in \(path)")
    }

    /// `cannot parse 'abc' as int in column 'Quantity'` → `cannot parse '…' as int in column 'Quantity'`:
    /// quoted text right after "parse", "value" or "got" is the row's own value.
    static func foldQuoted(_ reason: String) -> String {
        reason.replacing(/(parse|value|got|read) '[^']*'/) { m in "\(m.output.1) '…'" }
    }
}
