import Foundation
import RecpipeAlgorithms
import RecpipeCore
import RecpipeData
import RecpipeEngine
import RecpipeSpec
import RecpipeStages

/// The last successful run of a pipeline, loaded from its cache for serving: the rank plan and
/// rules of its rank stage, the tag rules and profiles, the ALS factors, the event schema of its
/// ingest stage and the settings of its feature and interaction encoders.
package struct ServedPipeline: Sendable {
    package var spec: PipelineSpec
    package var rankStage: String
    /// The rank result's fingerprint (what `/v1/status` calls the loaded run).
    package var rankFingerprint: String
    package var ranker: OnlineRanker
    package var tagStage: String?
    package var tagger: OnlineTagger?
    /// The profiles table without its `tags` column, and its id column.
    package var profiles: Table
    package var profileIDColumn: String
    package var batchTags: [String: [String]]
    package var factorsStage: String?
    package var factors: Factors?
    package var model: ALSModel?
    /// The interactions the ALS stage trained on (a batch user's history for fold-in).
    package var alsInput: Interactions?
    /// Event type → weight of the ALS input's encoder (nil: every event weighs 1).
    package var alsWeights: [String: Double]?
    /// The same for the rank stage's `seen` and `purchased` inputs (which events join each set).
    package var seenWeights: [String: Double]?
    package var purchasedWeights: [String: Double]?
    package var events: EventSchema
    package var updater: ProfileUpdater
    /// Item id → (category, price) from the rank stage's items table.
    package var itemInfo: [String: ItemInfo]

    package struct ItemInfo: Sendable {
        package var category: String?
        package var price: Double?
    }

    /// Loads the last run of `rankStage` (default: the pipeline's only rank stage) from `store`.
    package static func load(_ spec: PipelineSpec, store: ArtifactStore, rankStage: String? = nil, pipelinePath: String) throws -> ServedPipeline {
        let ranks = spec.stages.filter { $0.kind == "rank" && $0.derivedFrom == nil }
        let stage: StageSpec
        if let name = rankStage {
            guard let s = ranks.first(where: { $0.name == name }) else {
                throw ServeError.setup(
                    "'\(name)' is not a rank stage of the pipeline (rank stages: \(ranks.map(\.name).joined(separator: ", ")))")
            }
            stage = s
        } else if ranks.count == 1 {
            stage = ranks[0]
        } else if ranks.isEmpty {
            throw ServeError.setup(
                "the pipeline has no rank stage: serve answers from a rank stage's plan (add a `uses: rank` stage; see pipelines/demo.yaml)")
        } else {
            throw ServeError.setup("the pipeline has several rank stages (\(ranks.map(\.name).joined(separator: ", "))); choose one with --stage")
        }
        let state = store.loadState()
        guard let rankFP = state.stages[stage.name]?.current.value else {
            throw ServeError.setup("stage '\(stage.name)' has no result yet; run the pipeline first:\n  recpipe run \(pipelinePath)")
        }
        let context = try Self.context(stage, spec: spec, store: store, state: state, pipelinePath: pipelinePath)
        let ranker = try OnlineRanker(context: context)
        let byName = Dictionary(spec.stages.map { ($0.name, $0) }) { a, _ in a }

        // Profiles and their tag rules.
        var profiles = ranker.profiles ?? Table()
        var batchTags: [String: [String]] = [:]
        let idColumn = profiles.columnIndex("user_id") != nil ? "user_id" : (profiles.columnNames.first ?? "user_id")
        if let tagCol = profiles.columnIndex("tags"), let idCol = profiles.columnIndex(idColumn) {
            for r in 0..<profiles.rowCount {
                let tags = (profiles.string(row: r, col: tagCol) ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
                batchTags[profiles.value(row: r, col: idCol).idText ?? ""] = tags.filter { !$0.isEmpty }
            }
            profiles = try profiles.selecting(profiles.columnNames.filter { $0 != "tags" })
        }
        let tagSpec = stage.inputs["profiles"]?.first.flatMap { byName[$0] }.flatMap { $0.kind == "tag" ? $0 : nil }
        let tagger = try tagSpec.map { try OnlineTagger(stage: $0, pipeline: spec) }

        // ALS factors among the candidate sources.
        var factorsStage: String?, factors: Factors?
        for input in context.inputs["candidates"] ?? [] {
            if let f = input.artifact as? Factors {
                factorsStage = input.stage
                factors = f
                break
            }
        }
        func weights(_ encoder: String?) -> [String: Double]? {
            encoder.flatMap { byName[$0]?.params["weights"]?.mapValue }.map { m in
                Dictionary(m.map { ($0.key, $0.value.doubleValue ?? 0) }) { a, _ in a }
            }
        }
        var alsInput: Interactions?, alsWeights: [String: Double]?
        if let name = factorsStage, let als = byName[name], let src = als.inputs.values.first?.first,
            let fp = state.stages[src]?.current.value
        {
            alsInput = (try? store.load(fp))?.artifact as? Interactions
            alsWeights = weights(src)
        }
        let model = try factors.map { try ALSQueries.buildModel($0) }

        // Event schema (the ingest under the features encoder) and feature settings.
        let featuresSpec = tagSpec.flatMap { $0.inputs["features"]?.first }.flatMap { byName[$0] }
        let encoder = featuresSpec ?? factorsStage.flatMap { byName[$0]?.inputs.values.first?.first }.flatMap { byName[$0] }
        let events = try EventSchema(encoder: encoder, stages: byName)
        let updater = ProfileUpdater(profiles: profiles, encoder: featuresSpec, asOf: spec.asOf ?? ranker.asOf)

        var itemInfo: [String: ItemInfo] = [:]
        if let items = context.inputs["items"]?.first?.artifact as? Table {
            let idCol = items.columnIndex(stage.params["item_id_column"]?.stringValue ?? "item_id")
            let catName = featuresSpec?.params["category_shares"]?.stringValue ?? stage.params["category_column"]?.stringValue ?? "category"
            let catCol = items.columnIndex(catName)
            let priceCol = items.columnIndex(featuresSpec?.params["price_column"]?.stringValue ?? "price")
            if let idCol {
                for r in 0..<items.rowCount {
                    guard let id = items.value(row: r, col: idCol).idText else { continue }
                    itemInfo[id] = ItemInfo(
                        category: catCol.flatMap { items.isNull(row: r, col: $0) ? nil : items.value(row: r, col: $0).idText },
                        price: priceCol.flatMap { items.double(row: r, col: $0) })
                }
            }
        }
        return ServedPipeline(
            spec: spec, rankStage: stage.name, rankFingerprint: rankFP, ranker: ranker, tagStage: tagSpec?.name, tagger: tagger,
            profiles: profiles, profileIDColumn: idColumn, batchTags: batchTags, factorsStage: factorsStage, factors: factors,
            model: model, alsInput: alsInput, alsWeights: alsWeights, seenWeights: weights(stage.inputs["seen"]?.first),
            purchasedWeights: weights(stage.inputs["purchased"]?.first), events: events, updater: updater, itemInfo: itemInfo)
    }

    /// `stage`'s inputs loaded from the cache, as a run would hand them to it.
    static func context(
        _ stage: StageSpec, spec: PipelineSpec, store: ArtifactStore, state: ArtifactStore.State, pipelinePath: String
    ) throws -> StageContext {
        var inputs: [String: [StageContext.Input]] = [:]
        for (port, names) in stage.inputs {
            inputs[port] = try names.map { name in
                guard let fp = state.stages[name]?.current.value else {
                    throw ServeError.setup(
                        "stage '\(name)' (input '\(port)' of '\(stage.name)') has no result yet; run the pipeline first:\n  recpipe run \(pipelinePath)")
                }
                let loaded = try store.load(fp)
                return StageContext.Input(stage: name, kind: loaded.kind, artifact: loaded.artifact)
            }
        }
        return StageContext(
            spec: stage, pipeline: spec, inputs: inputs, runDirectory: NSTemporaryDirectory(), threads: 1)
    }

    /// Whether an event of `type` counts under an encoder's `weights` (none given: every type).
    package static func counts(_ type: String?, in weights: [String: Double]?) -> Double? {
        guard let weights else { return 1 }
        guard let type, let w = weights[type], w > 0 else { return nil }
        return w
    }
}
