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
    /// `YᵀY` of the model's item factors, computed once here for every fold-in.
    package var gram: ALSItemGram?
    /// The matrix the ALS stage trained on and how its encoder weighs events (a user's row for
    /// fold-in: the batch row plus the events since).
    package var alsRows: OnlineInteractions?
    /// Item-kNN candidate sources (item-mode `cf` stages), re-scored for a user after events.
    package var itemKNN: [(knn: OnlineItemKNN, rows: OnlineInteractions)] = []
    /// Candidate sources whose lists stay as the run left them (user-mode `cf`, sources that are
    /// neither ALS nor item-kNN).
    package var keptSources: [String] = []
    /// The same for the rank stage's `seen` and `purchased` inputs (which events join each set).
    package var seenWeights: [String: Double]?
    package var purchasedWeights: [String: Double]?
    /// The rank stage's `purchased` matrix (else `seen`): a batch user's purchased items, for
    /// `distinct_items` online.
    package var purchasedRows: OnlineInteractions?
    package var events: EventSchema
    /// The `user_features` encoder (the profile's features), and the rank stage's `seen` and
    /// `purchased` encoders: an event their `clean` steps drop does not reach them.
    package var featuresStage: String?
    package var seenStage: String?
    package var purchasedStage: String?
    package var updater: ProfileUpdater
    /// Each batch user's first and last event day (the span of active days grows online).
    package var eventDays: [String: (first: Int, last: Int)] = [:]
    /// Item id → (category, price) from the rank stage's items table.
    package var itemInfo: [String: ItemInfo]
    /// The lists of an item-kNN `cf` stage with `output: similar_items`, which answer
    /// `/v1/items/{id}/similar` when the pipeline has one with a result (else the ALS factors).
    package var similarItems: (stage: String, lists: SimilarItems)?
    /// Such stages without a result yet (named at start: their lists are not served).
    package var similarItemsNotRun: [String] = []

    package struct ItemInfo: Sendable {
        package var category: String?
        package var price: Double?
    }

    /// Loads the last run of `rankStage` (default: the pipeline's only rank stage) from `store`.
    package static func load(_ spec: PipelineSpec, store: ArtifactStore, rankStage: String? = nil, pipelinePath: String)
        throws -> ServedPipeline
    {
        let ranks = spec.stages.filter { $0.kind == "rank" && $0.derivedFrom == nil }
        let stage: StageSpec
        if let name = rankStage {
            guard let s = ranks.first(where: { $0.name == name }) else {
                throw ServeError.setup(
                    "'\(name)' is not a rank stage of the pipeline (rank stages: \(ranks.map(\.name).joined(separator: ", ")))"
                )
            }
            stage = s
        } else if ranks.count == 1 {
            stage = ranks[0]
        } else if ranks.isEmpty {
            throw ServeError.setup(
                "the pipeline has no rank stage: serve answers from a rank stage's plan (add a `uses: rank` stage; see pipelines/demo.yaml)"
            )
        } else {
            throw ServeError.setup(
                "the pipeline has several rank stages (\(ranks.map(\.name).joined(separator: ", "))); choose one with --stage"
            )
        }
        let state = store.loadState()
        guard let rankFP = state.stages[stage.name]?.current.value else {
            throw ServeError.setup(
                "stage '\(stage.name)' has no result yet; run the pipeline first:\n  recpipe run \(pipelinePath)")
        }
        let context = try Self.context(stage, spec: spec, store: store, state: state, pipelinePath: pipelinePath)
        var ranker = try OnlineRanker(context: context)
        let byName = Dictionary(spec.stages.map { ($0.name, $0) }) { a, _ in a }
        // Users nobody knows get the popular stage's overall list (recomputed from its input).
        if let name = context.inputs["popular"]?.first?.stage, let popular = byName[name], popular.kind == "popular" {
            let popularContext = try Self.context(
                popular, spec: spec, store: store, state: state, pipelinePath: pipelinePath)
            ranker = try ranker.withFallback(popular: popularContext)
        }

        // Profiles and their tag rules.
        var profiles = ranker.profiles ?? Table()
        var batchTags: [String: [String]] = [:]
        let idColumn = profiles.columnIndex("user_id") != nil ? "user_id" : (profiles.columnNames.first ?? "user_id")
        if let rows = TagColumn.rows(of: profiles), let idCol = profiles.columnIndex(idColumn) {
            for (r, tags) in rows.enumerated() { batchTags[profiles.value(row: r, col: idCol).idText ?? ""] = tags }
            profiles = try profiles.selecting(profiles.columnNames.filter { $0 != TagColumn.name })
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
        let asOf = spec.asOf ?? ranker.asOf
        // How the encoder `name` (an `encode target: interactions` stage) weighs events.
        func rows(_ name: String?, _ matrix: Interactions?) -> OnlineInteractions? {
            guard let name, let enc = byName[name], enc.kind == "encode", let matrix else { return nil }
            return OnlineInteractions(spec: enc, matrix: matrix, asOf: asOf)
        }
        var alsRows: OnlineInteractions?
        if let name = factorsStage, let als = byName[name], let src = als.inputs.values.first?.first,
            let fp = state.stages[src]?.current.value
        {
            alsRows = rows(src, (try? store.load(fp))?.artifact as? Interactions)
        }
        let purchasedPort = context.inputs["purchased"]?.first ?? context.inputs["seen"]?.first
        let purchasedRows = rows(purchasedPort?.stage, purchasedPort?.artifact as? Interactions)
        var itemKNN: [(knn: OnlineItemKNN, rows: OnlineInteractions)] = []
        var keptSources: [String] = []
        for input in context.inputs["candidates"] ?? [] where input.stage != factorsStage {
            guard let cf = byName[input.stage], cf.kind == "cf" else {
                keptSources.append(input.stage)
                continue
            }
            let cfContext = try Self.context(cf, spec: spec, store: store, state: state, pipelinePath: pipelinePath)
            let source = cf.inputs.values.first?.first
            if let knn = try OnlineItemKNN(context: cfContext),
                let r = rows(source, cfContext.inputs.values.first?.first?.artifact as? Interactions)
            {
                itemKNN.append((knn, r))
            } else {
                keptSources.append(cf.name)
            }
        }
        let model = try factors.map { try ALSQueries.buildModel($0) }
        let gram = model?.itemGram()

        // Event schema (the ingest under the features encoder) and feature settings.
        let featuresSpec = tagSpec.flatMap { $0.inputs["features"]?.first }.flatMap { byName[$0] }
        let encoder =
            featuresSpec ?? factorsStage.flatMap { byName[$0]?.inputs.values.first?.first }.flatMap { byName[$0] }
        var events = try EventSchema(encoder: encoder, stages: byName)
        let updater = ProfileUpdater(profiles: profiles, encoder: featuresSpec, asOf: asOf)
        var eventDays: [String: (first: Int, last: Int)] = [:]
        if let source = featuresSpec?.inputs["events"]?.first, let fp = state.stages[source]?.current.value,
            let table = (try? store.load(fp))?.artifact as? Table
        {
            eventDays = updater.eventDays(table, userColumn: events.userColumn, timestampColumn: events.timestampColumn)
        }

        var itemInfo: [String: ItemInfo] = [:]
        if let items = context.inputs["items"]?.first?.artifact as? Table {
            let idCol = items.columnIndex(stage.params["item_id_column"]?.stringValue ?? "item_id")
            let catName =
                featuresSpec?.params["category_shares"]?.stringValue ?? stage.params["category_column"]?.stringValue
                ?? "category"
            let catCol = items.columnIndex(catName)
            let priceCol = items.columnIndex(featuresSpec?.params["price_column"]?.stringValue ?? "price")
            if let idCol {
                for r in 0..<items.rowCount {
                    guard let id = items.value(row: r, col: idCol).idText else { continue }
                    itemInfo[id] = ItemInfo(
                        category: catCol.flatMap {
                            items.isNull(row: r, col: $0) ? nil : items.value(row: r, col: $0).idText
                        },
                        price: priceCol.flatMap { items.double(row: r, col: $0) })
                }
            }
        }
        let named: [String?] = [featuresSpec?.name, alsRows?.stage, purchasedRows?.stage, stage.inputs["seen"]?.first]
        let encoders: [String] = named.compactMap { $0 } + itemKNN.map { $0.rows.stage }
        for name in Set(encoders).sorted() {
            if let spec = byName[name], spec.kind == "encode" {
                events.rowFilters.append(try OnlineRowFilter(encoder: spec, stages: byName))
            }
        }
        var served = ServedPipeline(
            spec: spec, rankStage: stage.name, rankFingerprint: rankFP, ranker: ranker, tagStage: tagSpec?.name,
            tagger: tagger,
            profiles: profiles, profileIDColumn: idColumn, batchTags: batchTags, factorsStage: factorsStage,
            factors: factors,
            model: model, gram: gram, alsRows: alsRows, itemKNN: itemKNN, keptSources: keptSources,
            seenWeights: weights(stage.inputs["seen"]?.first),
            purchasedWeights: weights(stage.inputs["purchased"]?.first), purchasedRows: purchasedRows, events: events,
            featuresStage: featuresSpec?.name, seenStage: stage.inputs["seen"]?.first,
            purchasedStage: stage.inputs["purchased"]?.first, updater: updater, eventDays: eventDays, itemInfo: itemInfo
        )
        for similar in spec.stages
        where similar.kind == "cf" && similar.params["output"]?.stringValue == "similar_items" {
            if let fp = state.stages[similar.name]?.current.value,
                let lists = try store.load(fp).artifact as? SimilarItems
            {
                if served.similarItems == nil { served.similarItems = (similar.name, lists) }
            } else {
                served.similarItemsNotRun.append(similar.name)
            }
        }
        return served
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
                        "stage '\(name)' (input '\(port)' of '\(stage.name)') has no result yet; run the pipeline first:\n  recpipe run \(pipelinePath)"
                    )
                }
                let loaded = try store.load(fp)
                return StageContext.Input(stage: name, kind: loaded.kind, artifact: loaded.artifact)
            }
        }
        guard let declaration = StageRegistry.catalog[stage.kind] else {
            throw ServeError.setup("stage '\(stage.name)' has kind '\(stage.kind)', which recpipe does not know")
        }
        return StageContext(
            spec: stage, declaration: declaration, pipeline: spec, inputs: inputs, runDirectory: NSTemporaryDirectory(),
            threads: 1)
    }

    /// Whether an event of `type` counts under an encoder's `weights` (none given: every type).
    package static func counts(_ type: String?, in weights: [String: Double]?) -> Double? {
        guard let weights else { return 1 }
        guard let type, let w = weights[type], w > 0 else { return nil }
        return w
    }
}
