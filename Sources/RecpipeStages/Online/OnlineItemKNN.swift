import Foundation
import RecpipeAlgorithms
import RecpipeData
import RecpipeEngine

/// The item-kNN candidates of one user, scored as the `cf` stage (item mode) scores every user:
/// score(i) = Σ_{j ∈ row} x_j · sim(j, i) over the stage's neighbour lists, the row's items
/// excluded, the best `candidates` kept — so an unchanged row gives the stored batch list, and a
/// row with new events gives the list the stage would give that row.
///
/// The neighbour lists (item–item similarities) are computed once, from the stage's training
/// matrix in the cache, with its parameters; events after the run change a user's row, not the
/// similarities (as ALS fold-in keeps the item factors). User mode has no per-item lists: nil.
///
/// Complexity: building as the stage's similarity pass; one user O(Σ_{j ∈ row} |N(j)| + items).
package struct OnlineItemKNN: Sendable {
    package let stage: String
    /// The items of the training matrix (the column ids of a row).
    package let items: IDMap
    let neighbors: NeighborLists
    let count: Int
    let minNeighbors: Int

    /// The neighbour lists of the `cf` stage of `context` (its inputs loaded as a run hands them);
    /// nil in user mode.
    package init?(context: StageContext) throws {
        let settings = try CFStage.settings(context)
        let data = try context.trainingInteractions()
        let lists: NeighborLists?
        do {
            lists = try CFStage.itemNeighbors(data.matrix, settings)
        } catch {
            throw CFStage.located(error, context)
        }
        guard let lists else { return nil }
        stage = context.stageName
        items = data.items
        neighbors = lists
        count = settings.count
        minNeighbors = settings.minNeighbors
    }

    /// The candidates of a user whose training row is `row` (item index, value; one entry an item).
    package func candidates(_ row: [(item: Int, value: Float)]) -> [(item: String, score: Float)] {
        let sorted = row.sorted { $0.item < $1.item }
        let matrix = SparseMatrix(
            rows: 1, cols: items.count, rowPointers: [0, sorted.count], columns: sorted.map { Int32($0.item) },
            values: sorted.map(\.value))
        let lists = NeighborScoring.topN(
            first: matrix, second: neighbors.matrix(columns: items.count), seen: matrix, itemCount: items.count,
            count: count, minContributions: minNeighbors, threads: 1)
        return lists.row(0).map { (items[Int($0.index)], $0.score) }
    }

    /// The `n` items most similar to `item` (a column of ``items``), best first.
    package func similar(item: Int, n: Int) -> [(item: String, score: Float)] {
        guard item >= 0, item < items.count else { return [] }
        let range = neighbors.rowPointers[item]..<neighbors.rowPointers[item + 1]
        return zip(neighbors.indices[range], neighbors.scores[range]).prefix(n).map { (items[Int($0)], $1) }
    }
}
