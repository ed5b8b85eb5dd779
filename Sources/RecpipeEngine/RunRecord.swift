import Foundation
import RecpipeCore
import RecpipeSpec

/// The run-level part of a manifest: everything needed to know what a run was and to redo it —
/// the as-of date every stage used (and where it came from), the seed, the recpipe version, the
/// `--set` overrides, the pipeline as resolved (vars interpolated, overrides and defaults
/// applied) and every file the run wrote, with its size and checksum. Encoded into the same JSON
/// object as ``RunReport``'s keys; times are ISO 8601 UTC.
package struct RunRecord: Sendable, Codable {
    package struct ResolvedStage: Sendable, Codable {
        package var name: String
        package var kind: String
        package var inputs: [String: [String]]
        package var after: [String]
        package var params: [String: JSONParam]
    }

    package struct ResolvedPipeline: Sendable, Codable {
        package var name: String
        package var file: String
        package var seed: Int
        package var asOf: String?
        package var vars: [String: JSONParam]
        package var stages: [ResolvedStage]

        enum CodingKeys: String, CodingKey {
            case name, file, seed, vars, stages
            case asOf = "as_of"
        }

        package init(_ spec: PipelineSpec) {
            name = spec.name
            file = spec.file
            seed = spec.seed
            asOf = spec.asOf
            vars = Dictionary(spec.vars.map { ($0.key, JSONParam($0.value)) }) { a, _ in a }
            stages = spec.stages.map {
                ResolvedStage(
                    name: $0.name, kind: $0.kind, inputs: $0.inputs, after: $0.after,
                    params: $0.params.mapValues(JSONParam.init))
            }
        }
    }

    /// A file the run wrote: the path as the pipeline names it, its size in bytes and its XXH64.
    package struct WrittenFile: Sendable, Codable, Hashable {
        package var stage: String
        package var path: String
        package var bytes: Int
        package var xxh64: String
    }

    package var asOf: String?
    /// `pipeline` (its `as_of:`), `--set as_of`, `today (as_of: today)` or `today (as_of not set)`.
    package var asOfSource: String?
    package var seed: Int?
    package var recpipeVersion: String?
    package var overrides: [String] = []
    package var strict = false
    /// The experiment's name; nil for a production run.
    package var experiment: String?
    package var pipelineResolved: ResolvedPipeline?
    package var filesWritten: [WrittenFile] = []

    enum CodingKeys: String, CodingKey {
        case seed, overrides, strict, experiment
        case asOf = "as_of", asOfSource = "as_of_source", recpipeVersion = "recpipe_version"
        case pipelineResolved = "pipeline_resolved", filesWritten = "files_written"
    }

    package init() {}

    package init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        asOf = try c.decodeIfPresent(String.self, forKey: .asOf)
        asOfSource = try c.decodeIfPresent(String.self, forKey: .asOfSource)
        seed = try c.decodeIfPresent(Int.self, forKey: .seed)
        recpipeVersion = try c.decodeIfPresent(String.self, forKey: .recpipeVersion)
        overrides = try c.decodeIfPresent([String].self, forKey: .overrides) ?? []
        strict = try c.decodeIfPresent(Bool.self, forKey: .strict) ?? false
        experiment = try c.decodeIfPresent(String.self, forKey: .experiment)
        pipelineResolved = try? c.decodeIfPresent(ResolvedPipeline.self, forKey: .pipelineResolved)
        filesWritten = try c.decodeIfPresent([WrittenFile].self, forKey: .filesWritten) ?? []
    }

    /// A file's size and checksum, or nil when it cannot be read.
    static func written(stage: String, path: String, absolute: String) -> WrittenFile? {
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: absolute),
            let size = attributes[.size] as? NSNumber, let hash = FileHashCache.hashFile(absolute)
        else { return nil }
        return WrittenFile(stage: stage, path: path, bytes: size.intValue, xxh64: hash)
    }

    // MARK: - Dates

    /// `2026-11-23T17:56:15Z`.
    package static func iso8601(_ date: Date) -> String {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime]
        return f.string(from: date)
    }

    /// Reads an ISO 8601 string (or, from manifests written before, seconds since 2001).
    static func decodeDate<K: CodingKey>(_ c: KeyedDecodingContainer<K>, _ key: K) throws -> Date {
        if let s = try? c.decode(String.self, forKey: key) {
            let f = ISO8601DateFormatter()
            f.formatOptions = [.withInternetDateTime]
            guard let d = f.date(from: s) else {
                throw DecodingError.dataCorruptedError(
                    forKey: key, in: c, debugDescription: "not an ISO 8601 time: \(s)")
            }
            return d
        }
        return try c.decode(Date.self, forKey: key)
    }
}

/// A ``ParamValue`` as plain JSON (maps keep their keys, in order of the sorted encoder).
package struct JSONParam: Sendable, Codable {
    package var value: ParamValue

    package init(_ value: ParamValue) { self.value = value }

    package func encode(to encoder: any Encoder) throws {
        switch value {
        case .null:
            var c = encoder.singleValueContainer()
            try c.encodeNil()
        case .bool(let b):
            var c = encoder.singleValueContainer()
            try c.encode(b)
        case .int(let i):
            var c = encoder.singleValueContainer()
            try c.encode(i)
        case .double(let d):
            var c = encoder.singleValueContainer()
            try c.encode(d)
        case .string(let s):
            var c = encoder.singleValueContainer()
            try c.encode(s)
        case .list(let l):
            var c = encoder.unkeyedContainer()
            for v in l { try c.encode(JSONParam(v)) }
        case .map(let m):
            var c = encoder.singleValueContainer()
            try c.encode(Dictionary(m.map { ($0.key, JSONParam($0.value)) }) { a, _ in a })
        }
    }

    package init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        if c.decodeNil() {
            value = .null
        } else if let b = try? c.decode(Bool.self) {
            value = .bool(b)
        } else if let i = try? c.decode(Int.self) {
            value = .int(i)
        } else if let d = try? c.decode(Double.self) {
            value = .double(d)
        } else if let s = try? c.decode(String.self) {
            value = .string(s)
        } else if let l = try? c.decode([JSONParam].self) {
            value = .list(l.map(\.value))
        } else {
            let m = try c.decode([String: JSONParam].self)
            value = .map(m.keys.sorted().map { ParamValue.Entry(key: $0, value: m[$0]!.value) })
        }
    }
}
