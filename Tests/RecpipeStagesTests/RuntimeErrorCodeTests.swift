import Foundation
import RecpipeAlgorithms
import RecpipeCore
import RecpipeData
import RecpipeSpec
import RecpipeTestSupport
import Testing

@testable import RecpipeEngine
@testable import RecpipeStages

/// Each stage's runtime failures carry a code that says what happened (the manifest's
/// `error_code`, `--json`), located at the parameter or the Lua line where that is known.
@Suite struct RuntimeErrorCodeTests {
    typealias F = RecommendFixtures

    static func failure(_ body: () async throws -> Void) async -> StageError? {
        do {
            try await body()
            return nil
        } catch {
            return StageError(wrapping: error)
        }
    }

    static let features = FeatureSet(
        table: Table.assemble([.strings("user_id", ["U1", "U2", "U3"]), .doubles("monetary", [900, 20, 300])]),
        idColumn: "user_id")

    // MARK: - Lua

    @Test func aLuaRuleErrorIsLuaRuntimeAtTheScriptLine() async throws {
        let script = TagStageTests.failing.replacingOccurrences(of: "u.missing_threshold", with: "nil")
        let ctx = try TagStageTests.context(script: script)
        let e = await Self.failure { _ = try await TagStage().run(ctx) }
        #expect(e?.code == "lua-runtime")
        #expect(e?.location == SourceLocation(file: "rules/tags.lua", line: 3, column: 1))
    }

    @Test func aRuleThatNeverEndsIsLuaBudget() async throws {
        let ctx = try TagStageTests.context(script: #"tag("spin", function(u) while true do end end)"#)
        let e = await Self.failure { _ = try await TagStage().run(ctx) }
        #expect(e?.code == "lua-budget")
        #expect(e?.location?.file == "rules/tags.lua" && e?.location?.line == 1)
        #expect(e?.message.contains("instruction budget of 1000000 instructions exceeded") == true)
    }

    // MARK: - Inputs and columns

    @Test func missingAndWrongInputs() async {
        let none = StageHarness.context("cluster", params: ["k": .int(2)])
        #expect(await Self.failure { _ = try await ClusterStage().run(none) }?.code == "missing-input")
        let wrong = StageHarness.context("cluster", params: ["k": .int(2)], inputs: ["features": [("m", F.small)]])
        #expect(await Self.failure { _ = try await ClusterStage().run(wrong) }?.code == "wrong-input")
    }

    @Test func aColumnTheDataLacksIsMissingColumnAtItsParameter() async throws {
        let at = SourceLocation(file: "p.yaml", line: 7, column: 20)
        let ctx = StageHarness.context(
            "cluster", params: ["k": .int(2), "columns": .list([.string("nope")])],
            inputs: ["features": [("f", Self.features)]], paramLocations: ["columns": at])
        let e = await Self.failure { _ = try await ClusterStage().run(ctx) }
        #expect(e?.code == "missing-column")
        #expect(e?.location == at)
        #expect(e?.message.contains("nope") == true)
    }

    @Test func nothingToWorkOnIsEmptyInput() async {
        let empty = FeatureSet(
            table: Table.assemble([.strings("user_id", []), .doubles("monetary", [])]), idColumn: "user_id")
        let cluster = StageHarness.context("cluster", params: ["k": .int(2)], inputs: ["features": [("f", empty)]])
        #expect(await Self.failure { _ = try await ClusterStage().run(cluster) }?.code == "empty-input")
        let events = Table.assemble([.strings("user_id", []), .strings("item_id", [])])
        let profile = StageHarness.context(
            "encode", params: ["target": .string("user_features")], inputs: ["events": [("e", events)]])
        #expect(await Self.failure { _ = try await EncodeStage().run(profile) }?.code == "empty-input")
    }

    // MARK: - Algorithms, databases, Spark

    @Test func aRefusedMemoryBudgetIsMemoryLimitAtMaxMemory() async {
        let at = SourceLocation(file: "p.yaml", line: 4, column: 30)
        let ctx = StageHarness.context(
            "cf", params: ["max_memory": .string("100B")], inputs: ["interactions": [("m", F.small)]],
            paramLocations: ["max_memory": at])
        let e = await Self.failure { _ = try await CFStage().run(ctx) }
        #expect(e?.code == "memory-limit")
        #expect(e?.location == at)
    }

    @Test func anUnreachableDatabaseIsDatabaseConnectionFailedAtFrom() async {
        let at = SourceLocation(file: "p.yaml", line: 3, column: 12)
        let from: ParamValue = .map([
            .init(key: "sqlite", value: .string("/nonexistent/shop.db")),
            .init(key: "query", value: .string("SELECT 1")),
        ])
        let ctx = StageHarness.context("ingest", params: ["from": from], paramLocations: ["from": at])
        let e = await Self.failure { _ = try await IngestStage().run(ctx) }
        #expect(e?.code == "database-connection-failed")
        #expect(e?.location == at)
    }

    @Test func aMissingSparkSubmitIsSparkMissing() async {
        let ctx = SparkTestSupport.sparkContext(
            "als", params: ["factors": .int(2), "iterations": .int(1)],
            inputs: ["interactions": [("m", ALSStageTests.shop)]],
            spark: SparkSettings(submit: "/nonexistent/bin/spark-submit"))
        #expect(await Self.failure { _ = try await ALSStage().run(ctx) }?.code == "spark-missing")
    }

    // MARK: - Errors a stage lets escape

    @Test func anEscapedErrorKeepsItsOwnCode() {
        let write = WriteError(code: 28, operation: "writing", path: "/out/recs.csv")
        #expect(StageError(wrapping: write).code == "write-failed")
        #expect(StageError(wrapping: TableError.unknownColumn("x", available: ["a"])).code == "missing-column")
        #expect(
            StageError(wrapping: AlgorithmError(.memoryLimitExceeded, "too big")).code == "memory-limit")
        #expect(StageError(wrapping: AlgorithmError(.failed, "singular")).code == "algorithm-failed")
        let ingest = IngestError(.badRow, path: "e.csv", "line 3: 2 fields")
        #expect(StageError(wrapping: ingest).code == "bad-row")
        // The text stays the error's own.
        #expect(StageError(wrapping: ingest).message == "\(ingest)")
    }
}
