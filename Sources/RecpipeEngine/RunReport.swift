import Foundation
import RecpipeCore

/// How one stage ended in a run.
package enum StageStatus: String, Sendable, Codable, Hashable {
    /// Ran and produced a new artifact.
    case ran
    /// Reused from the cache (fingerprint unchanged).
    case cached
    /// Threw an error.
    case failed
    /// Not run because an upstream stage failed.
    case skipped
    /// Left out by `--only`/`--to`/`--from` and not needed by a selected stage.
    case notSelected = "not_selected"
    /// `--dry-run`: would run.
    case wouldRun = "would_run"
}

/// One line of the run summary and one entry of the manifest.
package struct StageReport: Sendable, Codable, Hashable {
    package var stage: String
    package var kind: String
    package var status: StageStatus
    /// Why it ran (`"parameter 'factors' changed"`, `"no cached result"`, `"--force"`) or why it
    /// was skipped (`"upstream 'als' failed"`).
    package var reason: String?
    package var cacheHit: Bool
    package var seconds: Double
    package var rowsIn: Int?
    package var rowsOut: Int?
    package var counters: [StageOutput.Counter]
    package var notes: [String]
    package var warnings: [String]
    package var fingerprint: String?
    package var artifactKind: ArtifactKind?
    /// A failure in one line: `file:line:col: message (hint)`.
    package var error: String?
    /// The failure's stable code (`stage-failed`, `not-cached`, `cache-write-failed`, …).
    package var errorCode: String?
    /// Where the failure is, `file:line:col`, when it has a YAML or script location.
    package var errorLocation: String?
    /// The failure as a diagnostic, in this run only (the manifest keeps `error`, its code and location).
    package var failure: Diagnostic? = nil

    /// The manifest's JSON keys are snake_case, like the run-level keys.
    enum CodingKeys: String, CodingKey {
        case stage, kind, status, reason, seconds, counters, notes, warnings, fingerprint, error
        case cacheHit = "cache_hit", rowsIn = "rows_in", rowsOut = "rows_out", artifactKind = "artifact_kind"
        case errorCode = "error_code", errorLocation = "error_location"
    }

    /// Marks the stage failed with `error`: its one-line text, code, location and diagnostic.
    package mutating func fail(_ error: StageError) {
        status = .failed
        self.error = error.description
        errorCode = error.code.rawValue
        errorLocation = error.location?.description
        failure = error.diagnostic
    }

    package init(stage: String, kind: String, status: StageStatus) {
        self.stage = stage
        self.kind = kind
        self.status = status
        cacheHit = false
        seconds = 0
        counters = []
        notes = []
        warnings = []
    }
}

/// The result of `recpipe run`, written as `manifest.json` in the run's directory.
package struct RunReport: Sendable, Codable {
    package var pipeline: String
    package var file: String
    package var runID: String
    package var startedAt: Date
    package var seconds: Double
    package var stages: [StageReport]
    package var dryRun: Bool
    package var runDirectory: String
    /// Run-level failures after the stages: the cache state, remembered file hashes or the
    /// manifest could not be written (`no space left on device (writing …)`). Any makes the run fail.
    package var errors: [String] = []
    /// The manifest's path once it is written; nil for a dry run or when writing it failed.
    package var manifestPath: String?
    /// What the run was: its settings, the resolved pipeline and the files it wrote (``RunRecord``).
    package var record = RunRecord()

    /// 0 when every stage ran or was cached and everything was saved, 1 otherwise.
    package var exitCode: Int32 { stages.contains { $0.status == .failed } || !errors.isEmpty ? 1 : 0 }

    package var failed: [StageReport] { stages.filter { $0.status == .failed } }

    enum CodingKeys: String, CodingKey {
        case pipeline, file, runID = "run_id", startedAt = "started_at", seconds, stages
        case dryRun = "dry_run", runDirectory = "run_directory", exitCode = "exit_code", errors
        case finishedAt = "finished_at"
    }

    package init(
        pipeline: String, file: String, runID: String, startedAt: Date, seconds: Double,
        stages: [StageReport], dryRun: Bool, runDirectory: String
    ) {
        self.pipeline = pipeline
        self.file = file
        self.runID = runID
        self.startedAt = startedAt
        self.seconds = seconds
        self.stages = stages
        self.dryRun = dryRun
        self.runDirectory = runDirectory
    }

    package init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        pipeline = try c.decode(String.self, forKey: .pipeline)
        file = try c.decode(String.self, forKey: .file)
        runID = try c.decode(String.self, forKey: .runID)
        startedAt = try RunRecord.decodeDate(c, .startedAt)
        seconds = try c.decode(Double.self, forKey: .seconds)
        stages = try c.decode([StageReport].self, forKey: .stages)
        dryRun = try c.decode(Bool.self, forKey: .dryRun)
        runDirectory = try c.decode(String.self, forKey: .runDirectory)
        errors = try c.decodeIfPresent([String].self, forKey: .errors) ?? []
        record = (try? RunRecord(from: decoder)) ?? RunRecord()
    }

    package func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(pipeline, forKey: .pipeline)
        try c.encode(file, forKey: .file)
        try c.encode(runID, forKey: .runID)
        try c.encode(RunRecord.iso8601(startedAt), forKey: .startedAt)
        try c.encode(RunRecord.iso8601(startedAt.addingTimeInterval(seconds)), forKey: .finishedAt)
        try c.encode(seconds, forKey: .seconds)
        try c.encode(stages, forKey: .stages)
        try c.encode(dryRun, forKey: .dryRun)
        try c.encode(runDirectory, forKey: .runDirectory)
        try c.encode(exitCode, forKey: .exitCode)
        if !errors.isEmpty { try c.encode(errors, forKey: .errors) }
        try record.encode(to: encoder)
    }
}

/// Receives live events while a pipeline runs (the CLI's progress display implements it).
/// Called from several tasks at once; implementations must be thread-safe.
package protocol RunObserver: Sendable {
    func stageStarted(_ stage: String, kind: String)
    func stageProgress(_ stage: String, fraction: Double?, message: String)
    func stageFinished(_ report: StageReport)
    /// The run waits for another run holding the cache (`RunOptions.waitForLock`).
    func waitingForLock(held by: String)
}

extension RunObserver {
    package func waitingForLock(held by: String) {}
}

package struct SilentObserver: RunObserver {
    package init() {}
    package func stageStarted(_ stage: String, kind: String) {}
    package func stageProgress(_ stage: String, fraction: Double?, message: String) {}
    package func stageFinished(_ report: StageReport) {}
}
