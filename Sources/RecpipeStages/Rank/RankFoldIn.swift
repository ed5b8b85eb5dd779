import Foundation
import RecpipeAlgorithms
import RecpipeData
import RecpipeEngine
import RecpipeSpec

/// `recpipe recommend --items a,b,c`: a new user's list ranked by the same rank stage as the
/// batch — its filters, promotions, pins, bury rules, category cap and `item_columns` — over the
/// candidates folded in from an `als` stage. The rank stage runs as it does in a pipeline, on
/// inputs made for the one user: the fold-in list as the als source, the cached items table, the
/// given items as what the user has seen, and no purchases (the user is new); without a profile,
/// `u`'s fields are nil and `u:has_tag` is false.
package enum RankFoldIn {
    /// The id the new user has in the result.
    package static let user = "(new user)"

    package static func rank(
        stage: StageSpec, pipeline: PipelineSpec, source: String, candidates: [(item: String, score: Float)],
        history: [String], items: Table?
    ) async throws -> Recommendations {
        let ids = candidates.map(\.item)
        let list = Candidates(
            source: source, users: IDMap([user]), items: IDMap(ids),
            lists: [candidates.indices.map { (Int32($0), candidates[$0].score) }])
        var inputs: [String: [StageContext.Input]] = [
            "candidates": [.init(stage: source, kind: .candidates, artifact: list)]
        ]
        if let items, let name = stage.inputs["items"]?.first {
            inputs["items"] = [.init(stage: name, kind: .table, artifact: items)]
        }
        if let name = stage.inputs["seen"]?.first {
            let distinct = Array(Set(history)).sorted()
            let m = SparseMatrix(
                rows: 1, cols: distinct.count, rowPointers: [0, distinct.count],
                columns: distinct.indices.map(Int32.init),
                values: [Float](repeating: 1, count: distinct.count))
            inputs["seen"] = [
                .init(
                    stage: name, kind: .interactions,
                    artifact: Interactions(users: IDMap([user]), items: IDMap(distinct), matrix: m))
            ]
        }
        if let name = stage.inputs["purchased"]?.first {
            let m = SparseMatrix(rows: 1, cols: 0, rowPointers: [0, 0], columns: [], values: [])
            inputs["purchased"] = [
                .init(
                    stage: name, kind: .interactions,
                    artifact: Interactions(users: IDMap([user]), items: IDMap([]), matrix: m))
            ]
        }
        // Only the fold-in's source is blended: its weight is the only one that counts.
        var spec = stage
        if let blend = spec.params["blend"]?.mapValue {
            spec.params["blend"] = .map(blend.filter { $0.key == source })
        }
        let context = StageContext(
            spec: spec, declaration: RankStage.declaration, pipeline: pipeline, inputs: inputs,
            runDirectory: FileManager.default.temporaryDirectory.path, threads: 1)
        let output = try await RankStage().run(context)
        guard let recs = output.artifact as? Recommendations else {
            throw StageError("rank stage '\(stage.name)' returned no recommendations", code: .emptyResult)
        }
        return recs
    }
}
