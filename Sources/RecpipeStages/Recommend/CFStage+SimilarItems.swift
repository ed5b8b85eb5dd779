import RecpipeAlgorithms
import RecpipeData
import RecpipeEngine

extension CFStage {
    /// `output: similar_items`: the item–item lists the scoring would use, each item's
    /// `neighbors` most similar other items (cosine's lists include the item itself, so one more
    /// is computed and the item dropped), without scoring users.
    func similarItems(_ data: Interactions, _ settings: Settings, _ context: StageContext) throws -> StageOutput {
        var s = settings
        if s.options.measure == .cosine { s.k += 1 }
        let clock = ContinuousClock()
        let started = clock.now
        let neighbors: NeighborLists
        do {
            guard let lists = try Self.itemNeighbors(data.matrix, s) else {
                throw StageError(
                    "stage '\(context.stageName)': `output: similar_items` needs `mode: item`",
                    code: .invalidParam, at: context.location(of: "output"))
            }
            neighbors = lists
        } catch let error as AlgorithmError {
            throw Self.located(error, context)
        }
        let similar = SimilarItems(
            source: context.stageName, items: data.items, neighbors: neighbors, count: settings.k)
        let with = similar.itemsWithNeighbors, items = similar.lists.rowCount
        let mean = with > 0 ? Double(similar.rowCount) / Double(with) : 0
        return StageOutput(
            similar, rowsIn: data.matrix.nonZeroCount,
            counters: [.init("items_with_neighbors", with), .init("items_without_neighbors", items - with)],
            notes: [
                String(
                    format:
                        "similar items (%@, k=%d): %d of %d items have similar items, %.1f per item on average (the item itself and similarities ≤ 0 left out); fit %.3f s",
                    settings.options.measure.rawValue, settings.k, with, items, mean, (clock.now - started).seconds)
            ])
    }
}
