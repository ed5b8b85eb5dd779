import Foundation
import RecpipeAlgorithms
import RecpipeCore
import RecpipeData
import RecpipeSpec
import Synchronization
import Testing

@testable import RecpipeEngine
@testable import RecpipeStages

@Suite struct ALSStageTests {
    typealias F = RecommendFixtures

    /// 6 users × 8 items in two disjoint taste groups (a–d, e–h); u5 has no interactions.
    static let shop = F.interactions(
        [
            [("a", 3), ("b", 1), ("c", 2)],
            [("a", 1), ("b", 2), ("d", 1)],
            [("b", 1), ("c", 1), ("d", 4)],
            [("e", 2), ("f", 1), ("g", 1)],
            [("f", 3), ("g", 1), ("h", 2)],
            [],
        ], items: ["a", "b", "c", "d", "e", "f", "g", "h"])

    static let base: [String: ParamValue] = ["factors": .int(4), "iterations": .int(6), "candidates": .int(3)]

    static func run(_ params: [String: ParamValue], input: any Artifact = shop, seed: Int = 42) async throws -> (
        Factors, StageOutput
    ) {
        let ctx = StageHarness.context(
            "als", params: base.merging(params) { $1 }, inputs: ["interactions": [("m", input)]], seed: seed)
        let out = try await ALSStage().run(ctx)
        return (try #require(out.artifact as? Factors), out)
    }

    // MARK: - Implicit

    @Test func implicitFactorsHaveTheRightShapeAndCandidatesExcludeSeenItems() async throws {
        let (f, out) = try await Self.run([:])
        #expect(f.factors == 4 && f.userFactors.count == 6 * 4 && f.itemFactors.count == 8 * 4)
        #expect(f.users == Self.shop.users && f.items == Self.shop.items)
        #expect(f.userBias.isEmpty && f.itemBias.isEmpty)
        #expect(f.candidates.source == "als")
        for u in 0..<5 {
            let seen = Set(Self.shop.seen(user: u))
            let r = f.candidates.range(user: u)
            #expect(r.count == 3)
            #expect(r.allSatisfy { !seen.contains(f.candidates.itemIndices[$0]) })
            #expect(zip(r.dropLast(), r.dropFirst()).allSatisfy { f.candidates.scores[$0] >= f.candidates.scores[$1] })
        }
        // The user without interactions: zero vector, no candidates, never NaN.
        #expect(f.userVector(5).allSatisfy { $0 == 0 })
        #expect(f.candidates.range(user: 5).isEmpty)
        #expect(f.userFactors.allSatisfy(\.isFinite) && f.itemFactors.allSatisfy(\.isFinite))
        #expect(f.settings["implicit"] == "true" && f.settings["confidence"] == "linear" && f.settings["seed"] == "42")
        #expect(f.settings["iterations_run"] == "6")
        #expect(out.counters.contains(.init("iterations", 6)))
        #expect(out.notes.contains { $0.hasPrefix("seconds per iteration: ") })
        #expect(out.notes.contains { $0.contains("1 users have no training interactions") })
        // The first group's users prefer the first group's items.
        #expect(F.lists(f.candidates)[0].first == "d")
    }

    /// The candidates written straight into their storage are byte for byte the artifact built
    /// from per-user lists (`recommendAll`, users without history emptied), for full and short
    /// lists, implicit and explicit.
    @Test func candidatesAreTheBytesOfThePerUserListBuild() async throws {
        for params: [String: ParamValue] in [
            [:], ["candidates": .int(7)], ["candidates": .int(20), "threads": .int(3)],
            ["implicit": .bool(false), "candidates": .int(5)],
        ] {
            let (f, _) = try await Self.run(params)
            let model = try ALSSettings.model(from: f)
            let n = (Self.base.merging(params) { $1 })["candidates"]!.intValue!
            var lists = try model.recommendAll(n: n, exclude: Self.shop.matrix)
            if params["implicit"] != .bool(false) {
                for u in 0..<Self.shop.matrix.rows where Self.shop.matrix.rowCount(u) == 0 { lists[u] = [] }
            }
            let old = Candidates(
                source: "als", users: Self.shop.users, items: Self.shop.items,
                lists: lists.map { $0.map { (item: Int32($0.item), score: $0.score) } })
            #expect(f.candidates == old, "\(params)")
            var (a, b) = (ByteWriter(), ByteWriter())
            f.candidates.encode(into: &a)
            old.encode(into: &b)
            #expect(a.bytes == b.bytes, "\(params)")
        }
    }

    @Test func sameSeedGivesIdenticalFactorsAndAnotherSeedDiffers() async throws {
        let (a, _) = try await Self.run(["threads": .int(1)])
        let (b, _) = try await Self.run(["threads": .int(3)])
        #expect(a.userFactors == b.userFactors && a.itemFactors == b.itemFactors && a.candidates == b.candidates)
        let (c, _) = try await Self.run(["seed": .int(7)])
        #expect(c.itemFactors != a.itemFactors)
        #expect(c.settings["seed"] == "7")
        let (d, _) = try await Self.run([:], seed: 7)
        #expect(d.itemFactors == c.itemFactors)
    }

    @Test func splitInputTrainsOnItsTrainPart() async throws {
        let split = EvaluationSplit(
            train: Self.shop, testOffsets: [0, 1, 1, 1, 1, 1, 1], testItems: [3], testValues: [1], method: "hand")
        let (viaSplit, _) = try await Self.run([:], input: split)
        let (direct, _) = try await Self.run([:])
        #expect(viaSplit.userFactors == direct.userFactors && viaSplit.candidates == direct.candidates)
    }

    @Test func progressReportsEveryIterationWithTheLoss() async throws {
        let messages = Mutex<[String]>([])
        let ctx = StageHarness.context(
            "als", params: Self.base.merging(["iterations": .int(3), "compute_loss": .bool(true)]) { $1 },
            inputs: ["interactions": [("m", Self.shop)]], file: "t.yaml", seed: 1,
            progress: { _, message in messages.withLock { $0.append(message) } })
        let out = try await ALSStage().run(ctx)
        let seen = messages.withLock { $0 }
        #expect(seen.contains { $0.hasPrefix("iter 1/3 loss ") })
        #expect(seen.contains { $0.hasPrefix("iter 3/3 loss ") })
        #expect(out.notes.contains { $0.hasPrefix("final training loss ") })
        #expect((out.artifact as? Factors)?.settings["final_loss"] != nil)
    }

    @Test func zeroCandidatesSkipsTheTopNPass() async throws {
        let (f, _) = try await Self.run(["candidates": .int(0)])
        #expect(f.candidates.rowCount == 0 && f.candidates.users.count == 6)
    }

    // MARK: - Explicit

    @Test func explicitModeWithARatingRangeStoresBiasesAndClips() async throws {
        let ratings = F.interactions(
            [[("a", 5), ("b", 1)], [("a", 4), ("c", 2)], [("b", 1), ("c", 5), ("d", 3)], [("d", 5)]],
            items: ["a", "b", "c", "d"])
        let (f, out) = try await Self.run(
            [
                "implicit": .bool(false), "rating_min": .double(1), "rating_max": .double(5),
                "regularization": .double(0.1),
            ],
            input: ratings)
        #expect(f.userBias.count == 4 && f.itemBias.count == 4)
        #expect(abs(f.globalMean - 3.25) < 1e-6)
        #expect(
            f.settings["implicit"] == "false" && f.settings["rating_min"] == "1.0" && f.settings["rating_max"] == "5.0")
        #expect(f.settings["regularization_scaling"] == "per_count")
        #expect(out.notes.first?.contains("explicit ALS (λ=0.1·n, biases, clipped to 1.0…5.0)") == true)
        let model = try ALSSettings.model(from: f)
        for u in 0..<4 {
            for i in 0..<4 { #expect((1...5).contains(model.predict(user: u, item: i))) }
            let seen = Set(ratings.seen(user: u))
            #expect(f.candidates.range(user: u).allSatisfy { !seen.contains(f.candidates.itemIndices[$0]) })
        }
    }

    @Test func settingsRoundTripForEveryMode() throws {
        let kinds: [ALSModel.Kind] = [
            .implicit(
                ALSImplicitOptions(
                    factors: 8, iterations: 3, regularization: 0.25, alpha: 40, confidence: .log(epsilon: 0.5),
                    regularizationScaling: .perCount, solver: .cholesky, seed: 9)),
            .implicit(
                ALSImplicitOptions(
                    factors: 2, regularization: 0.05, confidence: .onePlus, solver: .conjugateGradient(steps: 5))),
            .explicit(
                ALSExplicitOptions(
                    factors: 3, iterations: 4, regularization: 0.1, regularizationScaling: .none,
                    useBiases: false, ratingRange: 0.5...5, seed: 3)),
        ]
        for kind in kinds { #expect(try ALSSettings.kind(ALSSettings.encode(kind)) == kind) }
        #expect(throws: AlgorithmError.self) { try ALSSettings.kind(["model": "svd"]) }
        #expect(throws: AlgorithmError.self) { try ALSSettings.kind(["model": "als", "factors": "x"]) }
    }

    // MARK: - Validation

    static func diagnostics(_ params: String) -> [Diagnostic] {
        let yaml = """
            pipeline: t
            stages:
              m:
                uses: split
                with: { method: file, path: split.csv }
              als:
                uses: als
                input: m
                with:
            \(params)
            """
        return PipelineLoader.load(text: yaml, file: "p.yaml", baseDirectory: "/tmp", catalog: StageRegistry.catalog)
            .diagnostics.filter { $0.severity == .error }
    }

    @Test(arguments: [
        ("      factors: 0", "factors"), ("      iterations: 0", "iterations"),
        ("      regularization: -1", "regularization"),
        ("      alpha: 0", "alpha"), ("      confidence: cubic", "confidence"), ("      solver: lu", "solver"),
        ("      cg_steps: 0", "cg_steps"), ("      threads: -1", "threads"), ("      candidates: -5", "candidates"),
        ("      tolerance: 2", "tolerance"), ("      epsilon: 0\n      confidence: log", "epsilon"),
        ("      implicit: maybe", "implicit"), ("      regularization_scaling: spark", "regularization_scaling"),
        ("      epsilon: 0.5", "only applies to `confidence: log`"),
        ("      rating_min: 1\n      rating_max: 5", "only apply to explicit ALS"),
        ("      implicit: false\n      rating_min: 1", "give both `rating_min` and `rating_max`"),
        ("      implicit: false\n      rating_min: 5\n      rating_max: 1", "must be below `rating_max`"),
        ("      implicit: false\n      alpha: 2", "`alpha` only applies to implicit ALS"),
    ])
    func badParametersAreLocatedErrors(params: String, expected: String) {
        let errors = Self.diagnostics(params)
        #expect(errors.count == 1, "\(params): \(errors)")
        let e = errors.first
        #expect(e?.message.contains(expected) == true, "\(params): \(errors)")
        // Located on the offending parameter's line (line 10 is the first `with:` entry).
        #expect((e?.location?.line ?? 0) >= 10, "\(params): \(errors)")
    }

    @Test func goodParametersValidate() {
        #expect(
            Self.diagnostics("      factors: 8\n      confidence: log\n      epsilon: 0.5\n      solver: cholesky")
                .isEmpty)
        #expect(
            Self.diagnostics("      implicit: false\n      rating_min: 1\n      rating_max: 5\n      biases: false")
                .isEmpty)
    }
}
