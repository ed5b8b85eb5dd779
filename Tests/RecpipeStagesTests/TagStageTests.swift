import Foundation
import RecpipeCore
import RecpipeData
import RecpipeSpec
import RecpipeTestSupport
import Testing

@testable import RecpipeEngine
@testable import RecpipeStages

@Suite struct TagStageTests {
    static let profiles = Table.assemble([
        .strings("user_id", ["U1", "U2", "U3"]),
        .doubles("monetary", [900, 20, 300]),
        .ints("recency_days", [3, 90, 10]),
    ])

    static let rules = """
        tag("vip", function(u) return u.monetary >= 500 end)
        tag("lapsed", function(u) return u.recency_days > 60 end)
        tag("spend_band", function(u)
          if u.monetary >= 100 then return "band_high" else return { "band_low" } end
        end)
        """

    /// Writes the rules and a one-stage pipeline; returns the loaded pipeline's stage context.
    static func context(
        script: String = rules, inline: Bool = false, onError: String = "fail",
        segments: Segments? = nil, threads: Int = 2
    ) throws -> StageContext {
        let dir = TestSupport.temporaryDirectory("tag")
        let wiring = segments == nil ? "input: features" : "inputs: { features: features, segments: segments }"
        var yaml = "pipeline: t\nas_of: \"2026-11-01\"\nstages:\n  profiles:\n    uses: tag\n    \(wiring)\n    with:\n"
        yaml += "      on_error: \(onError)\n"
        if inline {
            yaml +=
                "      inline: |\n"
                + script.split(separator: "\n", omittingEmptySubsequences: false).map { "        " + $0 }.joined(
                    separator: "\n") + "\n"
        } else {
            TestSupport.write(script, to: "rules/tags.lua", in: dir)
            yaml += "      script: rules/tags.lua\n"
        }
        yaml += Self.featuresStage(dir)
        if segments != nil { yaml += "  segments:\n    uses: cluster\n    input: features\n" }
        let path = TestSupport.write(yaml, to: "p.yaml", in: dir)
        let loaded = PipelineLoader.load(path: path, catalog: StageRegistry.catalog)
        let pipeline = try #require(loaded.spec, "\(loaded.rendered())")
        var inputs: [String: [StageContext.Input]] = [
            "features": [
                .init(stage: "features", kind: .features, artifact: FeatureSet(table: profiles, idColumn: "user_id"))
            ]
        ]
        if let segments { inputs["segments"] = [.init(stage: "segments", kind: .segments, artifact: segments)] }
        return StageContext(
            spec: pipeline.stages[0], declaration: TagStage.declaration, pipeline: pipeline, inputs: inputs,
            runDirectory: dir,
            threads: threads)
    }

    /// A `features` stage for the tag stage's required input (validation only; tests pass inputs):
    /// its header has the columns of `profiles`, which validate holds the rules' field reads against.
    static func featuresStage(_ dir: String) -> String {
        TestSupport.write("user_id,monetary,recency_days\nU1,1,2\n", to: "f.csv", in: dir)
        return "  features:\n    uses: ingest\n    with: { path: f.csv }\n"
    }

    static func strings(_ t: Table, _ name: String) -> [String?] {
        let c = t.column(named: name)!
        return (0..<c.count).map { r in if case .string(let s) = c.value(r) { s } else { nil } }
    }

    @Test func tagsColumnAndCounts() async throws {
        let out = try await TagStage().run(try Self.context())
        #expect(out.kind == .profiles)
        let t = out.artifact as! Table
        #expect(Self.strings(t, "tags") == ["vip,band_high", "lapsed,band_low", "band_high"])
        #expect(out.counters.contains(.init("tag band_high", 2)))
        #expect(out.counters.contains(.init("tag vip", 1)))
        #expect(out.counters.contains(.init("users_tagged", 3)))
        #expect(out.notes.first == "tags: band_high 2, band_low 1, lapsed 1, vip 1")
    }

    @Test func segmentsAreJoinedByUserID() async throws {
        let segments = Segments(
            users: ["U3", "U1"], labels: [1, 0], k: 2, featureNames: ["monetary"], centroidsScaled: [0, 1],
            centroids: [900, 300], sizes: [1, 1], inertia: 0, names: ["high monetary", "low monetary"])
        let rules = #"tag("seg", function(u) if u.segment == nil then return nil end return "s" .. u.segment end)"#
        let out = try await TagStage().run(try Self.context(script: rules, segments: segments))
        let t = out.artifact as! Table
        #expect(t.column(named: "segment")!.value(0) == .int(0))
        #expect(t.column(named: "segment")!.value(1) == .null)
        #expect(Self.strings(t, "segment_name") == ["high monetary", nil, "low monetary"])
        #expect(Self.strings(t, "tags") == ["s0", "", "s1"])
    }

    @Test func sameTagsWhateverTheThreads() async throws {
        let one = try await TagStage().run(try Self.context(threads: 1)).artifact as! Table
        let four = try await TagStage().run(try Self.context(threads: 4)).artifact as! Table
        #expect(one == four)
    }

    static let failing = """
        tag("vip", function(u) return u.monetary >= 500 end)
        tag("broken", function(u)
          return u.recency_days > u.missing_threshold
        end)
        """

    @Test func ruleErrorFailsTheStageWithFileLineRuleAndUser() async throws {
        let ctx = try Self.context(script: Self.failing.replacingOccurrences(of: "u.missing_threshold", with: "nil"))
        let text = await RecommendFixtures.errorText { _ = try await TagStage().run(ctx) }
        #expect(text.hasPrefix("rules/tags.lua:3:1: "))
        #expect(text.contains("attempt to compare"))
        #expect(text.contains("(rule 'broken', user 'U1')"))
    }

    @Test func seenAndPurchasedInTagRulesAreLocatedErrors() async throws {
        let script = """
            tag("vip", function(u) return u.monetary >= 500 end)
            tag("bought", function(u)
              return u:purchased("SKU-1")
            end)
            """
        let ctx = try Self.context(script: script)
        let text = await RecommendFixtures.errorText { _ = try await TagStage().run(ctx) }
        #expect(text.hasPrefix("rules/tags.lua:3:"), "\(text)")
        #expect(text.contains("u:purchased(id) is not available in tag rules"))
        #expect(text.contains("(rule 'bought', user 'U1')"))
        let seen = try Self.context(script: script.replacingOccurrences(of: "u:purchased", with: "u:seen"))
        let seenText = await RecommendFixtures.errorText { _ = try await TagStage().run(seen) }
        #expect(seenText.contains("u:seen(id) is not available in tag rules"), "\(seenText)")
    }

    @Test func skipRecordCountsErrorsAndKeepsOtherTags() async throws {
        let ctx = try Self.context(
            script: Self.failing.replacingOccurrences(of: "u.missing_threshold", with: "nil"), onError: "skip_record")
        let out = try await TagStage().run(ctx)
        #expect(Self.strings(out.artifact as! Table, "tags") == ["vip", "", ""])
        #expect(out.counters.contains(.init("rule_errors_skipped", 3)))
        #expect(out.warnings.first?.contains("3 rule errors skipped") == true)
    }

    @Test func inlineRuntimeErrorPointsAtTheYAMLLine() async throws {
        // The inline block starts on YAML line 10 (after `inline: |` on line 9); `broken`'s body is its 3rd line.
        let ctx = try Self.context(
            script: Self.failing.replacingOccurrences(of: "u.missing_threshold", with: "nil"), inline: true)
        let text = await RecommendFixtures.errorText { _ = try await TagStage().run(ctx) }
        #expect(text.contains("p.yaml:12:1: "), "\(text)")
        #expect(text.contains("rule 'broken', user 'U1'"))
    }

    @Test func inlineSyntaxErrorIsFoundByValidationAtTheYAMLLine() throws {
        let dir = TestSupport.temporaryDirectory("tag-inline")
        let yaml = """
            pipeline: t
            stages:
              profiles:
                uses: tag
                input: features
                with:
                  inline: |
                    tag("vip", function(u)
                      return u.monetary >=
                    end)

            """ + Self.featuresStage(dir)
        let path = TestSupport.write(yaml, to: "p.yaml", in: dir)
        let loaded = PipelineLoader.load(path: path, catalog: StageRegistry.catalog)
        let d = try #require(loaded.errors.first { $0.code == "lua-syntax" }, "\(loaded.rendered())")
        #expect(d.location?.file.hasSuffix("p.yaml") == true)
        #expect(d.location?.line == 10)
    }

    @Test func fileSyntaxErrorIsFoundByValidationAtTheLuaLine() throws {
        let dir = TestSupport.temporaryDirectory("tag-file")
        TestSupport.write(
            "tag(\"ok\", function(u) return true end)\ntag(\"bad\", function(u) return u.x + end)\n", to: "rules/t.lua",
            in: dir)
        let path = TestSupport.write(
            "pipeline: t\nstages:\n  p:\n    uses: tag\n    input: features\n    with: { script: rules/t.lua }\n"
                + Self.featuresStage(dir), to: "p.yaml", in: dir)
        let loaded = PipelineLoader.load(path: path, catalog: StageRegistry.catalog)
        let d = try #require(loaded.errors.first { $0.code == "lua-syntax" }, "\(loaded.rendered())")
        #expect(d.location?.file == "rules/t.lua")
        #expect(d.location?.line == 2)
    }

    @Test func missingScriptIsAValidationError() throws {
        let dir = TestSupport.temporaryDirectory("tag-missing")
        let path = TestSupport.write(
            "pipeline: t\nstages:\n  p:\n    uses: tag\n    input: features\n    with: { script: rules/none.lua }\n"
                + Self.featuresStage(dir), to: "p.yaml", in: dir)
        let loaded = PipelineLoader.load(path: path, catalog: StageRegistry.catalog)
        #expect(loaded.errors.contains { $0.code == "missing-file" && $0.location?.line == 6 })
        let none = TestSupport.write(
            "pipeline: t\nstages:\n  p:\n    uses: tag\n    input: features\n" + Self.featuresStage(dir), to: "q.yaml",
            in: dir)
        #expect(
            PipelineLoader.load(path: none, catalog: StageRegistry.catalog).errors.contains {
                $0.code == "missing-param"
            })
    }
}
