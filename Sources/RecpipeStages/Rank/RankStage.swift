import Foundation
import RecpipeCore
import RecpipeData
import RecpipeEngine
import RecpipeScripting
import RecpipeSpec

/// `rank`: blends candidate sources into each user's top-N, applying business filters (YAML
/// shorthands and Lua `filter` rules), Lua promotions (`promote`, `pin`, `bury`) and a per-category
/// cap, with a provenance text per recommended item and a popular fallback for users left empty.
/// See ``RankRules`` for the conflict order and ``RankWorker`` for the per-user algorithm.
struct RankStage: Stage {
    static let declaration = StageDeclaration(
        kind: "rank",
        summary:
            "Blend candidates, apply filters and Lua promotions, cap categories: each user's top-N with provenance.",
        aliases: ["rerank", "ranking", "blend", "recommend", "promote"],
        inputs: [
            PortSpec(
                "candidates", accepts: [.candidates, .factors], multiple: true,
                doc: "candidate sources (cf, als, …), blended by `blend`"),
            PortSpec(
                "items", accepts: [.table], required: false, doc: "items table: fields for rules, category, stock"),
            PortSpec(
                "profiles", accepts: [.profiles, .table, .features], required: false,
                doc: "user profiles (`u` in rules; `tags` column for u:has_tag)"),
            PortSpec(
                "seen", accepts: [.interactions, .split], required: false,
                doc: "interactions (any event): exclude_seen, u:seen(id); a split: its train part (evaluation)"),
            PortSpec(
                "purchased", accepts: [.interactions], required: false,
                doc:
                    "interactions of purchase events only (an encode stage with weights: { purchase: 1 }): u:purchased(id); without it, u:purchased is a rule error"
            ),
            PortSpec(
                "popular", accepts: [.candidates], required: false,
                doc:
                    "fallback list for users whose candidates are all filtered out; a user it has no row for (profiled, in no model's data) gets its overall list"
            ),
        ],
        params: [
            ParamSpec(
                "blend", .map(.float), range: 0...1e9,
                doc: "weight per candidate source (stage name); default: equal weights"),
            ParamSpec(
                "normalize", .choice(["minmax", "rank"]), default: .string("minmax"),
                doc: "per-user, per-source score normalization before blending"),
            ParamSpec("top", .int, default: .int(20), range: 1...100_000, doc: "recommendations per user"),
            ParamSpec("filters", .path, doc: "Lua script with filter(name, function(u, item)) rules"),
            ParamSpec("promotions", .path, doc: "Lua script with promote{…}, pin{…}, bury{…} rules"),
            ParamSpec(
                "exclude_seen", .bool, default: .bool(true),
                doc: "drop items the user already interacted with (needs `seen`)"),
            ParamSpec(
                "in_stock_only", .bool, default: .bool(false), doc: "drop items whose `stock` (items table) is not > 0"),
            ParamSpec("exclude_categories", .list(.string), doc: "drop items of these categories"),
            ParamSpec(
                "category_column", .string, default: .string("category"), doc: "items column holding the category"),
            ParamSpec("item_id_column", .string, default: .string("item_id"), doc: "items column holding the item id"),
            ParamSpec(
                "item_columns", .list(.string),
                doc:
                    "items columns shown with each item (e.g. [description, category, price]): in exports, `recommend --explain` and the `--diff` lists"
            ),
            ParamSpec(
                "max_per_category", .int, range: 1...100_000,
                doc: "at most this many items per category in a user's top-N (after promotions)"),
            ParamSpec(
                "on_error", .choice(["fail", "skip_record"]), default: .string("fail"),
                doc: "a rule error fails the stage, or skips that rule for that user (counted)"),
            ParamSpec(
                "exhaustive", .bool, default: .bool(false),
                doc:
                    "evaluate rules on every candidate (exact filter counts) instead of stopping once the top-N is settled"
            ),
        ] + RuleLimits.params(),
        output: .recommendations,
        check: { spec, pipeline in checkRules(spec, pipeline) })

    // MARK: - Validation

    static func checkRules(_ spec: StageSpec, _ pipeline: PipelineSpec) -> [Diagnostic] {
        var out: [Diagnostic] = []
        let asOf = pipeline.asOf ?? "1970-01-01"
        for param in ["filters", "promotions"] {
            guard let p = spec.params[param]?.stringValue else { continue }
            let path = PipelinePath.resolve(p, base: pipeline.baseDirectory)
            guard FileManager.default.fileExists(atPath: path) else {
                out.append(
                    .error(
                        "missing-file", "\(param): rules script '\(p)' not found (looked at \(path))",
                        at: spec.paramLocations[param] ?? spec.location))
                continue
            }
            let registration = RankRules.check(path: path, asOf: asOf, param: param)
            out += registration
            if !registration.contains(where: { $0.severity == .error }),
                let text = try? String(contentsOfFile: path, encoding: .utf8)
            {
                out += fieldCheck(spec, pipeline).diagnostics(.init(file: path, text: text))
            }
            if (spec.inputs["purchased"] ?? []).isEmpty {
                out += RankRules.checkPurchasedCalls(path: path, param: param, stage: spec.name)
            }
        }
        if let blend = spec.params["blend"]?.mapValue {
            let names = spec.inputs["candidates"] ?? []
            for e in blend where !names.contains(e.key) {
                out.append(
                    .error(
                        "unknown-source",
                        "blend: '\(e.key)' is not one of the candidate inputs (\(names.joined(separator: ", ")))",
                        at: spec.paramLocations["blend"] ?? spec.location,
                        hint: Suggestions.hint(for: e.key, in: names)))
            }
        }
        return out
    }

    /// `u` (the profiles input) and `item` (the items input) of filter and promotion rules and
    /// of `score` plugins.
    static func fieldCheck(_ spec: StageSpec, _ pipeline: PipelineSpec) -> RuleFieldCheck {
        let user = RuleFieldCheck.record(spec, pipeline, port: "profiles", role: "user", fallback: ["user_id"])
        let itemID = StageParameters(spec, declaration: declaration).string("item_id_column")
        let item = RuleFieldCheck.record(spec, pipeline, port: "items", role: "item", fallback: [itemID])
        return RuleFieldCheck { ["filter", "promote", "pin", "bury", "score"].contains($0) ? [user, item] : [] }
    }

    // MARK: - Run

    func run(_ context: StageContext) async throws -> StageOutput {
        let (plan, rules, preparedNotes, preparedWarnings) = try Self.prepare(context)
        var notes = preparedNotes
        let clock = ContinuousClock.now
        let result = try await Self.rankAll(plan, rules: rules, threads: context.threads, progress: context.progress)
        let elapsed = ContinuousClock.now - clock
        let seconds = elapsed.seconds
        notes.append(
            "ranked \(plan.userIDs.count) users in \(Self.format(seconds)) s on \(min(context.threads, max(1, plan.userIDs.count / 64 + 1))) worker(s)"
        )
        let itemColumns = try Self.itemColumns(
            context.optionalStrings("item_columns") ?? [], plan: plan, at: context.location(of: "item_columns"))
        var warnings = preparedWarnings
        let check = RuleComparisonCheck(records: [plan.profiles, plan.items])
        warnings += check.warnings(rules: rules.all, scripts: plan.scripts.map { .init(file: $0.file, text: $0.text) })
        var output = Self.output(plan, rules, result, notes: notes, warnings: warnings)
        if var recs = output.artifact as? Recommendations, !itemColumns.isEmpty {
            recs.itemColumns = itemColumns.map(\.name)
            recs.itemColumnValues = itemColumns.map(\.values)
            output.artifact = recs
        }
        return output
    }

    /// The plan and rules of a run from the stage's inputs and parameters (rules loaded once to
    /// validate them), with the notes and warnings of the summary. `recpipe serve` builds its
    /// plan from the stored inputs with the same code.
    static func prepare(_ context: StageContext) throws -> (
        plan: RankPlan, rules: RankRules, notes: [String], warnings: [String]
    ) {
        var plan = RankPlan()
        var notes: [String] = [], warnings: [String] = []
        if let asOf = context.asOf {
            plan.asOf = asOf
        } else {
            plan.asOf = LuaRuntime.Context.today()
            notes.append("as_of: \(plan.asOf) (today; set `as_of` in the pipeline for reproducible promotion windows)")
        }
        plan.seed = UInt64(bitPattern: Int64(context.seed))
        plan.options.top = context.int("top")
        plan.options.normalize = context.choice("normalize", as: RankPlan.Normalization.self)
        plan.options.excludeSeen = context.bool("exclude_seen")
        plan.options.inStockOnly = context.bool("in_stock_only")
        plan.options.maxPerCategory = context.optionalInt("max_per_category")
        plan.options.onError = context.choice("on_error", as: RankPlan.OnError.self)
        plan.options.exhaustive = context.bool("exhaustive")
        plan.limits = RuleLimits.limits(context.params)
        plan.itemIDColumn = context.string("item_id_column")

        // Rules: read and load once here (validation of the whole set), then once per worker.
        for param in ["filters", "promotions"] {
            guard let path = context.optionalPath(param) else { continue }
            guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
                throw StageError(
                    "cannot read the \(param) script '\(path)'", code: .missingFile, at: context.location(of: param))
            }
            plan.scripts.append(.init(file: context.string(param), text: text))
        }
        let rules: RankRules
        do throws(RuleError) {
            rules = try plan.loadRules()
        } catch {
            throw StageError(error.messageWithContext, code: .init(rawValue: error.errorCode), at: error.location)
        }
        if let r = rules.all.first(where: { $0.kind.isPlugin && $0.kind != .score }) {
            let d = RankRules.pluginDiagnostic(r, param: r.file)
            throw StageError(d)
        }
        for r in rules.inactive { warnings.append(RankRules.inactiveText(r, asOf: plan.asOf)) }

        // Inputs.
        var inputs = RankPlan.Inputs()
        for input in context.inputs["candidates"] ?? [] {
            if let c = input.artifact as? Candidates {
                inputs.sources.append((input.stage, c))
            } else if let f = input.artifact as? Factors {
                inputs.sources.append((input.stage, f.candidates))
            }
        }
        if let p = context.inputs["popular"]?.first, let c = p.artifact as? Candidates { inputs.popular = (p.stage, c) }
        inputs.items = try context.optionalInput("items", as: Table.self)
        if let p = context.inputs["profiles"]?.first {
            if let t = p.artifact as? Table {
                inputs.profiles = t
                inputs.profileIDColumn = t.columnIndex("user_id") != nil ? "user_id" : t.columnNames.first
            } else if let f = p.artifact as? FeatureSet {
                inputs.profiles = f.table
                inputs.profileIDColumn = f.idColumn
            }
        }
        let hidden: Int
        (inputs.seen, inputs.purchased, hidden) = try Self.seenAndPurchased(context)
        if hidden > 0 {
            notes.append("evaluation: \(hidden) purchases the split holds out are hidden from u:purchased")
        }
        if let blend = context.param("blend")?.mapValue {
            inputs.weights = Dictionary(blend.map { ($0.key, $0.value.doubleValue ?? 1) }) { a, _ in a }
        }
        inputs.excludeCategories = context.optionalStrings("exclude_categories") ?? []
        inputs.categoryColumn = context.string("category_column")
        // A pinned id must be an item of the items table (when there is one): a mistyped id is
        // reported and not pinned, instead of landing at the top of every list.
        let unknownPins = inputs.items.map { Self.unknownPins(rules, items: $0, idColumn: plan.itemIDColumn) } ?? []
        warnings += unknownPins.map(\.text)
        let unknownIDs = Set(unknownPins.map(\.item))
        inputs.extraItems = rules.pins.flatMap { rules.all[$0].items ?? [] }.filter { !unknownIDs.contains($0) }
        do {
            try plan.build(inputs)
        } catch {
            throw StageError(
                error.description, code: error.code,
                at: error.param.map { context.location(of: $0) } ?? context.spec.location)
        }
        if plan.options.excludeSeen && plan.seen == nil {
            warnings.append("exclude_seen is on but no `seen` input is connected: seen items are not removed")
        }
        return (plan, rules, notes, warnings)
    }

    /// The `item_columns` as text per global item; a column the items table lacks is an error.
    static func itemColumns(_ names: [String], plan: RankPlan, at location: SourceLocation?) throws -> [(
        name: String, values: [String]
    )] {
        guard !names.isEmpty else { return [] }
        guard let items = plan.items else {
            throw StageError(
                "item_columns needs the items table: connect an `items` input", code: .missingInput, at: location)
        }
        return try names.map { name in
            guard let c = items.columnIndex(name) else {
                throw StageError(
                    "item_columns: the items table has no column '\(name)' (columns: \(items.columnNames.joined(separator: ", ")))",
                    code: .missingColumn, at: location, hint: Suggestions.hint(for: name, in: items.columnNames))
            }
            return (name, plan.itemRow.map { $0 >= 0 ? items.value(row: Int($0), col: c).idText ?? "" : "" })
        }
    }

    /// Ranks every user on `threads` workers (one Lua runtime each) pulling chunks of users;
    /// chunk results are merged in user order.
    static func rankAll(
        _ plan: RankPlan, rules: RankRules, threads: Int,
        progress: @escaping @Sendable (Double?, String) -> Void = { _, _ in }
    ) async throws -> RankChunkResult {
        let n = plan.userIDs.count
        let workers = max(1, min(threads, n / 64 + 1))
        let pool = LuaWorkerPool(count: n, chunkSize: max(64, n / (workers * 16) + 1), workers: workers)
        let parts = try await pool.run(progress: progress) { () throws(StageError) -> RankWorker in
            do throws(RuleError) { return try RankWorker(plan: plan, rules: rules) } catch { throw stageError(error) }
        } work: { worker, _, users throws(StageError) -> RankChunkResult in
            do throws(RuleError) { return try worker.rank(users: users) } catch { throw stageError(error) }
        }
        var result = RankChunkResult()
        for part in parts { result.merge(part) }
        return result
    }

    static func stageError(_ e: RuleError) -> StageError {
        StageError(
            e,
            hint: "fix the rule, or set `on_error: skip_record` to skip the rule for the users it fails on (counted)")
    }
}
