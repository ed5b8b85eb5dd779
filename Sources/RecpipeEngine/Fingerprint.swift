import Foundation
import RecpipeCore
import RecpipeSpec

/// A stage's fingerprint and the parts it was made from. The parts are kept in the state file so
/// the next run can say *why* a stage re-ran ("parameter 'factors' changed").
package struct Fingerprint: Sendable, Codable, Hashable {
    package var value: String
    package var parts: Parts

    package struct Parts: Sendable, Codable, Hashable {
        /// `kind@version` plus the cache format version.
        package var code: String
        /// Parameter name → hash of its resolved value.
        package var params: [String: String]
        /// `port/index` → upstream stage name and its fingerprint.
        package var inputs: [String: String]
        /// Path relative to the pipeline's directory (absolute for a path written absolute) →
        /// hash of the file's (or directory's) content. Relative, so that moving or cloning the
        /// project elsewhere keeps every fingerprint.
        package var files: [String: String]
        /// Seed and as-of date.
        package var settings: String
        /// What a database source declared it changes with (``Stage/sourceState(_:pipeline:)``).
        package var source: String?
    }

    /// Bumped when the engine's cache layout or fingerprint recipe changes.
    static let engineVersion = 2

    static func make(
        stage: StageSpec, declaration: StageDeclaration, pipeline: PipelineSpec,
        inputFingerprints: [String: [(stage: String, fingerprint: String)]], files: FileHashCache,
        source: String? = nil
    ) -> Fingerprint {
        let code =
            "\(declaration.kind)@\(declaration.version)/engine\(engineVersion)/format\(ArtifactEnvelope.formatVersion)"
        var params: [String: String] = [:]
        for (name, value) in stage.params {
            var h = ContentHasher()
            value.hash(into: &h)
            params[name] = h.hexDigest()
        }
        var inputs: [String: String] = [:]
        for (port, list) in inputFingerprints {
            for (i, entry) in list.enumerated() {
                inputs["\(port)/\(i)"] = "\(entry.stage)=\(entry.fingerprint)"
            }
        }
        var fileHashes: [String: String] = [:]
        for file in readPaths(stage: stage, declaration: declaration, base: pipeline.baseDirectory) {
            fileHashes[file.key] = files.hash(of: file.path)
        }
        var settings = "seed=\(pipeline.seed);as_of=\(pipeline.asOf ?? "-")"
        // The engine a stage runs on and, for Spark, where and how: another engine or cluster
        // setting is another result (Spark's ALS is not bit-identical to the native one).
        if pipeline.engine(of: stage, declares: declaration.param("engine") != nil) == .spark {
            settings += ";engine=spark;\(pipeline.spark.canonicalText)"
        }
        let parts = Parts(
            code: code, params: params, inputs: inputs, files: fileHashes, settings: settings, source: source)

        var h = ContentHasher()
        h.update(code)
        for key in params.keys.sorted() { h.update(key); h.update(params[key]!) }
        for key in inputs.keys.sorted() { h.update(key); h.update(inputs[key]!) }
        for key in fileHashes.keys.sorted() { h.update(key); h.update(fileHashes[key]!) }
        h.update(settings)
        if let source { h.update("source"); h.update(source) }
        return Fingerprint(value: h.hexDigest(), parts: parts)
    }

    /// A file a stage reads: `path` resolved for reading, `key` as the fingerprint names it.
    struct ReadPath: Hashable, Comparable {
        var key: String
        var path: String
        static func < (a: ReadPath, b: ReadPath) -> Bool { a.key < b.key }
    }

    /// Every file a stage reads: values of its `path` parameters (also inside lists), resolved
    /// against `base`, keyed by ``StageContext/pipelinePath(_:written:base:)``.
    static func readPaths(stage: StageSpec, declaration: StageDeclaration, base: String) -> [ReadPath] {
        var out: [ReadPath] = []
        func collect(_ value: ParamValue, _ type: ParamType) {
            switch (type, value) {
            case (.path, .string(let s)):
                let path = StageContext.resolve(s, base: base)
                out.append(ReadPath(key: StageContext.pipelinePath(path, written: s, base: base), path: path))
            case (.list(let t), .list(let items)): for item in items { collect(item, t) }
            case (.map(let t), .map(let entries)): for e in entries { collect(e.value, t) }
            case (.oneOf(let ts), _): for t in ts { collect(value, t) }
            default: break
            }
        }
        for p in declaration.params {
            if let v = stage.params[p.name] { collect(v, p.type) }
        }
        return Array(Set(out)).sorted()
    }

    /// Human reasons this fingerprint differs from a previous one (empty when equal).
    package func changes(since old: Fingerprint) -> [String] {
        var reasons: [String] = []
        if parts.code != old.parts.code { reasons.append("stage code version changed") }
        let names = Set(parts.params.keys).union(old.parts.params.keys).sorted()
        for n in names where parts.params[n] != old.parts.params[n] {
            reasons.append("parameter '\(n)' changed")
        }
        let ins = Set(parts.inputs.keys).union(old.parts.inputs.keys).sorted()
        for k in ins where parts.inputs[k] != old.parts.inputs[k] {
            let name = (parts.inputs[k] ?? old.parts.inputs[k] ?? k).split(separator: "=").first.map(String.init) ?? k
            reasons.append("input '\(name)' changed")
        }
        let files = Set(parts.files.keys).union(old.parts.files.keys).sorted()
        for f in files where parts.files[f] != old.parts.files[f] {
            switch (old.parts.files[f], parts.files[f]) {
            case (nil, _): reasons.append("now reads file '\(f)'")
            case (_, nil): reasons.append("no longer reads file '\(f)'")
            default: reasons.append("file '\(f)' changed")
            }
        }
        if parts.settings != old.parts.settings { reasons.append("run settings changed (\(parts.settings))") }
        if parts.source != old.parts.source { reasons.append("source changed (\(parts.source ?? "-"))") }
        if reasons.isEmpty && value != old.value { reasons.append("fingerprint changed") }
        return reasons
    }
}
