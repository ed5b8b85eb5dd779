import Foundation
import RecpipeAlgorithms
import RecpipeCore
import RecpipeData
import RecpipeEngine
import RecpipeSpec

/// `evaluate`: full-ranking top-N metrics of candidate lists (and RMSE/MAE of kNN rating models)
/// against a split's test part, optionally broken down by segment.
///
/// Candidates must have been computed from the split's train part (feed `cf`/`als` the split).
/// Output: a `metrics` table (model, metric, group, value) and a readable block with each metric's
/// exact definition.
struct EvaluateStage: Stage {
    static let declaration = StageDeclaration(
        kind: "evaluate",
        summary:
            "Top-N metrics (precision/recall/NDCG/MAP@k, hit rate, coverage, popularity) and kNN RMSE/MAE on a split.",
        aliases: ["eval", "metrics", "evaluation", "score"],
        inputs: [
            PortSpec(
                "split", accepts: [.split], doc: "the split the models were trained on (its test part is the truth)"),
            PortSpec(
                "models", accepts: [.candidates, .factors, .recommendations], required: false, multiple: true,
                refitOn: "split",
                doc:
                    "the models to score: production stages (cf, als, popular, rank) are refitted on the split's train part with their own parameters (as `<evaluate>.<stage>`); a model already trained on the split is scored as is. Factors: their candidates (explicit ALS also RMSE/MAE); a rank stage: what users see after filters and promotions"
            ),
            PortSpec(
                "segments", accepts: [.segments, .profiles], required: false, doc: "per-user groups for a breakdown"),
        ],
        params: [
            ParamSpec("k", .int, default: .int(10), range: 1...100_000, doc: "cut-off of the ranking metrics"),
            ParamSpec(
                "group_column", .string, default: .string("segment"),
                doc: "profiles input: the column that names each user's group"),
            ParamSpec(
                "rating_models", .list(.map(.any)),
                doc:
                    "kNN rating predictors to fit on train and score on test (RMSE/MAE), e.g. [{name: knn_msd, kind: means, mode: user, similarity: msd, k: 40}]"
            ),
            ParamSpec(
                "rating_scale", .list(.float), default: .list([.double(1), .double(5)]),
                doc: "rating models: [min, max] predictions are clipped to"),
        ],
        output: .metrics,
        check: { spec, _ in
            let hasModels = !(spec.inputs["models"]?.isEmpty ?? true)
            let hasRating = !(spec.params["rating_models"]?.listValue?.isEmpty ?? true)
            if hasModels || hasRating { return [] }
            return [
                .error(
                    "missing-input", "stage '\(spec.name)': nothing to evaluate", at: spec.location,
                    hint: "connect `models: [cf, als]` (candidates) and/or set `rating_models`")
            ]
        })

    func run(_ context: StageContext) async throws -> StageOutput {
        let split = try context.input("split", as: EvaluationSplit.self)
        let k = context.int("k")
        var rows = MetricRows()
        var notes: [String] = ["split: \(split.method)"]
        var warnings: [String] = []
        let groups = try context.userGroups(users: split.train.users)
        let relevant = (0..<split.train.users.count).map { Array(split.testItems[split.testRange(user: $0)]) }
        var popularity = [Int](repeating: 0, count: split.train.items.count)
        for c in split.train.matrix.columns { popularity[Int(c)] += 1 }
        var used: Set<String> = []
        let baseline =
            (context.inputs["models"] ?? []).isEmpty
            ? nil
            : try Self.popularityBaseline(
                split: split, relevant: relevant, k: k, popularity: popularity, context: context)
        if let baseline {
            notes.append(
                Self.line(
                    "popularity baseline", [("precision@\(k)", baseline.precision), ("ndcg@\(k)", baseline.ndcg)]))
        }
        for input in context.inputs["models"] ?? [] {
            let candidates: Candidates
            var fallbackUsers: Set<Int32> = []
            if let c = input.artifact as? Candidates {
                candidates = c
            } else if let f = input.artifact as? Factors {
                candidates = f.candidates
            } else if let r = input.artifact as? Recommendations {
                // What users see: the ranked lists after filters, promotions, pins and the cap.
                candidates = Candidates(
                    source: input.stage, users: r.users, items: r.items, offsets: r.offsets, itemIndices: r.itemIndices,
                    scores: r.scores)
                fallbackUsers = Set(r.fallbackUsers)
            } else {
                throw StageError(
                    "input '\(input.stage)' on port 'models' is a \(input.kind), not candidates, factors or recommendations",
                    code: .wrongInput, at: context.spec.location)
            }
            let (lists, droppedItems, unknownUsers) = Self.align(candidates, to: split, fallbackUsers: fallbackUsers)
            if droppedItems + unknownUsers > 0 {
                warnings.append(
                    "\(input.stage): \(unknownUsers) users and \(droppedItems) candidate items are not in the split and were ignored"
                )
            }
            let report = try Self.ranking(
                lists, relevant: relevant, k: k, split: split, popularity: popularity, groups: groups, context: context)
            let name = used.insert(input.stage).inserted ? input.stage : "\(input.stage)#\(used.count)"
            rows.add(name, report, group: "all")
            for g in report.groups.keys.sorted() { rows.add(name, report.groups[g]!, group: g) }
            // With no test user to evaluate, every metric is undefined: n/a, null in the table.
            notes.append(
                Self.line(
                    name,
                    report.values.map { ($0.name, report.usersEvaluated == 0 ? .nan : $0.value) }
                        + [("users_evaluated", Double(report.usersEvaluated))]))
            if let baseline, let w = Self.baselineWarning(name, report, baseline: baseline, k: k) { warnings.append(w) }
            if report.usersEvaluated == 0 {
                warnings.append(
                    "\(name): no user has both candidates and test entries (\(split.testItems.count) test entries), so its metrics are n/a"
                )
            }
        }
        let splitName = context.spec.inputs["split"]?.first ?? ""
        for (model, inputs, filters) in Self.rederived(context.spec, in: context.pipeline) {
            notes.append(Self.rederivedNote(model, inputs, filters: filters, reports: context.finishedStages))
        }
        let unrefitted = Self.unrefitted(context.spec, in: context.pipeline)
        for (model, inputs) in unrefitted {
            notes.append(Self.unrefittedNote(model, inputs, split: splitName))
        }
        if let specs = context.param("rating_models")?.listValue, !specs.isEmpty {
            let results = try RatingEvaluation.run(specs, split: split, context: context)
            for r in results {
                rows.append(r.name, "rmse", "all", r.rmse)
                rows.append(r.name, "mae", "all", r.mae)
                rows.append(r.name, "fallback_share", "all", r.fallbackShare)
                notes.append(
                    Self.line(r.name, [("rmse", r.rmse), ("mae", r.mae), ("fallback_share", r.fallbackShare)])
                        + String(
                            format: "  (fit %.3f s, predict %.3f s, %d test ratings)", r.fitSeconds, r.predictSeconds,
                            r.count))
            }
        }
        // Explicit ALS factors on `models`: RMSE / MAE too (FactorsRatingEvaluation.swift).
        try FactorsRatingEvaluation.apply(to: &rows, notes: &notes, split: split, context: context)
        let ranked = !(context.inputs["models"]?.isEmpty ?? true)
        notes.append(
            ranked
                ? "definitions (k = \(k); full ranking over all items, no sampled negatives; precision@k divides hits by k):"
                : "definitions:")
        let names = Set(rows.metric.map { $0.replacingOccurrences(of: "@\(k)", with: "@k") })
        for key in Metrics.definitions.keys.sorted() where names.contains(key) {
            notes.append("  \(Metrics.definitions[key]!)")
        }
        if names.contains("fallback_share") {
            notes.append(
                "  fallback share = test ratings predicted without neighbours (user mean, baseline or global mean) / all test ratings"
            )
        }
        return StageOutput(
            rows.table, kind: .metrics, rowsIn: split.rowCount,
            counters: [
                .init(
                    "models",
                    (context.inputs["models"] ?? []).count + (context.param("rating_models")?.listValue?.count ?? 0)),
                .init("models_with_unrefitted_inputs", unrefitted.count),
            ],
            notes: notes, warnings: warnings)
    }

    // MARK: - Helpers

    static func ranking(
        _ lists: [[Int32]], relevant: [[Int32]], k: Int, split: EvaluationSplit, popularity: [Int],
        groups: [Int: String]?, context: StageContext
    ) throws -> RankingReport {
        do {
            return try Metrics.ranking(
                recommendations: lists, relevant: relevant, k: k, catalogSize: max(1, split.train.items.count),
                itemPopularity: split.train.items.count > 0 ? popularity : nil, groups: groups)
        } catch {
            throw StageError(error.message, code: .init(error.code), at: context.location(of: "k"))
        }
    }

    /// Candidate lists re-indexed to the split's users and items (by id). `fallbackUsers`: rows of
    /// `c` whose list is a rank stage's popular fallback.
    static func align(_ c: Candidates, to split: EvaluationSplit, fallbackUsers: Set<Int32> = []) -> (
        lists: [[Int32]], droppedItems: Int, unknownUsers: Int
    ) {
        var lists = [[Int32]](repeating: [], count: split.train.users.count)
        let sameItems = c.items == split.train.items
        var itemMap: [Int32] = []
        if !sameItems { itemMap = c.items.ids.map { id in split.train.items[id].map(Int32.init) ?? -1 } }
        var dropped = 0, unknown = 0
        for u in 0..<c.users.count {
            // A user outside the split with an empty list, or only the popular fallback, loses
            // nothing (a rank stage lists every profiled user, also those the models' data left
            // out, and gives them the fallback): not counted as ignored.
            guard let su = split.train.users[c.users[u]] else {
                if !c.range(user: u).isEmpty, !fallbackUsers.contains(Int32(u)) { unknown += 1 }
                continue
            }
            var list: [Int32] = []
            for p in c.range(user: u) {
                let i = sameItems ? c.itemIndices[p] : itemMap[Int(c.itemIndices[p])]
                if i >= 0 { list.append(i) } else { dropped += 1 }
            }
            lists[su] = list
        }
        return (lists, dropped, unknown)
    }

    /// `name: metric 0.1234, …, users_evaluated 12`; an undefined (NaN) metric prints `n/a`.
    static func line(_ name: String, _ values: [(String, Double)]) -> String {
        "\(name): "
            + values.map { v in
                v.1.isNaN
                    ? "\(v.0) n/a"
                    : v.0.hasPrefix("users") ? "\(v.0) \(Int(v.1))" : String(format: "%@ %.4f", v.0, v.1)
            }.joined(separator: ", ")
    }

    /// Columns of the metrics table.
    struct MetricRows {
        var model: [String] = [], metric: [String] = [], group: [String] = [], value: [Double] = []

        mutating func append(_ m: String, _ name: String, _ g: String, _ v: Double) {
            model.append(m); metric.append(name); group.append(g); value.append(v)
        }
        mutating func add(_ m: String, _ r: RankingReport, group g: String) {
            for (name, v) in r.values { append(m, name, g, r.usersEvaluated == 0 ? .nan : v) }
            append(m, "users_evaluated", g, Double(r.usersEvaluated))
            append(m, "users_without_test", g, Double(r.usersWithoutTest))
        }
        var table: Table {
            // An undefined metric (NaN) is null: `n/a` in notes, `null` in JSON, empty in CSV.
            .assemble([
                .strings("model", model), .strings("metric", metric), .strings("group", group),
                Column(name: "value", data: .float(value), validity: value.map { !$0.isNaN }),
            ])
        }
    }
}
