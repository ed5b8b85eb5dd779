import Foundation
import RecpipeCore
import RecpipeData
import RecpipeSpec
import Synchronization

/// A stage's result as its dependents see it: produced in this run, or loaded from the cache on
/// first use (so a fully cached pipeline decodes nothing).
final class ArtifactSlot: Sendable {
    private let value: Mutex<(any Artifact)?>
    private let fingerprint: String
    private let store: ArtifactStore
    let kind: ArtifactKind

    init(value: (any Artifact)?, kind: ArtifactKind, fingerprint: String, store: ArtifactStore) {
        self.value = Mutex(value)
        self.kind = kind
        self.fingerprint = fingerprint
        self.store = store
    }

    func get() throws -> any Artifact {
        if let v = value.withLock({ $0 }) { return v }
        let loaded = try store.load(fingerprint).artifact
        value.withLock { $0 = loaded }
        return loaded
    }
}

extension PipelineRunner {
    struct Job: Sendable {
        var spec: StageSpec
        var pipeline: PipelineSpec
        var inputFingerprints: [String: [(stage: String, fingerprint: String)]]
        var inputSlots: [String: [(String, ArtifactSlot)]]
        var forced: Bool
        var cacheOnly: Bool
        var previous: Fingerprint?
        var dryRun: Bool
        var runDirectory: String
        var threads: Int
        /// Stages of this run that had finished when this one started (for a `report` stage).
        var finished: [StageReport] = []
    }

    struct Outcome: Sendable {
        var report: StageReport
        var fingerprint: Fingerprint?
        var slot: ArtifactSlot?
    }

    /// Fingerprints one stage, then reuses its cached result (``reuse(_:job:store:report:)``) or
    /// runs it and caches the result (``run(_:job:fingerprint:report:start:store:observer:)``).
    func execute(_ job: Job, store: ArtifactStore, files: FileHashCache, observer: any RunObserver) async -> Outcome {
        var report = StageReport(stage: job.spec.name, kind: job.spec.kind, status: .failed)
        let start = ContinuousClock.now
        guard let stageType = stageTypes[job.spec.kind] else {
            report.fail(StageError("no implementation for stage kind '\(job.spec.kind)'", code: .unknownKind))
            return Outcome(report: report)
        }
        let fp: Fingerprint
        do {
            let source = try await stageType.sourceState(job.spec, pipeline: job.pipeline)
            fp = Fingerprint.make(
                stage: job.spec, declaration: stageType.declaration, pipeline: job.pipeline,
                inputFingerprints: job.inputFingerprints, files: files, source: source)
        } catch {
            report.fail(StageError(wrapping: error, code: .sourceStateFailed))
            report.seconds = (ContinuousClock.now - start).seconds
            return Outcome(report: report)
        }
        report.fingerprint = fp.value
        let whyChanged = job.previous.map { fp.changes(since: $0) } ?? []
        var runReason = whyChanged.isEmpty ? "no cached result" : whyChanged.joined(separator: "; ")
        if job.forced {
            runReason = "forced"
        } else {
            switch reuse(fp, job: job, store: store, report: &report) {
            case .reused(let slot):
                report.seconds = (ContinuousClock.now - start).seconds
                return Outcome(report: report, fingerprint: fp, slot: slot)
            case .rerun(let why):
                runReason = why ?? runReason
            }
        }
        report.reason = runReason
        if job.cacheOnly {
            report.fail(
                StageError(
                    "stage '\(job.spec.name)' is needed by the selected stages but has no up-to-date cached result (\(runReason)); add `--only \(job.spec.name)` or run without --only",
                    code: .notCached))
            return Outcome(report: report, fingerprint: fp)
        }
        if job.dryRun {
            report.status = .wouldRun
            report.artifactKind = stageType.declaration.output(job.spec.params)
            return Outcome(report: report, fingerprint: fp)
        }
        return await run(
            stageType, job: job, fingerprint: fp, report: report, start: start, store: store, observer: observer)
    }

    // MARK: - The cache path

    enum Reuse {
        /// The stored result, intact: `report` now describes it.
        case reused(ArtifactSlot)
        /// Run the stage; the reason when it is not the fingerprint's change.
        case rerun(String?)
    }

    /// The cached result of fingerprint `fp` when it is stored and intact (an export's files are
    /// still what it wrote), with its figures copied into `report`; else why the stage re-runs.
    func reuse(_ fp: Fingerprint, job: Job, store: ArtifactStore, report: inout StageReport) -> Reuse {
        switch store.lookup(fp.value) {
        case .hit(let meta):
            let slot = ArtifactSlot(value: nil, kind: meta.kind, fingerprint: fp.value, store: store)
            if meta.kind == .files {
                let intact =
                    ((try? slot.get()) as? any ExternalOutputs)?.isIntact(base: job.pipeline.baseDirectory) ?? false
                guard intact else { return .rerun("output files changed or missing") }
            }
            report.status = .cached
            report.cacheHit = true
            report.reason = "unchanged"
            report.rowsIn = meta.rowsIn
            report.rowsOut = meta.rowsOut
            report.counters = meta.counters
            report.notes = meta.notes
            report.warnings = meta.warnings
            report.artifactKind = meta.kind
            return .reused(slot)
        case .corrupt(let why):
            report.warnings.append("cached result was unreadable (\(why)); re-running")
            return .rerun("cached result corrupt")
        case .miss:
            return .rerun(nil)
        }
    }

    // MARK: - The run path

    /// Runs the stage on its inputs (loaded from their slots) and caches its result; any failure
    /// is recorded in the report as a located, coded ``StageError``.
    func run(
        _ stageType: any Stage.Type, job: Job, fingerprint fp: Fingerprint, report: StageReport,
        start: ContinuousClock.Instant, store: ArtifactStore, observer: any RunObserver
    ) async -> Outcome {
        var report = report
        let name = job.spec.name
        do {
            var inputs: [String: [StageContext.Input]] = [:]
            for (port, list) in job.inputSlots {
                inputs[port] = try list.map { (upstream, slot) in
                    do {
                        let a = try slot.get()
                        // A derived refit (`quality.als`) is seen under its production name (`als`).
                        let shown = job.pipeline.stage(upstream)?.displayName ?? upstream
                        return StageContext.Input(stage: shown, kind: slot.kind, artifact: a)
                    } catch {
                        throw StageError(
                            "cannot load the cached result of '\(upstream)': \(error); re-run with --force",
                            code: .cacheUnreadable)
                    }
                }
            }
            let context = StageContext(
                spec: job.spec, declaration: stageType.declaration, pipeline: job.pipeline, inputs: inputs,
                runDirectory: job.runDirectory, threads: job.threads, finishedStages: job.finished,
                progress: { fraction, message in observer.stageProgress(name, fraction: fraction, message: message) })
            let output = try await stageType.init().run(context)
            let seconds = (ContinuousClock.now - start).seconds
            report.status = .ran
            report.seconds = seconds
            report.rowsIn = output.rowsIn
            report.rowsOut = output.rowsOut
            report.counters = output.counters
            report.notes = output.notes
            report.warnings += output.warnings
            report.artifactKind = output.kind
            let meta = CachedMeta(
                kind: output.kind, rowsIn: output.rowsIn, rowsOut: output.rowsOut, counters: output.counters,
                notes: output.notes, warnings: output.warnings, seconds: seconds)
            do {
                try store.save(output.artifact, kind: output.kind, meta: meta, fingerprint: fp.value)
            } catch {
                // A result that is not in the cache cannot be resumed from or queried: fail.
                report.fail(StageError("cannot save the result to the cache: \(error)", code: .cacheWriteFailed))
                return Outcome(report: report, fingerprint: fp)
            }
            return Outcome(
                report: report, fingerprint: fp,
                slot: ArtifactSlot(value: output.artifact, kind: output.kind, fingerprint: fp.value, store: store))
        } catch {
            report.fail(StageError(wrapping: error))
            report.seconds = (ContinuousClock.now - start).seconds
            return Outcome(report: report, fingerprint: fp)
        }
    }
}
