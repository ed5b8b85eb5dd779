import Foundation
import RecpipeAlgorithms
import RecpipeCore
import RecpipeData
import RecpipeEngine
import RecpipeScripting
import RecpipeSpec

/// `cluster`: k-means segments of users on chosen feature columns (scaled first), with segment
/// names, the per-segment profile, and `k: auto` by silhouette.
struct ClusterStage: Stage {
    static let declaration = StageDeclaration(
        kind: "cluster",
        summary: "k-means segments of users (k-means++, Lloyd/Elkan/Hamerly, k: auto by silhouette).",
        aliases: ["kmeans", "k_means", "segment", "segments", "segmentation", "clustering"],
        inputs: [PortSpec("features", accepts: [.features, .table], doc: "user features (one row per user)")],
        params: [
            ParamSpec(
                "columns", .list(.string),
                doc:
                    "feature columns to cluster on (default: every numeric feature except ids, RFM scores, label encodings and *_scaled copies)"
            ),
            ParamSpec(
                "k", .oneOf([.int, .choice(["auto"])]), default: .int(5), range: 1...10_000,
                doc: "number of segments, or auto (silhouette over k_range)"),
            ParamSpec(
                "k_range", .list(.int), default: .list([.int(2), .int(10)]), range: 2...10_000,
                doc: "k: auto tries every k in [min, max]"),
            ParamSpec(
                "n_init", .int, default: .int(3), range: 1...1000, doc: "k-means++ restarts; the lowest inertia wins"),
            ParamSpec("max_iter", .int, default: .int(300), range: 1...100_000, doc: "iterations per restart"),
            ParamSpec(
                "tol", .float, default: .double(1e-4), range: 0...1,
                doc: "convergence tolerance (relative to the mean column variance)"),
            ParamSpec("seed", .int, doc: "random seed (default: the pipeline's seed)"),
            ParamSpec(
                "algorithm", .choice(["auto", "lloyd", "elkan", "hamerly"]), default: .string("auto"),
                doc: "iteration algorithm (auto = hamerly)"),
            ParamSpec(
                "scale", .choice(["standard", "minmax", "robust", "none"]), default: .string("standard"),
                doc: "scaling fitted on the chosen columns before clustering"),
            ParamSpec(
                "sample_size", .int, default: .int(5000), range: 2...1_000_000,
                doc: "k: auto scores the silhouette on this many sampled users"),
            ParamSpec(
                "transform", .oneOf([.choice(transforms), .map(.choice(transforms))]), default: .string("none"),
                doc:
                    "before scaling: log1p (sign·log(1+|x|)) or quantile (rank in [0, 1]) for every column, or per column {monetary: log1p, frequency: quantile}; skewed spend and counts need one"
            ),
            ParamSpec(
                "max_share", .float, default: .double(0.9), range: 0.01...1,
                doc:
                    "k: auto refuses a k whose largest segment holds more than this share of users (a warning with a fixed k)"
            ),
            ParamSpec(
                "names", .oneOf([.list(.string), .map(.string)]),
                doc:
                    "segment names: a list by segment number, or {generated name: name} (e.g. {\"high monetary\": Big spenders}); else generated from each segment's most distinctive column"
            ),
            SegmentNameRules.param,
            SparkALS.engineParam,
        ],
        output: .segments,
        check: { spec, pipeline in
            check(spec) + checkColumns(spec, pipeline) + SparkKMeans.check(spec, pipeline)
                + SegmentNameRules.check(spec, pipeline)
        })

    /// Validate-time: `columns` and `transform` keys name features the input will have.
    static func checkColumns(_ spec: StageSpec, _ pipeline: PipelineSpec) -> [Diagnostic] {
        guard let input = spec.inputs["features"]?.first, let known = StageColumns.of(input, in: pipeline) else {
            return []
        }
        let named =
            (spec.params["columns"]?.stringList ?? []).map { ("columns", $0) }
            + (spec.params["transform"]?.mapValue ?? []).map { ("transform", $0.key) }
        return named.compactMap { p, c in
            known.problem(c, what: p, stage: spec.name, at: spec.paramLocations[p] ?? spec.location)
        }
    }

    static let transforms = ColumnTransform.allCases.map(\.rawValue)

    static func check(_ spec: StageSpec) -> [Diagnostic] {
        guard let range = spec.params["k_range"]?.listValue?.compactMap(\.intValue) else { return [] }
        let at = spec.paramLocations["k_range"] ?? spec.location
        if range.count != 2 { return [.error("invalid-param", "k_range: write [min, max], e.g. [2, 10]", at: at)] }
        if range[0] > range[1] {
            return [.error("invalid-param", "k_range: min \(range[0]) is above max \(range[1])", at: at)]
        }
        return []
    }

    // MARK: - Run

    func run(_ context: StageContext) async throws -> StageOutput {
        let (table, idColumn) = try Self.features(context)
        guard table.rowCount > 0 else {
            throw StageError(
                "the features input has no rows: there is nothing to cluster", code: .emptyInput,
                at: context.spec.location)
        }
        let names = try Self.chooseColumns(table, idColumn: idColumn, context: context)
        var warnings: [String] = []
        let matrix = FeatureMatrix(table: table, columns: names)
        for (name, value) in matrix.constantColumns {
            warnings.append(
                "column '\(name)' is constant (\(Self.number(value))): it cannot separate segments; leave it out of `columns`"
            )
        }
        for (name, count) in matrix.imputed {
            warnings.append("column '\(name)': \(count) missing values replaced by the column mean")
        }
        let transforms = try Self.columnTransforms(names, context)
        let values = zip(transforms, matrix.columnValues).map { $0.apply($1) }
        let scaleName = context.string("scale")
        let scaler: Scaler? =
            switch scaleName {
            case "none": nil
            case "minmax": Scaler.fit(.minMax, columns: values)
            case "robust": Scaler.fit(.robust, columns: values)
            default: Scaler.fit(.standard, columns: values)
            }
        let n = table.rowCount, d = names.count
        var transformed = [Double](repeating: 0, count: n * d)
        for j in 0..<d { for i in 0..<n { transformed[i * d + j] = values[j][i] } }
        let data = try scaler.map { try $0.transform(matrix: transformed) } ?? transformed
        let maxShare = context.double("max_share")

        let seed = UInt64(bitPattern: Int64(context.stageSeed))
        let options = KMeans(
            k: 2, nInit: context.int("n_init"), maxIter: context.int("max_iter"),
            tol: context.double("tol"), seed: seed,
            algorithm: context.choice("algorithm", as: KMeans.Algorithm.self),
            threads: max(1, context.threads))
        var notes: [String] = []
        let result: KMeansResult
        if context.engine == .spark {
            let fit = try await SparkKMeans.fit(
                context, data: data, rows: n, columns: d, k: context.int("k"), nInit: options.nInit,
                maxIter: options.maxIter, seed: Int(truncatingIfNeeded: seed))
            result = fit.0
            notes += fit.1
        } else {
            result = try Self.nativeFit(
                context, options: options, data: data, rows: n, columns: d, maxShare: maxShare, notes: &notes)
        }
        if !result.converged {
            warnings.append(
                "k-means stopped after max_iter = \(result.iterations) iterations without converging; raise max_iter")
        }
        let k = result.k
        // Segment means in the columns' own units (the centroids live in transformed, scaled units).
        let original = SegmentSummary.means(matrix.columnValues, labels: result.labels, k: k)
        let generated = SegmentNaming.names(centroids: original, matrix: matrix, k: k)
        let segmentNames = try SegmentSummary.names(
            generated, given: context.param("names"), at: context.location(of: "names"))
        let ids = ColumnCodes(table.column(named: idColumn)!)
        var segments = Segments(
            users: ids.codes.map { $0 >= 0 ? ids.values[Int($0)] : "" }, labels: result.labels.map(Int32.init), k: k,
            featureNames: names, centroidsScaled: result.centroids, centroids: original, sizes: result.clusterSizes,
            inertia: result.inertia, names: segmentNames)
        segments.rfmMix = SegmentSummary.rfmMix(table, labels: result.labels, k: k)
        if let path = context.optionalPath("names_script") {
            guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
                throw StageError(
                    "names_script: cannot read the rules script '\(path)'", code: .missingFile,
                    at: context.location(of: "names_script"))
            }
            let rules = SegmentNameRules(
                script: text, file: context.optionalString("names_script") ?? path,
                asOf: context.asOf ?? LuaRuntime.Context.today(),
                seed: UInt64(bitPattern: Int64(context.seed)))
            let named = try rules.apply(segments, overallMeans: matrix.means)
            segments.names = named.names
            notes += named.notes
            warnings += named.warnings
        }
        if let largest = result.clusterSizes.max(), Double(largest) > maxShare * Double(n),
            context.param("k")?.stringValue != "auto"
        {
            warnings.append(
                "one segment holds \(largest) of \(n) users (\(Self.percent(Double(largest) / Double(n)))), more than max_share \(Self.percent(maxShare)): "
                    + "transform skewed columns (transform: log1p or quantile) or choose other columns")
        }
        let transformNote = zip(names, transforms).filter { $0.1 != .none }.map { "\($0.0): \($0.1.rawValue)" }
        notes.append(
            "k = \(k) on \(d) columns (\(transformNote.isEmpty ? "" : "transform \(transformNote.joined(separator: ", ")); ")scale: \(scaleName), \(result.algorithm.rawValue)): inertia \(Self.number(result.inertia)), \(result.iterations) iterations"
        )
        notes.append(SegmentNaming.profileText(segments))
        return StageOutput(
            segments, rowsIn: n, rowsOut: n,
            counters: [
                .init("k", k), .init("inertia", Int(result.inertia.rounded())), .init("iterations", result.iterations),
                .init("empty_cluster_reseeds", result.emptyClusterReseeds),
            ],
            notes: notes, warnings: warnings)
    }

    /// k-means (or `k: auto`) on this machine; errors point at the parameter to change.
    static func nativeFit(
        _ context: StageContext, options: KMeans, data: [Double], rows n: Int, columns d: Int,
        maxShare: Double, notes: inout [String]
    ) throws -> KMeansResult {
        do {
            if context.param("k")?.stringValue == "auto" {
                let r = context.ints("k_range")
                let selection = try KMeans.selectK(
                    range: r[0]...max(r[0], r[1]), data: data, rows: n, columns: d, nInit: options.nInit,
                    maxIter: options.maxIter, tol: options.tol, seed: options.seed, algorithm: options.algorithm,
                    threads: options.threads, sampleSize: context.int("sample_size"), maxShare: maxShare)
                notes.append(Self.choiceNote(selection, maxShare: maxShare))
                return selection.result
            }
            var km = options
            km.k = context.int("k")
            return try km.fit(data, rows: n, columns: d)
        } catch {
            let param: String =
                switch error.code {
                case .invalidK, .tooFewDistinctPoints: context.param("k")?.stringValue == "auto" ? "k_range" : "k"
                case .invalidOption(let name): ["nInit": "n_init", "maxIter": "max_iter", "tol": "tol"][name] ?? "k"
                case .dominantCluster: "max_share"
                default: "columns"
                }
            throw StageError(error.message, code: .init(error.code), at: context.location(of: param))
        }
    }

    // MARK: - Inputs and columns

    static func features(_ context: StageContext) throws -> (Table, String) {
        guard let input = context.inputs["features"]?.first else {
            throw StageError(
                "stage '\(context.stageName)' has no features input", code: .missingInput, at: context.spec.location)
        }
        if let f = input.artifact as? FeatureSet { return (f.table, f.idColumn) }
        if let t = input.artifact as? Table {
            let id = t.columnIndex("user_id") != nil ? "user_id" : t.columns.first { $0.type == .string }?.name
            guard let id else {
                throw StageError(
                    "the features table has no user_id (or other text) column to identify users",
                    code: .missingColumn, at: context.spec.location)
            }
            return (t, id)
        }
        throw StageError(
            "input '\(input.stage)' is a \(input.kind); cluster needs features or a table", code: .wrongInput,
            at: context.spec.location)
    }

    /// The `columns` parameter, checked; or the default feature columns.
    static func chooseColumns(_ table: Table, idColumn: String, context: StageContext) throws -> [String] {
        if let given = context.optionalStrings("columns") {
            guard !given.isEmpty else {
                throw StageError(
                    "columns is empty: name at least one feature", code: .invalidParam,
                    at: context.location(of: "columns"))
            }
            for name in given {
                guard let c = table.column(named: name) else {
                    throw StageError(
                        TableError.unknownColumn(name, available: table.columnNames).description,
                        code: .missingColumn, at: context.location(of: "columns"))
                }
                if c.type == .string {
                    throw StageError(
                        "column '\(name)' is text; k-means needs numbers", code: .wrongColumnType,
                        at: context.location(of: "columns"),
                        hint: "one-hot or label encode it in the encode stage")
                }
            }
            return given
        }
        let skip: Set<String> = [idColumn, "r_score", "f_score", "m_score", "segment"]
        let chosen = table.columns.filter { c in
            c.type != .string && !skip.contains(c.name) && !c.name.hasSuffix("_scaled") && !c.name.hasSuffix("_label")
        }.map(\.name)
        guard !chosen.isEmpty else {
            throw StageError(
                "the features have no numeric columns to cluster on", code: .missingColumn, at: context.spec.location,
                hint: "set `columns`")
        }
        return chosen
    }

    /// The transform of each chosen column: one for all, or per column (others: none).
    static func columnTransforms(_ names: [String], _ context: StageContext) throws -> [ColumnTransform] {
        guard let p = context.param("transform") else { return names.map { _ in .none } }
        if let all = p.stringValue { return names.map { _ in ColumnTransform(rawValue: all) ?? .none } }
        let given = p.mapValue ?? []
        for e in given where !names.contains(e.key) {
            throw StageError(
                "transform names column '\(e.key)', which is not clustered", code: .invalidParam,
                at: context.location(of: "transform"),
                hint: Suggestions.hint(for: e.key, in: names) ?? "clustered columns: \(names.joined(separator: ", "))")
        }
        return names.map { n in
            given.first { $0.key == n }.flatMap { $0.value.stringValue.flatMap(ColumnTransform.init) } ?? .none
        }
    }

    /// `k: auto chose 4 by silhouette (k=2: 0.61 refused, one segment 97% > 90%; k=3: 0.48; …)`.
    static func choiceNote(_ s: KSelection, maxShare: Double) -> String {
        let tried = s.candidates.indices.map { i -> String in
            let share = i < s.largestShares.count ? s.largestShares[i] : 0
            let refused = share > maxShare ? " refused, one segment \(percent(share)) > \(percent(maxShare))" : ""
            return "k=\(s.candidates[i]): \(number(s.silhouettes[i]))\(refused)"
        }
        return
            "k: auto chose \(s.k), the highest silhouette among k whose largest segment holds at most \(percent(maxShare)) (\(tried.joined(separator: "; ")))"
    }

    static func percent(_ x: Double) -> String { String(format: "%.0f%%", x * 100) }

    static func number(_ x: Double) -> String {
        if x == x.rounded() && abs(x) < 1e12 { return String(Int64(x)) }
        return String(format: abs(x) >= 100 ? "%.1f" : "%.3f", x)
    }
}
