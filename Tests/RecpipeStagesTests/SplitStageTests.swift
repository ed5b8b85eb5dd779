import Foundation
import RecpipeAlgorithms
import RecpipeData
import RecpipeSpec
import RecpipeTestSupport
import Testing

@testable import RecpipeStages

@Suite struct SplitStageTests {
    typealias F = RecommendFixtures

    /// u0: 5 entries, u1: 4, u2: 1, with increasing times (item e latest for u0).
    static let data = F.interactions(
        [[("a", 5), ("b", 4), ("c", 3), ("d", 2), ("e", 1)], [("a", 1), ("b", 2), ("c", 3), ("d", 4)], [("a", 3)]],
        items: ["a", "b", "c", "d", "e"], times: [[10, 20, 30, 40, 50], [40, 30, 20, 10], [5]])

    static func run(_ params: [String: ParamValue], seed: Int = 42, input: Interactions? = data) async throws
        -> EvaluationSplit
    {
        let inputs: [String: [(stage: String, artifact: any Artifact)]] =
            input.map { ["interactions": [("m", $0)]] } ?? [:]
        let out = try await SplitStage().run(StageHarness.context("split", params: params, inputs: inputs, seed: seed))
        return try #require(out.artifact as? EvaluationSplit)
    }

    /// (user, item) pairs of train and test.
    static func pairs(_ s: EvaluationSplit) -> (train: Set<String>, test: Set<String>) {
        var train = Set<String>(), test = Set<String>()
        for u in 0..<s.train.users.count {
            for p in s.train.matrix.rowRange(u) {
                train.insert("\(s.train.users[u])/\(s.train.items[Int(s.train.matrix.columns[p])])")
            }
            for p in s.testRange(user: u) { test.insert("\(s.train.users[u])/\(s.train.items[Int(s.testItems[p])])") }
        }
        return (train, test)
    }

    @Test func holdoutSizesPerUserAndDeterminism() async throws {
        let a = try await Self.run(["test_fraction": .double(0.2)])
        // round(0.2·5) = 1, round(0.2·4) = 1, round(0.2·1) = 0.
        #expect((0..<3).map { a.testRange(user: $0).count } == [1, 1, 0])
        #expect(a.train.rowCount == 8)
        let (train, test) = Self.pairs(a)
        #expect(train.isDisjoint(with: test) && train.count + test.count == 10)
        let b = try await Self.run(["test_fraction": .double(0.2)])
        #expect(a == b)
        let c = try await Self.run(["test_fraction": .double(0.2), "seed": .int(7)])
        let d = try await Self.run(["test_fraction": .double(0.2)], seed: 7)
        #expect(c == d)
        #expect(a.method == "holdout 0.2 seed 42")
    }

    @Test func leaveLastTakesTheLatestEntries() async throws {
        let s = try await Self.run(["method": .string("leave_last"), "n": .int(1)])
        #expect(Self.pairs(s).test == ["u0/e", "u1/a"])
        #expect(s.train.timestamps?.count == s.train.rowCount)
        let noTimes = F.small
        let text = await F.errorText { _ = try await Self.run(["method": .string("leave_last")], input: noTimes) }
        #expect(text.contains("`method: leave_last` needs event times"))
    }

    @Test func kfoldFoldsPartitionTheEntries() async throws {
        var tests = Set<String>()
        for fold in 0..<2 {
            let s = try await Self.run(["method": .string("kfold"), "folds": .int(2), "fold": .int(fold)])
            let (train, test) = Self.pairs(s)
            #expect(test.count == 5 && train.count == 5)
            #expect(tests.isDisjoint(with: test))
            tests.formUnion(test)
        }
        #expect(tests.count == 10)
        let text = await F.errorText {
            _ = try await Self.run(["method": .string("kfold"), "folds": .int(2), "fold": .int(2)])
        }
        #expect(text.contains("`fold` 2 is not below `folds` 2"))
    }

    @Test func minTestValueKeepsOnlyPositives() async throws {
        let s = try await Self.run(["method": .string("leave_last"), "min_test_value": .double(4)])
        // u0's latest (e = 1) is dropped, u1's latest (a = 1) too.
        #expect(s.testItems.isEmpty)
        let k = try await Self.run(["method": .string("kfold"), "folds": .int(2), "min_test_value": .double(3)])
        #expect(k.testValues.allSatisfy { $0 >= 3 })
    }

    @Test func fileMethodReadsAnExternalSplit() async throws {
        let dir = TestSupport.temporaryDirectory("cf-split")
        TestSupport.write(
            """
            user_id,item_id,rating,timestamp,split
            1,10,5,100,train
            1,20,3,200,test
            2,10,4,150,train
            2,30,4,300,train
            2,20,5,400,test
            """, to: "split.csv", in: dir)
        let params: [String: ParamValue] = ["method": .string("file"), "path": .string("split.csv")]
        let out = try await SplitStage().run(StageHarness.context("split", params: params, base: dir))
        let s = try #require(out.artifact as? EvaluationSplit)
        #expect(s.train.users.ids == ["1", "2"] && s.train.items.ids == ["10", "20", "30"])
        #expect(Self.pairs(s).train == ["1/10", "2/10", "2/30"])
        #expect(Self.pairs(s).test == ["1/20", "2/20"])
        #expect(s.testValues == [3, 5])
        #expect(s.train.timestamps == [100, 150, 300])
        #expect(s.method == "file split.csv")
        let bad = StageHarness.context(
            "split", params: params.merging(["split_column": .string("fold")]) { $1 }, base: dir)
        #expect(await F.errorText { _ = try await SplitStage().run(bad) }.contains("has no column 'fold'"))
    }

    @Test func checkAsksForPathAndInput() {
        let spec = StageHarness.context("split", params: ["method": .string("file")]).spec
        let problems = SplitStage.declaration.check(spec, StageHarness.context("split").pipeline).map(\.message)
        #expect(problems.contains { $0.contains("`method: file` needs `path`") })
        let holdout = StageHarness.context("split").spec
        #expect(
            SplitStage.declaration.check(holdout, StageHarness.context("split").pipeline).first?.message.contains(
                "needs an `interactions` input") == true)
    }
}
