import Foundation

/// Past runs of a cache directory, read back from their manifests (`runs/<id>/manifest.json`):
/// what `recpipe runs` lists and where `--diff` finds the run that produced its baseline.
package struct RunHistory: Sendable {
    /// Newest first.
    package var runs: [RunReport]

    /// Every readable manifest under `runsDirectory` (a manifest of another pipeline sharing the
    /// cache is left out when `pipeline` is given).
    package init(runsDirectory: String, pipeline: String? = nil) {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: runsDirectory)) ?? []
        var runs: [RunReport] = []
        for name in names {
            guard let data = FileManager.default.contents(atPath: "\(runsDirectory)/\(name)/manifest.json"),
                let r = try? JSONDecoder().decode(RunReport.self, from: data), !r.dryRun
            else { continue }
            if let pipeline, r.pipeline != pipeline { continue }
            runs.append(r)
        }
        self.runs = runs.sorted { $0.startedAt > $1.startedAt || ($0.startedAt == $1.startedAt && $0.runID > $1.runID) }
    }

    package func run(_ id: String) -> RunReport? { runs.first { $0.runID == id } }

    /// The newest production run (not `excluding`) in which `stage` had the result `fingerprint`.
    package func producer(of fingerprint: String, stage: String, excluding id: String? = nil) -> RunReport? {
        runs.first { r in
            r.runID != id && r.record.experiment == nil
                && r.stages.contains {
                    $0.stage == stage && $0.fingerprint == fingerprint && ($0.status == .ran || $0.status == .cached)
                }
        }
    }

    /// What differs between two runs for `stage`: its parameters (`top 10 → 5`), the as-of date and
    /// the seed, from the manifests' resolved pipelines.
    package static func settingsThatDiffer(stage: String, from old: RunReport, to new: RunRecord) -> [String] {
        var out: [String] = []
        if let a = old.record.asOf, let b = new.asOf, a != b { out.append("as_of \(a) → \(b)") }
        if let a = old.record.seed, let b = new.seed, a != b { out.append("seed \(a) → \(b)") }
        guard let before = old.record.pipelineResolved?.stages.first(where: { $0.name == stage }),
            let after = new.pipelineResolved?.stages.first(where: { $0.name == stage })
        else { return out }
        for name in Set(before.params.keys).union(after.params.keys).sorted() {
            let a = before.params[name].map { "\($0.value)" } ?? "(unset)",
                b = after.params[name].map { "\($0.value)" } ?? "(unset)"
            if a != b { out.append("\(stage).\(name) \(a) → \(b)") }
        }
        return out
    }
}
