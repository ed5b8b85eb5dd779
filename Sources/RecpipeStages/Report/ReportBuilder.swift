import Foundation
import RecpipeData
import RecpipeEngine
import RecpipeReport
import RecpipeSpec

/// Builds the report page of one run from its manifest and cached artifacts: Run (the DAG, each
/// stage, ingest accounting), Customers (segments, RFM, tags, distributions), Models (evaluation
/// metrics, popularity bias) and Rules (rule effects and the change against the previous result).
/// A section without data says why instead of drawing an empty chart.
package enum ReportBuilder {
    /// The page for `run` of `spec`, reading artifacts from `store`.
    /// - Parameter live: the page is written by a `report` stage while the run goes on.
    package static func page(spec: PipelineSpec, run: RunReport, store: ArtifactStore, live: Bool = false) -> ReportPage
    {
        let sources = ReportSources(spec: spec, run: run, store: store, live: live)
        var sections = [
            runSection(sources), customersSection(sources), modelsSection(sources), rulesSection(sources),
        ]
        if !sources.unavailable.isEmpty {
            sections[0].blocks.insert(
                .notes(
                    [
                        "results of \(sources.unavailable.map { "'\($0)'" }.joined(separator: ", ")) are no longer in the cache "
                            + "(later runs replaced them); their charts are left out. Report the latest run, or run the pipeline again."
                    ], warning: true), at: 0)
        }
        let counts = Dictionary(grouping: run.stages, by: \.status).mapValues(\.count)
        let status = [StageStatus.ran, .cached, .failed, .skipped, .notSelected].compactMap { s in
            counts[s].map { "\($0) \(s.rawValue.replacingOccurrences(of: "_", with: " "))" }
        }.joined(separator: ", ")
        var facts: [ReportPage.Fact] = [
            .init("pipeline", spec.name), .init("run", run.runID), .init("started", timestamp(run.startedAt)),
            .init("took", String(format: "%.2f s", run.seconds)), .init("stages", status),
        ]
        // The settings the run had (its manifest), not today's YAML.
        if let asOf = run.record.asOf ?? spec.asOf { facts.append(.init("as of", asOf)) }
        facts.append(.init("seed", String(run.record.seed ?? spec.seed)))
        if !run.record.overrides.isEmpty { facts.append(.init("--set", run.record.overrides.joined(separator: " "))) }
        if let e = run.record.experiment { facts.append(.init("experiment", e)) }
        return ReportPage(
            title: "\(spec.name) — run report" + (run.record.experiment.map { " (experiment \($0))" } ?? ""),
            subtitle: "recpipe run \(spec.file) · run \(run.runID)" + (run.exitCode == 0 ? "" : " · a stage failed"),
            facts: facts, sections: sections)
    }

    static func timestamp(_ date: Date) -> String {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(identifier: "UTC")
        f.dateFormat = "yyyy-MM-dd HH:mm:ss 'UTC'"
        return f.string(from: date)
    }

    /// `name value, name value` for a stage's counters.
    static func counters(_ r: StageReport) -> String {
        r.counters.map { "\($0.name) \(NumberText.count($0.value))" }.joined(separator: ", ")
    }
}
