import Foundation
import RecpipeCore
import RecpipeData
import RecpipeEngine
import RecpipeSpec
import RecpipeTestSupport
import Testing

@testable import RecpipeStages

/// The shared stage support: one path resolver for validation and runs, one tag-column parser.
@Suite struct StageSupportTests {
    static let home = FileManager.default.homeDirectoryForCurrentUser.path

    func rankSpec(filters: String) -> (StageSpec, PipelineSpec) {
        let spec = StageSpec(
            name: "recs", kind: "rank", location: SourceLocation(file: "p.yaml", line: 9, column: 3),
            inputs: ["candidates": ["als"]], params: ["filters": .string(filters)])
        return (spec, PipelineSpec(name: "t", file: "/tmp/p.yaml", baseDirectory: "/tmp", stages: [spec]))
    }

    @Test func homeRelativePathsResolveUnderHome() {
        #expect(PipelinePath.resolve("~/rules/x.lua", base: "/p/q") == Self.home + "/rules/x.lua")
        #expect(PipelinePath.resolve("rules/../x.lua", base: "/p/q") == "/p/q/x.lua")
        #expect(PipelinePath.resolve("/abs/x.lua", base: "/p/q") == "/abs/x.lua")
        #expect(StageContext.resolve("~/x", base: "/p") == PipelinePath.resolve("~/x", base: "/p"))
    }

    /// `filters: ~/x.lua` validates when the file is there, and the run reads the same file.
    @Test func rulesUnderHomeValidateAsTheyRun() throws {
        let name = ".recpipe-test-\(UUID().uuidString).lua"
        let file = Self.home + "/" + name
        try "filter(\"in_stock\", function(u, item) return true end)\n".write(
            toFile: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: file) }
        let (spec, pipeline) = rankSpec(filters: "~/" + name)
        let found = RankStage.declaration.check(spec, pipeline)
        #expect(found.isEmpty, "\(found)")
        let context = StageHarness.context("rank", params: spec.params, inputs: [String: [StageContext.Input]]())
        #expect(context.optionalPath("filters") == file)
    }

    @Test func aMissingHomeRulesFileIsLookedForUnderHome() throws {
        let name = ".recpipe-missing-\(UUID().uuidString).lua"
        let (spec, pipeline) = rankSpec(filters: "~/" + name)
        let d = try #require(RankStage.declaration.check(spec, pipeline).first)
        #expect(d.code == "missing-file")
        #expect(d.message.contains("looked at \(Self.home)/\(name)"))
    }

    @Test func tagTextIsSplitTrimmedAndEmptyEntriesDropped() {
        #expect(TagColumn.parse("loyal, big_spender ,,new ") == ["loyal", "big_spender", "new"])
        #expect(TagColumn.parse("") == [])
        #expect(TagColumn.parse(nil) == [])
        #expect(TagColumn.parse(TagColumn.text(["a", "b"])) == ["a", "b"])
    }

    /// The tag stage's record source and rank's profiles read one table's tags the same way.
    @Test func everyReaderOfTheTagColumnAgrees() throws {
        let table = try Table(
            schema: [Field("user_id", .string), Field("tags", .string)],
            rows: [[.string("u1"), .string("a, b")], [.string("u2"), .null], [.string("u3"), .string(" c ,")]])
        #expect(TagColumn.rows(of: table) == [["a", "b"], [], ["c"]])
        let source = TableRecordSource(table: table, idColumn: "user_id")
        #expect(source.has(set: "tags", row: 0, key: "b"))
        #expect(source.has(set: "tags", row: 2, key: "c"))
        #expect(!source.has(set: "tags", row: 0, key: " b"))
    }
}
