import RecpipeCore
import RecpipeSpec
import RecpipeTestSupport
import Testing

@testable import RecpipeStages

@Suite struct RankValidationTests {
    func check(_ promotions: String, asOf: String = "2026-11-01") -> [Diagnostic] {
        let dir = TestSupport.temporaryDirectory("rank-check")
        TestSupport.write(promotions, to: "rules/promotions.lua", in: dir)
        let spec = StageSpec(
            name: "recs", kind: "rank", location: SourceLocation(file: "p.yaml", line: 9, column: 3),
            inputs: ["candidates": ["als", "itemcf"]], params: ["promotions": .string("rules/promotions.lua")])
        let pipeline = PipelineSpec(name: "t", file: dir + "/p.yaml", baseDirectory: dir, asOf: asOf, stages: [spec])
        return RankStage.declaration.check(spec, pipeline)
    }

    @Test func validRulesPass() {
        #expect(check("promote{ name = \"a\", boost = 1.2, when = function(u, item) return true end }").isEmpty)
    }

    @Test func boostNotPositiveIsLocated() throws {
        let d = try #require(
            check("\n\npromote{ name = \"a\", boost = 0, when = function(u, item) return true end }").first)
        #expect(d.code == "lua-registration")
        #expect(d.location?.file.hasSuffix("rules/promotions.lua") == true)
        #expect(d.location?.line == 3)
        #expect(d.message.contains("boost must be a number > 0"))
    }

    @Test func fromAfterToIsLocated() throws {
        let d = try #require(
            check(
                "promote{ name = \"a\", boost = 2, from = \"2026-12-01\", to = \"2026-11-01\", when = function(u, i) return true end }"
            ).first)
        #expect(d.location?.line == 1)
        #expect(d.message.contains("from (2026-12-01) is after to (2026-11-01)"))
    }

    @Test func unknownFieldIsLocatedWithSuggestion() throws {
        let d = try #require(check("x = 1\n").first)  // undeclared global write
        #expect(d.location?.line == 1)
        let u = try #require(check("bury{ name = \"b\", whne = function(u, i) return true end }").first)
        #expect(u.message.contains("unknown field 'whne'"))
        #expect(u.message.contains("did you mean 'when'"))
    }

    @Test func syntaxErrorIsLocated() throws {
        let d = try #require(check("promote{ name = \"a\",\n boost = }").first)
        #expect(d.code == "lua-syntax")
        #expect(d.location?.line == 2)
    }

    @Test func missingFileAndUnknownBlendSource() {
        let spec = StageSpec(
            name: "recs", kind: "rank", location: SourceLocation(file: "p.yaml", line: 9, column: 3),
            inputs: ["candidates": ["als", "itemcf"]],
            params: ["filters": .string("nope.lua"), "blend": .map([.init(key: "alss", value: .double(1))])])
        let pipeline = PipelineSpec(name: "t", file: "/tmp/p.yaml", baseDirectory: "/tmp", stages: [spec])
        let d = RankStage.declaration.check(spec, pipeline)
        #expect(d.map(\.code) == ["missing-file", "unknown-source"])
        #expect(d[1].hint?.contains("als") == true)
    }
}
