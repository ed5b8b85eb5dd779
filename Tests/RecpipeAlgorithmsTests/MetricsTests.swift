import Foundation
import Testing

@testable import RecpipeAlgorithms

@Suite struct MetricsTests {
    /// ranked = [5, 3, 9, 1], relevant = {3, 1, 7}: hits at ranks 2 and 4.
    let ranked: [Int32] = [5, 3, 9, 1]
    let relevant: Set<Int32> = [3, 1, 7]
    let lg3 = 1 / log2(3.0), lg5 = 1 / log2(5.0)

    @Test func rmseAndMae() throws {
        // errors −1, 0, 2
        #expect(abs(try Metrics.rmse(predicted: [1, 2, 4], actual: [2, 2, 2]) - (5.0 / 3).squareRoot()) < 1e-12)
        #expect(try Metrics.mae(predicted: [1, 2, 4], actual: [2, 2, 2]) == 1)
        #expect(throws: AlgorithmError.self) { try Metrics.rmse(predicted: [1], actual: [1, 2]) }
        #expect(throws: AlgorithmError.self) { try Metrics.mae(predicted: [], actual: []) }
    }

    @Test func metricsAtThree() {
        #expect(Metrics.precision(ranked, relevant: relevant, k: 3) == 1.0 / 3)
        #expect(Metrics.recall(ranked, relevant: relevant, k: 3) == 1.0 / 3)
        #expect(abs(Metrics.ndcg(ranked, relevant: relevant, k: 3) - lg3 / (1 + lg3 + 0.5)) < 1e-12)
        #expect(Metrics.averagePrecision(ranked, relevant: relevant, k: 3) == (1.0 / 2) / 3)
        #expect(Metrics.hit(ranked, relevant: relevant, k: 3) == 1)
        #expect(Metrics.hit(ranked, relevant: relevant, k: 1) == 0)
    }

    @Test func kLargerThanTheListCountsMissingSlotsAsMisses() {
        #expect(Metrics.precision(ranked, relevant: relevant, k: 5) == 2.0 / 5)  // divided by k, not list length
        #expect(Metrics.recall(ranked, relevant: relevant, k: 5) == 2.0 / 3)
        #expect(abs(Metrics.ndcg(ranked, relevant: relevant, k: 5) - (lg3 + lg5) / (1 + lg3 + 0.5)) < 1e-12)
        #expect(abs(Metrics.averagePrecision(ranked, relevant: relevant, k: 5) - (0.5 + 0.5) / 3) < 1e-12)
    }

    @Test func fewerTestItemsThanK() {
        // one relevant item at rank 1: precision still /k; ideal DCG over one position.
        #expect(Metrics.precision([4, 2], relevant: [4], k: 10) == 0.1)
        #expect(Metrics.ndcg([4, 2], relevant: [4], k: 10) == 1)
        #expect(Metrics.averagePrecision([2, 4], relevant: [4], k: 10) == 0.5)
        #expect(Metrics.ndcg([], relevant: [], k: 10) == 0)
    }

    @Test func rankingFromTiedScoresUsesIndexOrder() {
        // items 1 and 3 tie at 0.9; the lower index ranks first.
        let order = TopK.indices(of: [0.1, 0.9, 0.5, 0.9], count: 3, excluding: [])
        #expect(order == [1, 3, 2])
        #expect(TopK.indices(of: [0.1, 0.9, 0.5, 0.9], count: 2, excluding: [1]) == [3, 2])
        #expect(Metrics.precision(order, relevant: [3], k: 1) == 0)
        #expect(Metrics.averagePrecision(order, relevant: [3], k: 2) == 0.5)
    }

    @Test func reportAveragesOverUsersWithTestItemsOnly() throws {
        let recs: [[Int32]] = [[5, 3, 9, 1], [0, 1], [2]]
        let test: [[Int32]] = [[3, 1, 7], [], [2]]
        let popularity = [10, 1, 5, 3, 0, 8, 2, 2, 2, 4]
        let r = try Metrics.ranking(
            recommendations: recs, relevant: test, k: 3, catalogSize: 10,
            itemPopularity: popularity, groups: [0: "a", 1: "a", 2: "b"])
        #expect(r.usersEvaluated == 2 && r.usersWithoutTest == 1)
        #expect(abs(r.precision - (1.0 / 3 + 1.0 / 3) / 2) < 1e-12)
        #expect(abs(r.recall - (1.0 / 3 + 1) / 2) < 1e-12)
        #expect(r.hitRate == 1)
        let ndcg0: Double = lg3 / (1 + lg3 + 0.5)
        #expect(abs(r.ndcg - (ndcg0 + 1) / 2) < 1e-12)
        #expect(abs(r.map - (1.0 / 6 + 1) / 2) < 1e-12)
        #expect(r.coverage == 0.4)  // {5, 3, 9, 2} of 10
        // user 0's top 3 = 5, 3, 9 → popularity (8 + 3 + 4)/3 = 5; user 2 → 5. Mean 5.
        #expect(r.meanPopularity == 5)
        // percentiles: below 8 → 8 of 10 items; below 3 → 5; below 4 → 6; below 5 → 7.
        let pct0: Double = (0.8 + 0.5 + 0.6) / 3
        let pct = try #require(r.meanPopularityPercentile)
        #expect(abs(pct - (pct0 + 0.7) / 2) < 1e-12)
        let a = try #require(r.groups["a"])
        #expect(a.usersEvaluated == 1 && a.usersWithoutTest == 1)
        #expect(a.precision == 1.0 / 3)
        #expect(try #require(r.groups["b"]).precision == 1.0 / 3)
        #expect(
            r.values.map(\.name).allSatisfy { name in
                Metrics.definitions.keys.contains(name.replacingOccurrences(of: "@3", with: "@k"))
            })
    }

    @Test func reportValidatesItsInputs() {
        #expect(throws: AlgorithmError.self) {
            try Metrics.ranking(recommendations: [[1]], relevant: [], k: 3, catalogSize: 5)
        }
        #expect(throws: AlgorithmError.self) {
            try Metrics.ranking(recommendations: [[1]], relevant: [[1]], k: 0, catalogSize: 5)
        }
        #expect(throws: AlgorithmError.self) {
            try Metrics.ranking(recommendations: [[9]], relevant: [[1]], k: 3, catalogSize: 5)
        }
        #expect(throws: AlgorithmError.self) {
            try Metrics.ranking(recommendations: [[1]], relevant: [[1]], k: 3, catalogSize: 5, itemPopularity: [1])
        }
    }

    @Test func definitionsCoverEveryMetric() {
        for key in [
            "rmse", "mae", "precision@k", "recall@k", "ndcg@k", "map@k", "hit_rate@k", "coverage@k",
            "popularity@k", "popularity_percentile@k",
        ] {
            #expect(Metrics.definitions[key] != nil)
        }
    }
}
