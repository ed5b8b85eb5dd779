import Foundation
import RecpipeEngine
import RecpipeSpec
import RecpipeStages
import RecpipeTestSupport
import Testing

/// The recommend stages wired through a real pipeline file: split (file) → cf, popular → evaluate.
@Suite struct RecommendPipelineTests {
    @Test func splitCFPopularEvaluateRunEndToEnd() async throws {
        let dir = TestSupport.temporaryDirectory("cf-pipeline")
        var csv = "user_id,item_id,rating,timestamp,split\n"
        // 6 users × 6 items, a deterministic pattern; each user's last item is test.
        for u in 0..<6 {
            let items = (0..<4).map { (u + $0 * ($0 + 1) / 2) % 6 }
            for (n, i) in items.enumerated() {
                csv += "u\(u),i\(i),\(1 + (u + i) % 5),\(100 + n),\(n == 3 ? "test" : "train")\n"
            }
        }
        TestSupport.write(csv, to: "split.csv", in: dir)
        let yaml = """
            pipeline: recommend-test
            seed: 1
            stages:
              split:
                uses: split
                with: { method: file, path: split.csv }
              itemcf:
                uses: cf
                input: split
                with: { mode: item, neighbors: 5, candidates: 3 }
              usercf:
                uses: cf
                input: split
                with: { mode: user, similarity: pearson, neighbors: 5, candidates: 3 }
              popular:
                uses: popular
                input: split
                with: { candidates: 3 }
              metrics:
                uses: evaluate
                inputs: { split: split, models: [itemcf, usercf, popular] }
                with:
                  k: 3
                  rating_models: [{ name: means, kind: means, k: 3 }, { name: baseline, kind: baseline, k: 3 }]
            """
        let path = TestSupport.write(yaml, to: "p.yaml", in: dir)
        let loaded = PipelineLoader.load(path: path, catalog: StageRegistry.catalog)
        #expect(loaded.diagnostics.filter { $0.severity == .error }.isEmpty, "\(loaded.diagnostics)")
        let spec = try #require(loaded.spec)
        var options = RunOptions()
        options.cacheDirectory = dir + "/cache"
        let report = try await StageRegistry.runner.run(spec, options: options)
        #expect(report.failed.isEmpty, "\(report.failed.map { $0.error ?? "" })")
        let metrics = try #require(report.stages.first { $0.stage == "metrics" })
        for model in ["itemcf:", "usercf:", "popular:", "means:", "baseline:"] {
            #expect(metrics.notes.contains { $0.hasPrefix(model) }, "\(model) \(metrics.notes)")
        }
        #expect(metrics.rowsOut == 3 * 10 + 2 * 3)
    }

    @Test func benchPipelinesValidate() {
        for name in ["cf-ratings.yaml", "cf-implicit.yaml"] {
            let result = PipelineLoader.load(
                path: TestSupport.repositoryRoot + "/scripts/bench/" + name, catalog: StageRegistry.catalog)
            #expect(result.diagnostics.filter { $0.severity == .error }.isEmpty, "\(name): \(result.diagnostics)")
        }
    }
}
