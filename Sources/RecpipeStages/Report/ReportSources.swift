import Foundation
import RecpipeData
import RecpipeEngine
import RecpipeSpec

/// What a report reads: the pipeline, one run's stage reports (its manifest) and the artifacts
/// those reports name, loaded from the cache by fingerprint once each. An artifact the cache no
/// longer holds (pruned after later runs) is remembered, and the page says which.
final class ReportSources {
    let spec: PipelineSpec
    let run: RunReport
    let store: ArtifactStore
    let state: ArtifactStore.State
    /// True while the run is still going (a `report` stage): the cache's state still names the
    /// previous run's results.
    let live: Bool
    private var loaded: [String: (any Artifact)?] = [:]
    /// Stages whose result this run recorded but the cache no longer holds.
    private(set) var unavailable: [String] = []

    init(spec: PipelineSpec, run: RunReport, store: ArtifactStore, live: Bool = false) {
        self.spec = spec
        self.run = run
        self.store = store
        self.live = live
        // An experiment's results are remembered apart from production's.
        self.state = (run.record.experiment.map { store.experiment($0) } ?? store).loadState()
    }

    /// The result `stage` had before this run's one, when known: after the run, the state's
    /// previous result while this run's is still the current one; during the run, the state's
    /// current one if this run produced a new result.
    enum Previous {
        case fingerprint(String)
        case none
        /// This run's result has since been replaced: its predecessor is no longer recorded.
        case unknown
    }

    func previous(_ stage: String) -> Previous {
        guard let fp = report(stage)?.fingerprint, let st = state.stages[stage] else { return .none }
        if st.current.value == fp { return st.previous.map { .fingerprint($0.value) } ?? .none }
        return live ? .fingerprint(st.current.value) : .unknown
    }

    func report(_ stage: String) -> StageReport? { run.stages.first { $0.stage == stage } }

    /// The stages of `kind` in file order whose result this run has (ran or cached).
    func stages(kind: String) -> [StageSpec] {
        spec.stages.filter { s in
            s.kind == kind && s.derivedFrom == nil && [.ran, .cached].contains(report(s.name)?.status)
        }
    }

    /// Why stages of `kinds` the pipeline has gave no result in this run (`'recs' failed`), or nil
    /// when it has none of them.
    func withoutResult(kinds: Set<String>) -> String? {
        let named = spec.stages.filter { kinds.contains($0.kind) }
        guard !named.isEmpty else { return nil }
        return named.map { st in
            let status = report(st.name)?.status
            let word =
                status == .failed
                ? "failed"
                : status == .skipped ? "was skipped" : status == .notSelected ? "was not selected" : "has no result"
            return "'\(st.name)' \(word)"
        }.joined(separator: ", ") + " in this run"
    }

    /// The artifact of `stage` in this run, or nil (not run, failed, or pruned from the cache).
    func artifact(_ stage: String) -> (any Artifact)? {
        if let hit = loaded[stage] { return hit }
        var value: (any Artifact)?
        if let r = report(stage), [.ran, .cached].contains(r.status), let fp = r.fingerprint {
            value = try? store.load(fp).artifact
            if value == nil { unavailable.append(stage) }
        }
        loaded[stage] = value
        return value
    }

    func artifact<T: Artifact>(_ stage: String, as: T.Type) -> T? { artifact(stage) as? T }

    /// A stage's result stored under an explicit fingerprint (the previous result for a diff).
    func artifact(fingerprint: String) -> (any Artifact)? { try? store.load(fingerprint).artifact }

    /// The upstream stage on `port` of `stage`, first one.
    func input(_ stage: StageSpec, _ port: String) -> String? { stage.inputs[port]?.first }

    /// Candidate lists of a stage's result (candidates, or the candidates inside factors).
    func candidates(_ stage: String) -> Candidates? {
        switch artifact(stage) {
        case let c as Candidates: c
        case let f as Factors: f.candidates
        default: nil
        }
    }

    /// Item id → readable name and category from an items table: the first of `name`, `title`,
    /// `description`, `product_name` present, and `category`.
    func itemInfo(_ tableStage: String?, idColumn: String = "item_id") -> [String: (name: String, category: String)] {
        guard let tableStage, let t = artifact(tableStage, as: Table.self), let id = t.columnIndex(idColumn) else {
            return [:]
        }
        let nameCol = ["name", "title", "description", "product_name"].lazy.compactMap { t.columnIndex($0) }.first
        let catCol = t.columnIndex("category")
        var out: [String: (String, String)] = [:]
        for r in 0..<t.rowCount {
            guard let key = t.string(row: r, col: id) ?? t.int(row: r, col: id).map(String.init), out[key] == nil else {
                continue
            }
            out[key] = (
                nameCol.flatMap { t.string(row: r, col: $0) } ?? "", catCol.flatMap { t.string(row: r, col: $0) } ?? ""
            )
        }
        return out
    }

    /// For a table without an items stage (Online Retail's invoice lines): item → name from the
    /// events table feeding `stage` (first `description`/`name`/`title` seen per item).
    func itemNamesFromEvents(upstreamOf stage: String) -> [String: (name: String, category: String)] {
        var seen = Set<String>()
        var stack = [stage]
        while let s = stack.popLast() {
            guard let spec = spec.stage(s) else { continue }
            if let t = artifact(s) as? Table, t.columnIndex("item_id") != nil,
                ["description", "name", "title"].contains(where: { t.columnIndex($0) != nil })
            {
                return itemInfo(s)
            }
            for u in spec.dependencies where seen.insert(u).inserted { stack.append(u) }
        }
        return [:]
    }
}
