import Foundation
import RecpipeAlgorithms
import RecpipeCore
import RecpipeData
import RecpipeSpec
import RecpipeTestSupport
import Testing

@testable import RecpipeEngine
@testable import RecpipeStages

/// The `als` and `cluster` stages on a real Spark (`local[2]`): parity with the native stage at
/// matched settings, and a failing job. Few tests: every one starts a JVM (tens of seconds).
@Suite(.enabled(if: SparkTestSupport.enabled, Comment(rawValue: SparkTestSupport.reason)))
struct SparkRunTests {
    static let movieLens = TestSupport.sharedDataDirectory + "/ml-100k/split-ml-100k-pos-ge4-test20-seed42.csv"

    /// The ml-100k positive split: training interactions (rating as value) and test items per user.
    static func movieLensSplit() throws -> (Interactions, [Int: Set<Int32>]) {
        let s = try TestSupport.movieLensSplit()
        let m = SparseMatrix(rows: s.users, cols: s.items, triplets: s.train)
        let test = s.test.mapValues { Set($0.map(Int32.init)) }
        return (
            Interactions(
                users: IDMap((1...s.users).map(String.init)), items: IDMap((1...s.items).map(String.init)), matrix: m),
            test
        )
    }

    /// Mean P@10 and NDCG@10 (binary relevance) of the stored candidates over users with test items.
    static func quality(_ f: Factors, _ test: [Int: Set<Int32>]) -> (precision: Double, ndcg: Double) {
        var p = 0.0, n = 0.0
        for (u, relevant) in test {
            let ranked = f.candidates.range(user: u).prefix(10).map { f.candidates.itemIndices[$0] }
            var dcg = 0.0, idcg = 0.0
            for (rank, item) in ranked.enumerated() where relevant.contains(item) { dcg += 1 / log2(Double(rank + 2)) }
            for rank in 0..<min(10, relevant.count) { idcg += 1 / log2(Double(rank + 2)) }
            p += Double(ranked.filter(relevant.contains).count) / 10
            n += dcg / idcg
        }
        return (p / Double(test.count), n / Double(test.count))
    }

    @Test(
        .enabled(
            if: FileManager.default.fileExists(atPath: movieLens),
            "needs ml-100k/split-ml-100k-pos-ge4-test20-seed42.csv under shared/data"))
    func alsOnSparkMatchesNativeRankingQualityOnMovieLens() async throws {
        let (train, test) = try Self.movieLensSplit()
        // Spark's settings, written out for the native stage: c = 1 + α·r, λ·n, exact solves.
        let params: [String: ParamValue] = [
            "factors": .int(16), "iterations": .int(10), "regularization": .double(0.1), "alpha": .double(1),
            "confidence": .string("one_plus"), "regularization_scaling": .string("per_count"),
            "solver": .string("cholesky"),
            "candidates": .int(10),
        ]
        let inputs: [String: [(stage: String, artifact: any Artifact)]] = ["interactions": [("m", train)]]
        let spark = SparkTestSupport.sparkContext(
            "als", params: params, inputs: inputs, spark: SparkTestSupport.settings)
        let native = SparkTestSupport.sparkContext(
            "als", params: params, inputs: inputs, spark: SparkTestSupport.settings, engine: .native)
        let sparkOut = try await ALSStage().run(spark)
        let nativeOut = try await ALSStage().run(native)
        let s = try #require(sparkOut.artifact as? Factors), n = try #require(nativeOut.artifact as? Factors)
        let qs = Self.quality(s, test), qn = Self.quality(n, test)
        print(
            String(
                format: "ml-100k ALS f=16 ×10: spark P@10 %.4f NDCG@10 %.4f, native P@10 %.4f NDCG@10 %.4f",
                qs.precision, qs.ndcg, qn.precision, qn.ndcg))
        #expect(abs(qs.precision - qn.precision) <= 0.01)
        #expect(abs(qs.ndcg - qn.ndcg) <= 0.01)
        #expect(qs.precision > 0.15)
        // The same artifact as a native run: settings that fold-in and recommend read back.
        #expect(
            s.settings["engine"] == "spark" && s.settings["confidence"] == "one_plus"
                && s.settings["solver"] == "cholesky")
        #expect(try ALSSettings.model(from: s).factors == 16)
        #expect(s.users == train.users && s.items == train.items && s.candidates.source == "als")
        #expect(sparkOut.notes.contains { $0.hasPrefix("trained on Spark (master local[2])") })
        // The work directory is gone; the log stays in the run directory.
        #expect(!FileManager.default.fileExists(atPath: spark.runDirectory + "/spark/als"))
        #expect(FileManager.default.fileExists(atPath: spark.runDirectory + "/spark-als.log"))
    }

    /// Seeded Gaussian blobs: `n` rows of `d` columns around `k` centres in [−10, 10]^d.
    static func blobs(n: Int, d: Int, k: Int, seed: UInt64) -> Table {
        var rng = SeededGenerator(seed: seed)
        let centres = (0..<(k * d)).map { _ in (rng.nextDouble() * 2 - 1) * 10 }
        var columns = [[Double]](repeating: [], count: d)
        for i in 0..<n {
            for t in 0..<d { columns[t].append(centres[(i % k) * d + t] + rng.nextGaussian()) }
        }
        return Table.assemble(
            [.strings("user_id", (0..<n).map { "u\($0)" })] + columns.enumerated().map { .doubles("x\($0)", $1) })
    }

    @Test func kmeansOnSparkMatchesNativeInertiaOnBlobs() async throws {
        let table = Self.blobs(n: 3000, d: 4, k: 6, seed: 7)
        let params: [String: ParamValue] = [
            "k": .int(6), "n_init": .int(2), "max_iter": .int(100), "tol": .double(1e-4), "algorithm": .string("auto"),
            "scale": .string("none"),
        ]
        let inputs: [String: [(stage: String, artifact: any Artifact)]] = [
            "features": [("f", FeatureSet(table: table, idColumn: "user_id"))]
        ]
        let spark = SparkTestSupport.sparkContext(
            "cluster", params: params, inputs: inputs, spark: SparkTestSupport.settings)
        let native = SparkTestSupport.sparkContext(
            "cluster", params: params, inputs: inputs, spark: SparkTestSupport.settings, engine: .native)
        let s = try #require(try await ClusterStage().run(spark).artifact as? Segments)
        let n = try #require(try await ClusterStage().run(native).artifact as? Segments)
        print("blobs 3000×4 k=6: spark inertia \(s.inertia), native \(n.inertia)")
        #expect(abs(s.inertia - n.inertia) <= 0.01 * n.inertia)
        #expect(s.users == n.users && s.k == 6 && s.sizes.reduce(0, +) == 3000)
        // Labels agree up to renaming: each Spark cluster is one native cluster.
        var pairs = Set<[Int32]>()
        for (a, b) in zip(s.labels, n.labels) { pairs.insert([a, b]) }
        #expect(pairs.count == 6)
    }

    @Test func aFailedSparkJobIsAFailedStageWithItsLastErrorLines() async throws {
        var settings = SparkTestSupport.settings
        settings.master = "bogus://nowhere"
        let ctx = SparkTestSupport.sparkContext(
            "als", params: ["factors": .int(2), "iterations": .int(1), "candidates": .int(3)],
            inputs: ["interactions": [("m", ALSStageTests.shop)]], spark: settings)
        let error = await #expect(throws: StageError.self) { try await ALSStage().run(ctx) }
        let message = error?.message ?? ""
        #expect(message.hasPrefix("stage 'als': the Spark job failed (spark-submit exited with status "))
        #expect(
            message.contains(
                "org.apache.spark.SparkException: Master must either be yarn or start with spark, k8s, or local"),
            "\(message)")
        #expect(!message.contains("Using Spark's default log4j profile"))
        #expect(!message.contains("\tat "))
        #expect(error?.hint == "the whole log is in \(ctx.runDirectory)/spark-als.log")
        // No partial result is left behind.
        #expect(!FileManager.default.fileExists(atPath: ctx.runDirectory + "/spark/als"))
    }
}
