import Foundation
import RecpipeAlgorithms
import RecpipeCore
import RecpipeData
import RecpipeEngine
import RecpipeSpec

/// The `als` stage on Spark MLlib's ALS (`pyspark.ml.recommendation.ALS`).
///
/// Parameter mapping (one to one; anything else is refused when the pipeline is validated):
/// `factors` → `rank`, `iterations` → `maxIter`, `regularization` → `regParam`, `alpha` → `alpha`,
/// `implicit` → `implicitPrefs`, `seed` → `seed`. Spark scales λ by each user's / item's count
/// (ALS-WR), uses confidence c = 1 + α·r in implicit mode, solves each row exactly (Cholesky) and
/// has no biases: so on Spark `regularization_scaling` is `per_count`, `confidence` is `one_plus`,
/// `solver` is `cholesky` and `biases` is false — the defaults of those parameters change, and
/// writing another value is an error. recpipe's native implicit defaults (`linear`, `none`) differ:
/// to compare, run native with `confidence: one_plus, regularization_scaling: per_count,
/// solver: cholesky`. Top-N candidates are computed by recpipe from Spark's factors, exactly as
/// for native factors.
enum SparkALS {
    static let engineParam = ParamSpec(
        "engine", .choice(StageEngine.names),
        doc:
            "native (default, or the pipeline's `engine:`) or spark: train on Spark MLlib with the pipeline's `spark:` settings"
    )

    // MARK: - Validation

    /// Parameters Spark has no equivalent for, refused when they are written.
    static let nativeOnly: [(name: String, why: String)] = [
        ("cg_steps", "Spark solves every row exactly (Cholesky)"),
        ("epsilon", "Spark's confidence is 1 + α·r"),
        ("threads", "Spark's parallelism comes from `spark.master` and `spark.conf`"),
        ("compute_loss", "Spark's ALS does not report a training loss"),
        ("tolerance", "Spark's ALS always runs `iterations` sweeps"),
    ]
    /// Parameters whose only Spark value is fixed: name → (Spark's value, why).
    static let fixed: [(name: String, value: ParamValue, why: String)] = [
        ("confidence", .string("one_plus"), "Spark's implicit confidence is c = 1 + α·r"),
        ("regularization_scaling", .string("per_count"), "Spark scales λ by each user's and item's count (ALS-WR)"),
        ("solver", .string("cholesky"), "Spark solves every row exactly"),
        ("biases", .bool(false), "Spark's ALS has no user or item biases"),
    ]

    static func check(_ spec: StageSpec, _ pipeline: PipelineSpec) -> [Diagnostic] {
        guard pipeline.engine(of: spec, declares: true) == .spark else { return [] }
        var out: [Diagnostic] = []
        let engineHint = "or run this stage with `engine: native`"
        for (name, why) in nativeOnly {
            guard let at = spec.paramLocations[name] else { continue }
            out.append(
                .error(
                    "invalid-param", "stage '\(spec.name)': `\(name)` has no Spark equivalent (\(why))", at: at,
                    hint: "remove `\(name)`, \(engineHint)"))
        }
        for (name, value, why) in fixed {
            guard let at = spec.paramLocations[name], let written = spec.params[name], written != value else {
                continue
            }
            out.append(
                .error(
                    "invalid-param",
                    "stage '\(spec.name)': on Spark `\(name)` can only be \(value) (\(why)); found \(written)",
                    at: at, hint: "write `\(name): \(value)` or remove it, \(engineHint)"))
        }
        return out
    }

    // MARK: - Run

    /// The model settings Spark trains with, from the stage's parameters.
    static func setup(_ context: StageContext) -> ALSStageSetup {
        let seed = UInt64(truncatingIfNeeded: context.stageSeed)
        let factors = context.int("factors")
        let iterations = context.int("iterations")
        let lambda = Float(context.double("regularization"))
        let kind: ALSModel.Kind =
            context.bool("implicit")
            ? .implicit(
                ALSImplicitOptions(
                    factors: factors, iterations: iterations, regularization: lambda,
                    alpha: Float(context.double("alpha")), confidence: .onePlus,
                    regularizationScaling: .perCount, solver: .cholesky, seed: seed))
            : .explicit(
                ALSExplicitOptions(
                    factors: factors, iterations: iterations, regularization: lambda, regularizationScaling: .perCount,
                    useBiases: false,
                    ratingRange: context.optionalDouble("rating_min").flatMap { lo in
                        context.optionalDouble("rating_max").map { Float(lo)...Float($0) }
                    },
                    seed: seed))
        return ALSStageSetup(kind: kind, iterations: iterations, threads: 0)
    }

    static func run(_ context: StageContext, data: Interactions) async throws -> StageOutput {
        let m = data.matrix
        let setup = setup(context)
        let submit = try SparkJob.locateSubmit(context)
        let dir = try SparkWorkDirectory(context)
        defer { dir.remove() }
        context.progress(0, "writing \(m.nonZeroCount) interactions for Spark")
        try dir.write("input.csv", rows: m.rows) { u, line in
            for p in m.rowRange(u) { line("\(u),\(m.columns[p]),\(m.values[p])") }
        }
        // λ and α as written (not through Float: Spark computes in double).
        var params: [String: SparkJob.SparkParam] = [
            "factors": .int(setup.kind.factors), "iterations": .int(setup.iterations),
            "regularization": .double(context.double("regularization")),
            "seed": .int(context.stageSeed),
        ]
        switch setup.kind {
        case .implicit:
            params["implicit"] = .bool(true)
            params["alpha"] = .double(context.double("alpha"))
        case .explicit:
            params["implicit"] = .bool(false)
        }
        let job = SparkJob(job: "als", params: params, settings: context.pipeline.spark, stageName: context.stageName)
        let clock = ContinuousClock()
        let started = clock.now
        _ = try await job.run(workDir: dir.path, submit: submit, context: context)
        let seconds = (clock.now - started).seconds
        let f = setup.kind.factors
        let users = try dir.readVectors("users", count: m.rows, width: f)
        let items = try dir.readVectors("items", count: m.cols, width: f)
        let model = try ALSModel(
            kind: setup.kind, factors: f, userCount: m.rows, itemCount: m.cols,
            userFactors: users.values, itemFactors: items.values)
        let note = String(
            format:
                "trained on Spark (master %@) in %.3f s including Spark's start-up; seconds per iteration are that time ÷ %d; %d users and %d items had no Spark factors (zero vectors)",
            context.pipeline.spark.master, seconds, setup.iterations, m.rows - users.found, m.cols - items.found)
        return try ALSStage.output(
            context, data: data, model: model, setup: setup,
            iterationTimes: Array(repeating: seconds / Double(setup.iterations), count: setup.iterations),
            fitSeconds: seconds, extraNotes: [note],
            extraSettings: ["engine": "spark", "spark_master": context.pipeline.spark.master])
    }
}

extension ALSModel.Kind {
    var factors: Int {
        switch self {
        case .implicit(let o): o.factors
        case .explicit(let o): o.factors
        }
    }
}

extension StageContext {
    /// The engine this stage runs on (its `engine`, else the pipeline's, else native).
    var engine: StageEngine { pipeline.engine(of: spec, declares: true) }
}
