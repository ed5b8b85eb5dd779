import Foundation
import RecpipeAlgorithms
import RecpipeData
import RecpipeEngine

/// The popularity baseline every evaluate stage measures itself: each user's k most popular
/// training items they have not interacted with. A model at or below it is said to be so — on
/// shop data, summed line counts made item-kNN no better than popularity (#12.7).
extension EvaluateStage {
    /// The baseline's ranking report on `split`. O(users · k + items log items).
    static func popularityBaseline(
        split: EvaluationSplit, relevant: [[Int32]], k: Int, popularity: [Int], context: StageContext
    ) throws -> RankingReport {
        let order = popularity.indices.sorted {
            popularity[$0] > popularity[$1] || (popularity[$0] == popularity[$1] && $0 < $1)
        }
        let m = split.train.matrix
        let lists = (0..<split.train.users.count).map { u -> [Int32] in
            let seen = Set(m.columns[m.rowRange(u)])
            var list: [Int32] = []
            for i in order where !seen.contains(Int32(i)) {
                list.append(Int32(i))
                if list.count == k { break }
            }
            return list
        }
        return try ranking(
            lists, relevant: relevant, k: k, split: split, popularity: popularity, groups: nil, context: context)
    }

    /// A warning for a model whose precision@k and NDCG@k are both at or below the baseline's.
    static func baselineWarning(_ name: String, _ report: RankingReport, baseline: RankingReport, k: Int) -> String? {
        let (p, bp, n, bn) = (report.precision, baseline.precision, report.ndcg, baseline.ndcg)
        guard report.usersEvaluated > 0, p <= bp, n <= bn else { return nil }
        return String(
            format:
                "%@ is at or below popularity: precision@%d %.4f vs %.4f, ndcg@%d %.4f vs %.4f for each user's most popular unseen items; "
                + "on purchase data try `binarize: true` in the encode stage that feeds it (repeat lines otherwise dominate), or more neighbours / factors",
            name, k, p, bp, k, n, bn)
    }
}
