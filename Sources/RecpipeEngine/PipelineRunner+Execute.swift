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

    /// Fingerprints one stage, then reuses its cached result or runs it and caches the result.
    func execute(_ job: Job, store: ArtifactStore, files: FileHashCache, observer: any RunObserver) async -> Outcome {
        let name = job.spec.name
        var report = StageReport(stage: name, kind: job.spec.kind, status: .failed)
        let start = ContinuousClock.now
        guard let stageType = stageTypes[job.spec.kind] else {
            report.error = "no implementation for stage kind '\(job.spec.kind)'"
            return Outcome(report: report)
        }
        let declaration = stageType.declaration
        let source: String?
        do {
            source = try await stageType.sourceState(job.spec, pipeline: job.pipeline)
        } catch {
            report.error = "\(error)"
            report.seconds = (ContinuousClock.now - start).seconds
            return Outcome(report: report)
        }
        let fp = Fingerprint.make(
            stage: job.spec, declaration: declaration, pipeline: job.pipeline,
            inputFingerprints: job.inputFingerprints, files: files, source: source)
        report.fingerprint = fp.value
        let whyChanged = job.previous.map { fp.changes(since: $0) } ?? []
        var runReason = job.previous == nil ? "no cached result" : (whyChanged.first.map { _ in whyChanged.joined(separator: "; ") } ?? "no cached result")

        // 1. The cache.
        if !job.forced {
            switch store.lookup(fp.value) {
            case .hit(let meta):
                let slot = ArtifactSlot(value: nil, kind: meta.kind, fingerprint: fp.value, store: store)
                var intact = true
                if meta.kind == .files {
                    intact = ((try? slot.get()) as? any ExternalOutputs)?.isIntact(base: job.pipeline.baseDirectory) ?? false
                }
                if intact {
                    report.status = .cached
                    report.cacheHit = true
                    report.reason = "unchanged"
                    report.rowsIn = meta.rowsIn
                    report.rowsOut = meta.rowsOut
                    report.counters = meta.counters
                    report.notes = meta.notes
                    report.warnings = meta.warnings
                    report.artifactKind = meta.kind
                    report.seconds = (ContinuousClock.now - start).seconds
                    return Outcome(report: report, fingerprint: fp, slot: slot)
                }
                runReason = "output files changed or missing"
            case .corrupt(let why):
                report.warnings.append("cached result was unreadable (\(why)); re-running")
                runReason = "cached result corrupt"
            case .miss:
                break
            }
        } else {
            runReason = "forced"
        }
        if job.cacheOnly {
            report.error = "stage '\(name)' is needed by the selected stages but has no up-to-date cached result (\(runReason)); add `--only \(name)` or run without --only"
            report.reason = runReason
            return Outcome(report: report, fingerprint: fp)
        }
        if job.dryRun {
            report.status = .wouldRun
            report.reason = runReason
            report.artifactKind = declaration.output(job.spec.params)
            return Outcome(report: report, fingerprint: fp)
        }
        report.reason = runReason

        // 2. Run it.
        do {
            var inputs: [String: [StageContext.Input]] = [:]
            for (port, list) in job.inputSlots {
                inputs[port] = try list.map { (upstream, slot) in
                    do {
                        let a = try slot.get()
                        return StageContext.Input(stage: upstream, kind: slot.kind, artifact: a)
                    } catch {
                        throw StageError("cannot load the cached result of '\(upstream)': \(error); re-run with --force")
                    }
                }
            }
            let context = StageContext(
                spec: job.spec, declaration: declaration, pipeline: job.pipeline, inputs: inputs, runDirectory: job.runDirectory,
                threads: job.threads, finishedStages: job.finished,
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
                report.status = .failed
                report.error = "cannot save the result to the cache: \(error)"
                return Outcome(report: report, fingerprint: fp)
            }
            return Outcome(
                report: report, fingerprint: fp,
                slot: ArtifactSlot(value: output.artifact, kind: output.kind, fingerprint: fp.value, store: store))
        } catch {
            report.status = .failed
            report.seconds = (ContinuousClock.now - start).seconds
            report.error = "\(error)"
            return Outcome(report: report, fingerprint: fp)
        }
    }
}
