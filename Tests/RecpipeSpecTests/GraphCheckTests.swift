import RecpipeCore
import Testing

@testable import RecpipeSpec

/// References between stages, cycles, artifact kinds, and the graph queries on PipelineSpec.
@Suite struct GraphCheckTests {
    func loc(_ l: Int, _ c: Int) -> RecpipeCore.SourceLocation { TestCatalog.loc(l, c) }

    func one(_ r: PipelineLoadResult) throws -> Diagnostic {
        #expect(r.diagnostics.count == 1, "\(r.diagnostics)")
        #expect(r.spec == nil)
        return try #require(r.diagnostics.first)
    }

    @Test func unknownInputWithHint() throws {
        let d = try one(
            TestCatalog.load(
                "pipeline: p\nstages:\n  events: { uses: ingest, with: { path: x } }\n  c: { uses: clean, input: evnets }\n"
            ))
        #expect(d.code == "unknown-stage")
        #expect(d.message == "stage 'c' refers to unknown stage 'evnets'")
        #expect(d.hint == "did you mean 'events'?")
        #expect(d.location == loc(4, 28))
    }

    @Test func unknownAfterListsStages() throws {
        let d = try one(
            TestCatalog.load(
                "pipeline: p\nstages:\n  a: { uses: ingest, with: { path: x } }\n  b: { uses: ingest, after: [zzzzzz], with: { path: x } }\n"
            ))
        #expect(d.hint == "stages: a, b")
        #expect(d.location == loc(4, 30))
    }

    @Test func selfInput() throws {
        let d = try one(TestCatalog.load("pipeline: p\nstages:\n  c: { uses: clean, input: c }\n"))
        #expect(d.code == "self-input")
        #expect(d.message == "stage 'c' names itself as an input")
        #expect(d.location == loc(3, 28))
    }

    @Test func selfAfter() throws {
        let d = try one(TestCatalog.load("pipeline: p\nstages:\n  a: { uses: ingest, after: a, with: { path: x } }\n"))
        #expect(d.code == "self-input")
        #expect(d.message == "stage 'a' cannot run after itself")
    }

    @Test func cycleReportedOnceWithPath() throws {
        let r = TestCatalog.load(
            """
            pipeline: p
            stages:
              a: { uses: clean, input: c }
              b: { uses: clean, input: a }
              c: { uses: clean, input: b }

            """)
        let d = try one(r)
        #expect(d.code == "cycle")
        #expect(d.message == "stages form a cycle: a -> b -> c -> a")
        #expect(d.location == loc(3, 3))
    }

    @Test func twoCyclesAndAfterEdges() {
        let r = TestCatalog.load(
            """
            pipeline: p
            stages:
              e: { uses: ingest, with: { path: x } }
              x: { uses: clean, input: e, after: y }
              y: { uses: clean, input: x }
              q: { uses: clean, input: r }
              r: { uses: clean, input: q }

            """)
        #expect(
            r.diagnostics.map(\.message) == [
                "stages form a cycle: x -> y -> x", "stages form a cycle: q -> r -> q",
            ])
        #expect(r.diagnostics.map(\.location) == [loc(4, 3), loc(6, 3)])
    }

    @Test func cyclePicksShortestLoopThroughFirstStage() throws {
        // a feeds b and c; b feeds c; c feeds a: the shortest loop through a is a -> c -> a.
        let d = try one(
            TestCatalog.load(
                """
                pipeline: p
                stages:
                  a: { uses: clean, input: c }
                  b: { uses: clean, input: a }
                  c: { uses: clean, input: b, after: a }

                """))
        #expect(d.message == "stages form a cycle: a -> c -> a")
    }

    @Test func artifactMismatchWithAdapterHint() throws {
        let d = try one(
            TestCatalog.load(
                """
                pipeline: p
                stages:
                  events: { uses: ingest, with: { path: x } }
                  als: { uses: als, input: events }

                """))
        #expect(d.code == "artifact-mismatch")
        #expect(
            d.message
                == "stage 'als' input 'events' produces 'table', but port 'interactions' of 'als' accepts 'interactions'"
        )
        #expect(d.hint == "insert an `encode` stage with target: interactions between 'events' and 'als'")
        #expect(d.location == loc(4, 28))
    }

    @Test func artifactMismatchDependsOnUpstreamParams() throws {
        let d = try one(
            TestCatalog.load(
                """
                pipeline: p
                stages:
                  e: { uses: ingest, with: { path: x } }
                  m: { uses: encode, input: e, with: { target: user_features } }
                  a: { uses: als, inputs: { interactions: m } }

                """))
        #expect(
            d.message
                == "stage 'a' input 'm' produces 'features', but port 'interactions' of 'a' accepts 'interactions'")
        #expect(d.hint == "connect a stage that produces interactions")
        #expect(d.location == loc(5, 43))
    }

    @Test func artifactMismatchOnMultiplePortAndDefaultAdapter() throws {
        let d = try one(
            TestCatalog.load(
                """
                pipeline: p
                stages:
                  e: { uses: ingest, with: { path: x } }
                  m: { uses: encode, input: e, with: { target: interactions } }
                  a: { uses: als, input: m }
                  r: { uses: rank, inputs: { candidates: [a, m] } }

                """))
        #expect(
            d.message
                == "stage 'r' input 'm' produces 'interactions', but port 'candidates' of 'r' accepts 'factors' or 'candidates'"
        )
        #expect(d.hint == "insert an `als` stage between 'm' and 'r'")
        #expect(d.location == loc(6, 46))
    }

    @Test func noArtifactCheckWhenUpstreamBroken() throws {
        let d = try one(TestCatalog.load("pipeline: p\nstages:\n  e: { uses: ingest }\n  a: { uses: als, input: e }\n"))
        #expect(d.code == "missing-required")
    }

    // MARK: - Graph queries

    func spec() throws -> PipelineSpec { try #require(TestCatalog.load(TestCatalog.demo).spec) }

    @Test func topologicalOrderKeepsFileOrderWhenPossible() throws {
        #expect(try spec().topologicalOrder() == ["events", "clean", "matrix", "features", "segments", "als", "recs"])
    }

    @Test func topologicalOrderMovesStagesAfterTheirInputs() throws {
        let r = TestCatalog.load(
            """
            pipeline: p
            stages:
              r: { uses: rank, input: a }
              a: { uses: als, input: m }
              z: { uses: ingest, with: { path: x } }
              m: { uses: encode, input: e, with: { target: interactions } }
              e: { uses: ingest, after: z, with: { path: x } }

            """)
        #expect(r.diagnostics.isEmpty)
        #expect(try #require(r.spec).topologicalOrder() == ["z", "e", "m", "a", "r"])
    }

    @Test func topologicalOrderOnHandBuiltCycleAppendsRest() {
        let l = TestCatalog.loc(1, 1)
        let spec = PipelineSpec(
            name: "p", file: "f", baseDirectory: ".",
            stages: [
                StageSpec(name: "a", kind: "k", location: l, after: ["b"]),
                StageSpec(name: "b", kind: "k", location: l, after: ["a"]),
                StageSpec(name: "c", kind: "k", location: l),
            ])
        #expect(spec.topologicalOrder() == ["c", "a", "b"])
    }

    @Test func downstreamAndUpstream() throws {
        let s = try spec()
        #expect(s.downstream(of: ["features"]) == ["features", "segments", "recs"])
        #expect(s.downstream(of: ["clean"]) == ["clean", "matrix", "features", "segments", "als", "recs"])
        #expect(s.upstream(of: ["als"]) == ["als", "matrix", "clean", "events"])
        #expect(s.upstream(of: ["recs"]) == Set(s.stages.map(\.name)))
        #expect(s.downstream(of: []) == [])
    }

    @Test(arguments: 0..<20) func topologicalOrderInvariantOnRandomDAGs(seed: Int) {
        var rng = SplitMix(seed: UInt64(seed))
        let n = 12
        let names = (0..<n).map { "s\($0)" }
        // Edges only from lower to higher rank, then the stages are shuffled in file order.
        var stages = (0..<n).map { i in
            StageSpec(
                name: names[i], kind: "k", location: TestCatalog.loc(1, 1),
                after: (0..<i).filter { _ in rng.next() % 4 == 0 }.map { names[$0] })
        }
        stages.shuffle(using: &rng)
        let spec = PipelineSpec(name: "p", file: "f", baseDirectory: ".", stages: stages)
        let order = spec.topologicalOrder()
        #expect(order.sorted() == names.sorted())
        let position = Dictionary(uniqueKeysWithValues: order.enumerated().map { ($1, $0) })
        for stage in stages {
            for dep in stage.after { #expect(position[dep]! < position[stage.name]!) }
            #expect(spec.upstream(of: [stage.name]).allSatisfy { position[$0]! <= position[stage.name]! })
            #expect(spec.downstream(of: [stage.name]).allSatisfy { position[$0]! >= position[stage.name]! })
        }
    }
}

/// A small seeded generator for reproducible random tests.
struct SplitMix: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
