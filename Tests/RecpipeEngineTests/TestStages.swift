import Foundation
import RecpipeCore
import RecpipeData
import RecpipeEngine
import RecpipeSpec
import Synchronization

/// A tiny artifact for scheduler tests: a list of integers.
struct Numbers: Artifact, Equatable {
    static let kind = ArtifactKind.table
    var values: [Int64]
    init(_ values: [Int64]) { self.values = values }
    func encode(into w: inout ByteWriter) { w.writeArray(values) }
    init(decoding r: inout ByteReader) throws { values = try r.readArray(Int64.self) }
    var rowCount: Int { values.count }
    func exportTable() -> Table { Table.assemble([.ints("value", values)]) }
}

/// Counts running stages per test key, to check the `--jobs` limit.
enum Probe {
    static let state = Mutex<[String: (current: Int, peak: Int, runs: [String])]>([:])
    static func enter(_ key: String, _ stage: String) {
        state.withLock { s in
            var e = s[key] ?? (0, 0, [])
            e.current += 1
            e.peak = max(e.peak, e.current)
            e.runs.append(stage)
            s[key] = e
        }
    }
    static func leave(_ key: String) { state.withLock { $0[key]!.current -= 1 } }
    static func peak(_ key: String) -> Int { state.withLock { $0[key]?.peak ?? 0 } }
    static func runs(_ key: String) -> [String] { state.withLock { $0[key]?.runs ?? [] } }
}

/// `source`: emits `[value]`; optionally reads a file (fingerprinted) and adds its line count.
struct SourceStage: Stage {
    static let declaration = StageDeclaration(
        kind: "source", summary: "emits a number",
        params: [
            ParamSpec("value", .int, default: .int(1), doc: "the number"),
            ParamSpec("file", .path, doc: "a file whose line count is added"),
            ParamSpec("key", .string, default: .string(""), doc: "probe key"),
            ParamSpec("sleep_ms", .int, default: .int(0), doc: "pause"),
        ],
        output: .table)

    func run(_ context: StageContext) async throws -> StageOutput {
        let key = context.string("key")
        Probe.enter(key, context.stageName)
        defer { Probe.leave(key) }
        if case let ms = context.int("sleep_ms"), ms > 0 { try await Task.sleep(for: .milliseconds(ms)) }
        var v = Int64(context.int("value"))
        if let path = context.optionalPath("file") {
            guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
                throw StageError("cannot read '\(path)'", at: context.location(of: "file"))
            }
            v += Int64(text.split(separator: "\n").count)
        }
        return StageOutput(Numbers([v]), rowsIn: 0, counters: [.init("emitted", 1)])
    }
}

/// `add`: concatenates its inputs and appends their sum + `plus`.
struct AddStage: Stage {
    static let declaration = StageDeclaration(
        kind: "add", summary: "sums inputs",
        inputs: [PortSpec("in", accepts: [.table], multiple: true, doc: "numbers")],
        params: [
            ParamSpec("plus", .int, default: .int(0), doc: "added to the sum"),
            ParamSpec("key", .string, default: .string(""), doc: "probe key"),
            ParamSpec("sleep_ms", .int, default: .int(0), doc: "pause"),
        ],
        output: .table)

    func run(_ context: StageContext) async throws -> StageOutput {
        let key = context.string("key")
        Probe.enter(key, context.stageName)
        defer { Probe.leave(key) }
        if case let ms = context.int("sleep_ms"), ms > 0 { try await Task.sleep(for: .milliseconds(ms)) }
        let ins = try context.inputList("in", as: Numbers.self)
        let all = ins.flatMap(\.value.values)
        return StageOutput(Numbers(all + [all.reduce(0, +) + Int64(context.int("plus"))]), rowsIn: all.count)
    }
}

/// `boom`: always fails with a located error.
struct FailStage: Stage {
    static let declaration = StageDeclaration(
        kind: "boom", summary: "fails",
        inputs: [PortSpec("in", accepts: [.table], required: false, doc: "ignored")],
        output: .table)
    func run(_ context: StageContext) async throws -> StageOutput {
        throw StageError("planned failure", at: context.spec.location, hint: "this stage always fails")
    }
}

let testRunner = PipelineRunner(
    stageTypes: [SourceStage.self, AddStage.self, FailStage.self], artifactTypes: [.table: Numbers.self])

/// Builds a pipeline in a fresh temporary directory.
struct Fixture {
    let dir: String
    init() {
        dir = NSTemporaryDirectory() + "recpipe-engine-\(UUID().uuidString)"
        try! FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    }

    func stage(
        _ name: String, _ kind: String, inputs: [String] = [], after: [String] = [],
        _ params: [String: ParamValue] = [:]
    ) -> StageSpec {
        let declaration = [SourceStage.declaration, AddStage.declaration, FailStage.declaration].first {
            $0.kind == kind
        }
        let p = declaration.map { StageParameters(params, declaration: $0).values } ?? params
        return StageSpec(
            name: name, kind: kind, location: SourceLocation(file: "p.yaml", line: 1, column: 1),
            inputs: inputs.isEmpty ? [:] : ["in": inputs], after: after, params: p)
    }

    func pipeline(_ stages: [StageSpec]) -> PipelineSpec {
        PipelineSpec(name: "t", file: dir + "/p.yaml", baseDirectory: dir, stages: stages)
    }

    func run(_ stages: [StageSpec], _ configure: (inout RunOptions) -> Void = { _ in }) async throws -> RunReport {
        var o = RunOptions()
        configure(&o)
        return try await testRunner.run(pipeline(stages), options: o)
    }
}

extension RunReport {
    func status(_ stage: String) -> StageStatus? { stages.first { $0.stage == stage }?.status }
    func report(_ stage: String) -> StageReport? { stages.first { $0.stage == stage } }
}
