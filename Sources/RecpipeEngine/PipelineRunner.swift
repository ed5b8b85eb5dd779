import Foundation
import RecpipeAlgorithms
import RecpipeCore
import RecpipeData
import RecpipeSpec
import Synchronization

/// Runs a validated pipeline as a DAG: independent stages in parallel (up to `jobs`), unchanged
/// stages loaded from the cache, a failed stage's dependents skipped while other branches finish.
package struct PipelineRunner: Sendable {
    /// Stage kind → implementation.
    package let stageTypes: [String: any Stage.Type]
    /// Artifact kind → type, for decoding cached results.
    package let artifactTypes: [ArtifactKind: any Artifact.Type]

    package init(stageTypes: [any Stage.Type], artifactTypes: [ArtifactKind: any Artifact.Type]) {
        var map: [String: any Stage.Type] = [:]
        for t in stageTypes { map[t.declaration.kind] = t }
        self.stageTypes = map
        self.artifactTypes = artifactTypes
    }

    /// The cache directory a run of `spec` uses.
    package func cacheDirectory(for spec: PipelineSpec, options: RunOptions) -> String {
        options.cacheDirectory.map { StageContext.resolve($0, base: FileManager.default.currentDirectoryPath) }
            ?? spec.baseDirectory + "/.recpipe"
    }

    package func store(for spec: PipelineSpec, options: RunOptions) -> ArtifactStore {
        ArtifactStore(
            root: cacheDirectory(for: spec, options: options), artifactTypes: artifactTypes, pipeline: spec.name)
    }

    /// Runs the pipeline, holding the cache directory's ``RunLock``. Throws for invalid options
    /// (unknown stage names) and, with code `run-locked`, when another run holds the cache; stage
    /// failures are reported in the returned `RunReport` (exit code 1).
    package func run(
        _ pipelineSpec: PipelineSpec, options: RunOptions, observer: any RunObserver = SilentObserver()
    ) async throws(DiagnosticsError) -> RunReport {
        // One as-of date for every stage of the run (features, popular decay, tag and rank rules).
        var spec = pipelineSpec
        let asOfSource: String
        if spec.asOf == nil {
            spec.asOf = PipelineSpec.today()
            asOfSource = "today (as_of not set)"
        } else if spec.asOfToday {
            asOfSource = "today (as_of: today)"
        } else {
            asOfSource = options.overrides.contains { $0.hasPrefix("as_of=") } ? "--set as_of" : "pipeline"
        }
        if let name = options.experiment { spec = experimentSpec(spec, name: name) }
        let graph = PipelineGraph(spec)
        let selection = try Selection.make(spec: spec, graph: graph, options: options)
        let store = store(for: spec, options: options)
        // One run at a time per cache directory (a dry run writes nothing and needs no lock).
        let lock =
            options.dryRun
            ? nil
            : try RunLock.acquire(
                cacheDirectory: cacheDirectory(for: spec, options: options), pipeline: spec.name,
                wait: options.waitForLock, waiting: { observer.waitingForLock(held: $0) })
        defer { withExtendedLifetime(lock) {} }
        if lock != nil { store.removeDeadTemporaries() }
        let started = Date()
        let clock = ContinuousClock.now
        let runID = Self.makeRunID(started)
        let runDirectory = "\(store.runsDirectory)/\(runID)"
        let files = FileHashCache(storePath: options.dryRun ? nil : store.fileHashesPath)
        var state = store.loadState()
        let previousState = state

        var reports: [String: StageReport] = [:]
        var fingerprints: [String: Fingerprint] = [:]
        var slots: [String: ArtifactSlot] = [:]
        let jobs = max(1, options.jobs)
        let specs = Dictionary(uniqueKeysWithValues: spec.stages.map { ($0.name, $0) })

        for name in graph.order where !selection.needed.contains(name) {
            var r = StageReport(stage: name, kind: specs[name]!.kind, status: .notSelected)
            r.reason = "not selected"
            reports[name] = r
        }

        await withTaskGroup(of: Outcome.self) { group in
            var running = 0
            var launched = Set<String>()
            while true {
                // Launch what is ready; cascade skips through failed branches.
                var progressed = true
                while progressed {
                    progressed = false
                    for name in graph.order where selection.needed.contains(name) && !launched.contains(name) {
                        let deps = graph.dependencies[name]!.filter { selection.needed.contains($0) }
                        if let bad = deps.first(where: { [.failed, .skipped].contains(reports[$0]?.status) }) {
                            var r = StageReport(stage: name, kind: specs[name]!.kind, status: .skipped)
                            r.reason =
                                reports[bad]!.status == .failed
                                ? "upstream '\(bad)' failed" : "upstream '\(bad)' was skipped"
                            reports[name] = r
                            launched.insert(name)
                            observer.stageFinished(r)
                            progressed = true
                            continue
                        }
                        guard running < jobs, deps.allSatisfy({ reports[$0] != nil }) else { continue }
                        let stageSpec = specs[name]!
                        var inputFPs: [String: [(stage: String, fingerprint: String)]] = [:]
                        var inputSlots: [String: [(String, ArtifactSlot)]] = [:]
                        for (port, ups) in stageSpec.inputs {
                            inputFPs[port] = ups.map { ($0, fingerprints[$0]?.value ?? "none") }
                            inputSlots[port] = ups.compactMap { u in slots[u].map { (u, $0) } }
                        }
                        var job = Job(
                            spec: stageSpec, pipeline: spec, inputFingerprints: inputFPs, inputSlots: inputSlots,
                            forced: selection.forced.contains(name), cacheOnly: selection.cacheOnly.contains(name),
                            previous: previousState.stages[name]?.current, dryRun: options.dryRun,
                            runDirectory: runDirectory,
                            threads: options.threads ?? Parallel.cores)
                        job.finished = graph.order.compactMap { reports[$0] }
                        launched.insert(name)
                        running += 1
                        observer.stageStarted(name, kind: stageSpec.kind)
                        group.addTask { await self.execute(job, store: store, files: files, observer: observer) }
                        progressed = true
                    }
                }
                guard running > 0, let outcome = await group.next() else { break }
                running -= 1
                let report = options.strict ? Self.strict(outcome.report) : outcome.report
                reports[report.stage] = report
                if let fp = outcome.fingerprint { fingerprints[outcome.report.stage] = fp }
                if let slot = outcome.slot { slots[outcome.report.stage] = slot }
                observer.stageFinished(report)
            }
        }

        Self.markStale(&reports, graph: graph, specs: specs, fingerprints: fingerprints, previous: previousState)
        let ordered = graph.order.compactMap { reports[$0] }
        var report = RunReport(
            pipeline: spec.name, file: spec.file, runID: runID, startedAt: started,
            seconds: (ContinuousClock.now - clock).seconds, stages: ordered, dryRun: options.dryRun,
            runDirectory: runDirectory)
        report.record.asOf = spec.asOf
        report.record.asOfSource = asOfSource
        report.record.seed = spec.seed
        report.record.recpipeVersion = options.toolVersion
        report.record.overrides = options.overrides
        report.record.strict = options.strict
        report.record.experiment = options.experiment
        report.record.pipelineResolved = .init(spec)
        guard !options.dryRun else { return report }
        report.record.filesWritten = Self.filesWritten(
            ordered, slots: slots, base: spec.baseDirectory, runDirectory: runDirectory)

        // Remember what each stage's current result is (an experiment apart from production),
        // then write the manifest.
        let resultStore = options.experiment.map { store.experiment($0) } ?? store
        var results = options.experiment == nil ? state : resultStore.loadState()
        for r in ordered where r.status == .ran || r.status == .cached {
            guard let fp = fingerprints[r.stage], let kind = r.artifactKind else { continue }
            let old = results.stages[r.stage]
            let previous = old.map { $0.current.value == fp.value ? $0.previous : $0.current } ?? nil
            results.stages[r.stage] = .init(current: fp, previous: previous, kind: kind)
        }
        // A result that cannot be remembered, or a manifest that cannot be written, fails the
        // run: exit 0 must mean everything it printed is on disk.
        do { try resultStore.saveState(results) } catch {
            report.errors.append("cannot save the cache state: \(error)")
        }
        if options.experiment == nil { state = results }
        store.prune(keeping: state)
        do { try files.save() } catch { report.errors.append("cannot save the remembered file hashes: \(error)") }
        let manifest = runDirectory + "/manifest.json"
        do {
            try AtomicFile.write(try JSONEncoder.sorted.encode(report), to: manifest)
            try AtomicFile.write(runID + "\n", to: store.runsDirectory + "/latest")
            report.manifestPath = manifest
        } catch {
            report.errors.append("cannot write the run manifest: \(error)")
        }
        return report
    }

    /// An experiment's pipeline: every output path (`to:` of export and report stages) moves
    /// to `experiments/NAME/` beside it (`../out/demo` → `../out/experiments/NAME/demo`).
    func experimentSpec(_ spec: PipelineSpec, name: String) -> PipelineSpec {
        var s = spec
        s.experiment = name
        for i in s.stages.indices {
            guard let declaration = stageTypes[s.stages[i].kind]?.declaration else { continue }
            for p in declaration.params where p.type == .outputPath {
                if case .string(let path)? = s.stages[i].params[p.name] {
                    s.stages[i].params[p.name] = .string(Self.experimentPath(path, name: name))
                }
            }
        }
        return s
    }

    package static func experimentPath(_ path: String, name: String) -> String {
        let trimmed = path.hasSuffix("/") ? String(path.dropLast()) : path
        let dir = (trimmed as NSString).deletingLastPathComponent, last = (trimmed as NSString).lastPathComponent
        return (dir.isEmpty ? "" : dir + "/") + "experiments/\(name)/" + last
    }

    /// `--only`/`--to` leave stages out; one downstream of a stage that produced a new result in
    /// this run is now stale (an export's files still hold the old results): it says so. A stage
    /// with no result in this cache yet (a first run, a new `--cache-dir`) has nothing stale, and
    /// a stage re-run to the result it had (`--force`: same fingerprint) makes nothing stale.
    static func markStale(
        _ reports: inout [String: StageReport], graph: PipelineGraph, specs: [String: StageSpec],
        fingerprints: [String: Fingerprint], previous: ArtifactStore.State
    ) {
        let ran = graph.order.filter {
            reports[$0]?.status == .ran && fingerprints[$0]?.value != previous.stages[$0]?.current.value
        }
        for name in graph.order where reports[name]?.status == .notSelected && previous.stages[name] != nil {
            let newer = ran.filter { graph.downstream(of: [$0]).contains(name) }
            guard !newer.isEmpty else { continue }
            let list = newer.map { "'\($0)'" }.joined(separator: ", ")
            let what =
                specs[name]?.kind == "export"
                ? "its files (\(specs[name]?.params["to"]?.stringValue ?? "the export directory")) still hold results from before \(list) ran in this run"
                : "its cached result is older than \(list), which ran in this run"
            reports[name]!.warnings.append(
                "not run (left out by --only/--to): \(what); bring it up to date with `--from \(newer[0])`")
        }
    }

    /// Files this run wrote: the outputs of stages that ran (exports), then the files in the
    /// run's directory (rejects), each with size and checksum.
    static func filesWritten(
        _ reports: [StageReport], slots: [String: ArtifactSlot], base: String, runDirectory: String
    ) -> [RunRecord.WrittenFile] {
        var out: [RunRecord.WrittenFile] = []
        for r in reports where r.status == .ran && r.artifactKind == .files {
            guard let outputs = (try? slots[r.stage]?.get()) as? any ExternalOutputs else { continue }
            for path in outputs.outputPaths {
                if let f = RunRecord.written(
                    stage: r.stage, path: path, absolute: StageContext.resolve(path, base: base))
                {
                    out.append(f)
                }
            }
        }
        let names = (try? FileManager.default.contentsOfDirectory(atPath: runDirectory)) ?? []
        for name in names.sorted() where name != "manifest.json" && !name.hasPrefix(".") {
            let stage = name.split(separator: ".").first.map(String.init) ?? ""
            if let f = RunRecord.written(
                stage: stage, path: runDirectory + "/" + name, absolute: runDirectory + "/" + name)
            {
                out.append(f)
            }
        }
        return out
    }

    /// `--strict`: a stage that ran (or came from the cache) with warnings fails, so its
    /// dependents (exports) do not run and CI of rule files stops.
    static func strict(_ report: StageReport) -> StageReport {
        guard report.status == .ran || report.status == .cached, !report.warnings.isEmpty else { return report }
        var r = report
        r.fail(
            StageError("--strict: \(r.warnings.count) warning(s), the first: \(r.warnings[0])", code: .strictWarning))
        return r
    }

    static func makeRunID(_ date: Date) -> String {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(identifier: "UTC")
        f.dateFormat = "yyyyMMdd'T'HHmmss'Z'"
        return f.string(from: date) + "-" + runIDSuffix(UInt16.random(in: 0...UInt16.max))
    }

    /// A run id's suffix: always four hex digits (`01a5`, not `1a5`), so ids line up and sort alike.
    package static func runIDSuffix(_ n: UInt16) -> String {
        let hex = String(n, radix: 16)
        return String(repeating: "0", count: 4 - hex.count) + hex
    }
}
