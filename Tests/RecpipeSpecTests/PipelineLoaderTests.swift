import Foundation
import RecpipeCore
import Testing

@testable import RecpipeSpec

/// Top-level structure, stage structure, defaults, and loading from disk.
@Suite struct PipelineLoaderTests {
    func loc(_ l: Int, _ c: Int) -> RecpipeCore.SourceLocation { TestCatalog.loc(l, c) }

    func only(_ r: PipelineLoadResult) throws -> Diagnostic {
        #expect(r.diagnostics.count == 1, "\(r.diagnostics)")
        #expect(r.spec == nil)
        return try #require(r.diagnostics.first)
    }

    // MARK: - A valid pipeline

    @Test func demoLoadsWithDefaultsFilled() throws {
        let r = TestCatalog.load(TestCatalog.demo)
        #expect(r.diagnostics.isEmpty, "\(r.diagnostics)")
        let spec = try #require(r.spec)
        #expect(spec.name == "demo")
        #expect(spec.file == "p.yaml")
        #expect(spec.baseDirectory == "/base")
        #expect(spec.seed == 42)
        #expect(spec.asOf == nil)
        #expect(spec.vars == [.init(key: "data", value: .string("data/demo")), .init(key: "top_n", value: .int(20))])
        #expect(spec.stages.map(\.name) == ["events", "clean", "matrix", "features", "segments", "als", "recs"])
        let events = try #require(spec.stage("events"))
        #expect(events.kind == "ingest")
        #expect(events.location == loc(6, 3))
        #expect(events.params == ["path": .string("data/demo/events.csv"), "format": .string("csv")])
        #expect(events.paramLocations == ["path": loc(9, 13)])
        let als = try #require(spec.stage("als"))
        #expect(als.params == ["factors": .int(64), "iterations": .int(10), "regularization": .double(0.1)])
        #expect(als.inputs == ["interactions": ["matrix"]])
        let matrix = try #require(spec.stage("matrix"))
        #expect(
            matrix.params["weights"]
                == .map([.init(key: "view", value: .double(1)), .init(key: "cart", value: .double(3))]))
        let recs = try #require(spec.stage("recs"))
        #expect(recs.inputs == ["candidates": ["als"], "profiles": ["segments"]])
        #expect(recs.params["top"] == .int(20))
        #expect(recs.params["label"] == nil)
        #expect(r.source == TestCatalog.demo)
    }

    @Test func seedAndAsOf() throws {
        let r = TestCatalog.load(
            "pipeline: p\nseed: 7\nas_of: 2024-02-29\nstages:\n  e: { uses: ingest, with: { path: x } }\n")
        let spec = try #require(r.spec)
        #expect(spec.seed == 7)
        #expect(spec.asOf == "2024-02-29")
    }

    @Test func afterIsOrderOnly() throws {
        let r = TestCatalog.load(
            "pipeline: p\nstages:\n  a: { uses: ingest, with: { path: x } }\n  b: { uses: ingest, after: a, with: { path: y } }\n  c: { uses: ingest, after: [a, b], with: { path: z } }\n"
        )
        let spec = try #require(r.spec)
        #expect(spec.stage("b")?.after == ["a"])
        #expect(spec.stage("c")?.after == ["a", "b"])
        #expect(spec.stage("c")?.inputs == [:])
    }

    @Test func loadFromDiskUsesDirectoryAsBase() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("recpipe-spec-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("pipe.yaml").path
        try TestCatalog.demo.write(toFile: path, atomically: true, encoding: .utf8)
        let r = PipelineLoader.load(path: path, catalog: TestCatalog.catalog)
        #expect(r.diagnostics.isEmpty)
        #expect(r.spec?.baseDirectory == dir.path)
        #expect(r.spec?.file == path)
    }

    @Test func missingFile() throws {
        let r = PipelineLoader.load(path: "/nonexistent/x.yaml", catalog: TestCatalog.catalog)
        let d = try only(r)
        #expect(d.code == "io-error")
        #expect(d.message == "pipeline file '/nonexistent/x.yaml' does not exist")
        #expect(d.location == nil)
    }

    // MARK: - Top level problems

    @Test func emptyFile() throws {
        let d = try only(TestCatalog.load("# nothing here\n"))
        #expect(d.code == "empty-file")
        #expect(d.message == "pipeline file 'p.yaml' is empty")
        #expect(d.location == loc(1, 1))
        #expect(d.hint == "a pipeline needs at least `pipeline: NAME` and a `stages:` mapping")
    }

    @Test func listAtTopLevel() throws {
        let d = try only(TestCatalog.load("- a\n- b\n"))
        #expect(d.code == "type-mismatch")
        #expect(d.message == "the top level of a pipeline file must be a mapping, found a list")
        #expect(d.location == loc(1, 1))
    }

    @Test func syntaxErrorStopsEverything() throws {
        let d = try only(TestCatalog.load("pipeline: p\nstages:\n  a: { uses: ingest\n  b: 2\n"))
        #expect(d.code == "yaml-syntax")
        #expect(d.location?.line == 4)
    }

    @Test func missingPipelineAndStages() {
        let r = TestCatalog.load("seed: 1\n")
        #expect(r.diagnostics.map(\.code) == ["missing-required", "missing-required"])
        #expect(r.diagnostics.map(\.message) == ["missing required key 'pipeline'", "missing required key 'stages'"])
        #expect(r.diagnostics.map(\.location) == [loc(1, 1), loc(1, 1)])
    }

    @Test func unknownTopLevelKeyWithHint() throws {
        let d = try only(
            TestCatalog.load(
                "pipeline: p\nstage:\n  a: { uses: ingest, with: { path: x } }\nstages: { e: { uses: ingest, with: { path: x } } }\n"
            ))
        #expect(d.code == "unknown-key")
        #expect(d.message == "unknown top-level key 'stage'")
        #expect(d.hint == "did you mean 'stages'?")
        #expect(d.location == loc(2, 1))
    }

    @Test func emptyStages() throws {
        let d = try only(TestCatalog.load("pipeline: p\nstages: {}\n"))
        #expect(d.code == "missing-required")
        #expect(d.message == "'stages' is empty; a pipeline needs at least one stage")
        #expect(d.location == loc(2, 9))
    }

    @Test func badSeedAndDate() {
        let r = TestCatalog.load(
            "pipeline: p\nseed: 1.5\nas_of: 2024-02-30\nstages:\n  e: { uses: ingest, with: { path: x } }\n")
        #expect(r.diagnostics.map(\.code) == ["type-mismatch", "invalid-date"])
        #expect(
            r.diagnostics.map(\.message) == [
                "'seed' expects an integer, found a number", "'as_of' expects a date YYYY-MM-DD, found '2024-02-30'",
            ])
        #expect(r.diagnostics.map(\.location) == [loc(2, 7), loc(3, 8)])
    }

    @Test func pipelineNameMustBeScalar() throws {
        let d = try only(TestCatalog.load("pipeline: [a]\nstages:\n  e: { uses: ingest, with: { path: x } }\n"))
        #expect(d.message == "'pipeline' expects a name (a string), found a list")
        #expect(d.location == loc(1, 11))
    }

    @Test func duplicateStageName() throws {
        let d = try only(
            TestCatalog.load(
                "pipeline: p\nstages:\n  e: { uses: ingest, with: { path: x } }\n  e: { uses: ingest, with: { path: y } }\n"
            ))
        #expect(d.code == "duplicate-key")
        #expect(d.location == loc(4, 3))
        #expect(d.hint == "'e' is first defined at line 3, column 3; remove or rename one of them")
    }

    // MARK: - Stage structure

    @Test func unknownStageKeyWithHint() throws {
        let d = try only(
            TestCatalog.load("pipeline: p\nstages:\n  e: { use: ingest, uses: ingest, with: { path: x } }\n"))
        #expect(d.code == "unknown-key")
        #expect(d.message == "unknown key 'use' in stage 'e'")
        #expect(d.hint == "did you mean 'uses'?")
        #expect(d.location == loc(3, 8))
    }

    @Test func unknownKindWithHint() throws {
        let d = try only(TestCatalog.load("pipeline: p\nstages:\n  s:\n    uses: clustr\n    with: { k: 3 }\n"))
        #expect(d.code == "unknown-kind")
        #expect(d.message == "unknown stage kind 'clustr'")
        #expect(d.hint == "did you mean 'cluster'?")
        #expect(d.location == loc(4, 11))
    }

    @Test func unknownKindFarFromAnyListsKinds() throws {
        let d = try only(TestCatalog.load("pipeline: p\nstages:\n  s: { uses: zzzzzzzz }\n"))
        #expect(d.hint == "known kinds: als, clean, cluster, encode, ingest, rank")
    }

    @Test func missingUses() throws {
        let d = try only(TestCatalog.load("pipeline: p\nstages:\n  s: { with: { k: 3 } }\n"))
        #expect(d.code == "missing-required")
        #expect(d.message == "stage 's' has no 'uses:' key naming its kind")
        #expect(d.location == loc(3, 3))
    }

    @Test func stageMustBeMapping() throws {
        let d = try only(TestCatalog.load("pipeline: p\nstages:\n  s: ingest\n"))
        #expect(d.message == "stage 's' must be a mapping, found a string")
        #expect(d.location == loc(3, 6))
    }

    @Test func invalidStageName() throws {
        let d = try only(TestCatalog.load("pipeline: p\nstages:\n  1st: { uses: ingest, with: { path: x } }\n"))
        #expect(d.code == "invalid-name")
        #expect(d.message == "invalid stage name '1st'")
        #expect(d.location == loc(3, 3))
    }

    @Test(arguments: ["a", "_x", "A-b_9", "events"]) func validStageNames(name: String) {
        #expect(PipelineDecoder.isValidStageName(name))
    }

    @Test(arguments: ["", "9a", "-a", "a.b", "a b", "é"]) func invalidStageNames(name: String) {
        #expect(!PipelineDecoder.isValidStageName(name))
    }

    // MARK: - Ports

    @Test func unknownPortWithHint() throws {
        let d = try only(
            TestCatalog.load(
                "pipeline: p\nstages:\n  m: { uses: ingest, with: { path: x } }\n  a: { uses: als, inputs: { interaction: m } }\n"
            ))
        #expect(d.code == "unknown-port")
        #expect(d.message == "stage kind 'als' has no input port 'interaction'")
        #expect(d.hint == "did you mean 'interactions'?")
        #expect(d.location == loc(4, 29))
    }

    @Test func inputOnKindWithoutPorts() throws {
        let d = try only(
            TestCatalog.load(
                "pipeline: p\nstages:\n  a: { uses: ingest, with: { path: x } }\n  b: { uses: ingest, input: a, with: { path: y } }\n"
            ))
        #expect(d.code == "unknown-port")
        #expect(d.message == "stage kind 'ingest' takes no inputs, but stage 'b' has 'input'")
        #expect(d.location == loc(4, 22))
    }

    @Test func missingRequiredPort() throws {
        let d = try only(TestCatalog.load("pipeline: p\nstages:\n  a: { uses: als }\n"))
        #expect(d.code == "missing-required")
        #expect(d.message == "stage 'a' (als) needs an input for port 'interactions' (accepts interactions)")
        #expect(d.hint == "add `input: STAGE` naming a stage that produces it")
        #expect(d.location == loc(3, 3))
    }

    @Test func optionalPortMayBeOmitted() {
        let r = TestCatalog.load(
            "pipeline: p\nstages:\n  e: { uses: ingest, with: { path: x } }\n  c: { uses: clean, input: e }\n  m: { uses: encode, input: c, with: { target: interactions } }\n  f: { uses: als, input: m }\n  r: { uses: rank, input: f }\n"
        )
        #expect(r.diagnostics.isEmpty, "\(r.diagnostics)")
        #expect(r.spec?.stage("r")?.inputs == ["candidates": ["f"]])
    }

    @Test func listForSingleValuedPort() throws {
        let d = try only(
            TestCatalog.load(
                "pipeline: p\nstages:\n  e: { uses: ingest, with: { path: x } }\n  c: { uses: clean, inputs: { events: [e, e] } }\n"
            ))
        #expect(d.code == "type-mismatch")
        #expect(d.message == "port 'events' of stage 'c' takes one stage, found a list")
        #expect(d.location == loc(4, 39))
    }

    @Test func bothInputAndInputs() throws {
        let d = try only(
            TestCatalog.load(
                "pipeline: p\nstages:\n  e: { uses: ingest, with: { path: x } }\n  c: { uses: clean, input: e, inputs: { events: e } }\n"
            ))
        #expect(d.code == "conflicting-inputs")
        #expect(d.message == "stage 'c' has both 'input' and 'inputs'")
        #expect(d.location == loc(4, 31))
    }

    @Test func multiplePortTakesList() throws {
        let r = TestCatalog.load(
            "pipeline: p\nstages:\n  e: { uses: ingest, with: { path: x } }\n  c: { uses: clean, input: e }\n  m: { uses: encode, input: c, with: { target: interactions } }\n  a: { uses: als, input: m }\n  b: { uses: als, input: m }\n  r: { uses: rank, input: [a, b] }\n"
        )
        #expect(r.diagnostics.isEmpty, "\(r.diagnostics)")
        #expect(r.spec?.stage("r")?.inputs == ["candidates": ["a", "b"]])
    }
}
