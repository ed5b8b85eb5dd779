import Foundation
import Testing

@testable import RecpipeAlgorithms

/// Reference checks on MovieLens 100k (skipped when the data set is absent).
@Suite struct KNNMovieLensTests {
    struct Ratings: Sendable {
        var users: [Int32] = [], items: [Int32] = [], values: [Float] = []
    }

    /// u.data, ids shifted to 0-based, loaded once for all tests.
    static let ratings: Ratings? = {
        guard
            let rows = try? KNNTestFixtures.readIntegerRows(
                KNNTestFixtures.ratingsPath, separator: 9, skipHeader: false)
        else { return nil }
        var r = Ratings()
        for row in rows where row.count >= 3 {
            r.users.append(Int32(row[0] - 1))
            r.items.append(Int32(row[1] - 1))
            r.values.append(Float(row[2]))
        }
        return r
    }()

    /// Fold 0 of a seeded 5-fold shuffle: a random 80/20 split (train entries, test entries).
    static func split8020(_ r: Ratings) throws -> (train: [Int], test: [Int]) {
        let fold = try Split.foldAssignment(count: r.users.count, folds: 5, seed: 42)
        var train: [Int] = [], test: [Int] = []
        for e in 0..<fold.count { if fold[e] == 0 { test.append(e) } else { train.append(e) } }
        return (train, test)
    }

    static func matrix(_ r: Ratings, _ entries: [Int], rows: Int, cols: Int) -> SparseMatrix {
        KNNTestFixtures.csr(
            rows: rows, cols: cols, rowOf: entries.map { Int(r.users[$0]) },
            colOf: entries.map { Int(r.items[$0]) }, values: entries.map { r.values[$0] })
    }

    @Test(.enabled(if: KNNTestFixtures.hasRatings, "needs ml-100k/u.data under shared/data"))
    func userBasedKNNWithMeansMsdOnA8020Split() throws {
        let r = try #require(Self.ratings)
        #expect(r.users.count == 100_000)
        let split = try Self.split8020(r)
        let train = Self.matrix(r, split.train, rows: 943, cols: 1682)
        let clock = ContinuousClock()
        let start = clock.now
        let model = try KNNPredictor(ratings: train, configuration: .init(kind: .withMeans, userBased: true, k: 40))
        let predictions = try model.predict(
            users: split.test.map { Int(r.users[$0]) }, items: split.test.map { Int(r.items[$0]) })
        let elapsed = clock.now - start
        let rmse = try Metrics.rmse(predicted: predictions.map(\.value), actual: split.test.map { r.values[$0] })
        let mae = try Metrics.mae(predicted: predictions.map(\.value), actual: split.test.map { r.values[$0] })
        print("ml-100k KNNWithMeans user msd k=40: RMSE \(rmse) MAE \(mae), fit+predict \(elapsed)")
        #expect(rmse < 0.97)
    }

    @Test(
        .enabled(
            if: KNNTestFixtures.hasSplit, "needs ml-100k/split-ml-100k-pos-ge4-test20-seed42.csv under shared/data"))
    func itemKNNCosinePrecisionAt10OnThePositiveSplit() throws {
        var trainUsers: [Int] = [], trainItems: [Int] = []
        var test: [[Int32]] = Array(repeating: [], count: 943)
        let trainTag = -(Int(UInt8(ascii: "t")) * 256 + Int(UInt8(ascii: "r")))
        for row in try KNNTestFixtures.readIntegerRows(KNNTestFixtures.splitPath, separator: 44, skipHeader: true)
        where row.count >= 5 {
            let u = row[0] - 1, i = row[1] - 1
            if row[4] == trainTag {
                trainUsers.append(u)
                trainItems.append(i)
            } else {
                test[u].append(Int32(i))
            }
        }
        let ui = KNNTestFixtures.csr(
            rows: 943, cols: 1682, rowOf: trainUsers, colOf: trainItems,
            values: [Float](repeating: 1, count: trainUsers.count))
        var popularity = [Int](repeating: 0, count: 1682)
        for c in ui.columns { popularity[Int(c)] += 1 }
        let clock = ContinuousClock()
        var lines: [String] = []
        for (name, w) in [("cosine", KNNWeighting.none), ("tfidf", .tfidf), ("bm25", .bm25())] {
            let start = clock.now
            let model = try KNNItemRecommender(userItems: ui, neighbors: 20, weighting: w)
            let recs = try model.recommend(userItems: ui, count: 10)
            let elapsed = clock.now - start
            let report = try Metrics.ranking(
                recommendations: recs.indexLists(), relevant: test, k: 10,
                catalogSize: 1682, itemPopularity: popularity)
            lines.append(
                "ml-100k pos-ge4 item-kNN \(name) K=20: P@10 \(report.precision) R@10 \(report.recall) "
                    + "NDCG@10 \(report.ndcg) MAP@10 \(report.map) users \(report.usersEvaluated), fit+recommend \(elapsed)"
            )
            if name == "cosine" { #expect(report.precision > 0.1) }
        }
        print(lines.joined(separator: "\n"))
    }
}
