import Foundation
import RecpipeAlgorithms
import RecpipeCore
import RecpipeData
import RecpipeEngine
import RecpipeSpec

/// `als`: alternating-least-squares matrix factorization producing `Factors` (user and item
/// embeddings, the settings needed to fold in new users, and top-N candidates per user with seen
/// items excluded, which `rank` and `evaluate` read).
///
/// - `implicit: true` (default): Hu, Koren & Volinsky 2008 with a conjugate-gradient
///   (`solver: cg`, `cg_steps`) or exact Cholesky solver. `confidence: linear` (c = α·r) with
///   `regularization_scaling: none` reproduces the `implicit` library; `one_plus` with
///   `per_count` reproduces Spark MLlib (`implicitPrefs=true`); `one_plus` (α = 40) or `log` with
///   `none` and `solver: cholesky` is the paper.
/// - `implicit: false`: explicit ratings, weighted-λ ALS (Zhou et al. 2008) with optional
///   biases; predictions clipped to `[rating_min, rating_max]` when given.
///
/// A `split` input trains on its train part only. Same seed and machine ⇒ bit-identical factors
/// for any `threads` value.
struct ALSStage: Stage {
    static let declaration = StageDeclaration(
        kind: "als",
        summary:
            "ALS matrix factorization (implicit feedback or explicit ratings): user/item factors and top-N candidates.",
        aliases: ["mf", "matrix_factorization", "factorization", "implicit", "wals"],
        inputs: [
            PortSpec(
                "interactions", accepts: [.interactions, .split],
                doc: "the user×item matrix, or a split (trains on its train part)")
        ],
        params: [
            ParamSpec(
                "implicit", .bool, default: .bool(true),
                doc: "true: implicit feedback (values are interaction strengths); false: explicit ratings"),
            ParamSpec("factors", .int, default: .int(64), range: 1...4096, doc: "latent dimension f"),
            ParamSpec("iterations", .int, default: .int(15), range: 1...10_000, doc: "ALS sweeps (items then users)"),
            ParamSpec("regularization", .float, default: .double(0.05), range: 0...1e9, doc: "λ of the L2 penalty"),
            ParamSpec(
                "alpha", .float, default: .double(1.0), range: 1e-12...1e12,
                doc: "implicit: confidence scale α (1 as implicit, 40 in the paper)"),
            ParamSpec(
                "confidence", .choice(["linear", "one_plus", "log"]), default: .string("linear"),
                doc:
                    "implicit: linear c = α·r reproduces the implicit library (with regularization_scaling: none); one_plus c = 1 + α·r reproduces Spark MLlib (with per_count) and the paper (α = 40, none, solver: cholesky); log c = 1 + α·log(1 + r/ε) is the paper's log variant"
            ),
            ParamSpec(
                "epsilon", .float, default: .double(1.0), range: 1e-12...1e12, doc: "implicit, confidence: log: ε"),
            ParamSpec(
                "regularization_scaling", .choice(["none", "per_count"]),
                doc:
                    "λ or λ·n_u per row (per_count = ALS-WR / Spark); default none for implicit (implicit library, paper), per_count for explicit"
            ),
            ParamSpec(
                "solver", .choice(["cg", "cholesky"]), default: .string("cg"),
                doc: "implicit: conjugate gradient warm-started (implicit's use_cg=True) or exact Cholesky"),
            ParamSpec(
                "cg_steps", .int, default: .int(3), range: 1...1000,
                doc: "implicit, solver: cg: CG steps per row and half-iteration"),
            ParamSpec("biases", .bool, default: .bool(true), doc: "explicit: model rating ≈ μ + b_u + b_i + x_u·y_i"),
            ParamSpec(
                "rating_min", .float, doc: "explicit: predictions are clipped to [rating_min, rating_max] (give both)"),
            ParamSpec("rating_max", .float, doc: "explicit: upper end of the rating scale"),
            ParamSpec(
                "threads", .int, default: .int(0), range: 0...4096,
                doc: "worker threads; 0 = all cores (results do not depend on it)"),
            ParamSpec(
                "compute_loss", .bool, default: .bool(false),
                doc: "compute the training loss after every iteration (shown in the progress line and the notes)"),
            ParamSpec(
                "tolerance", .float, range: 0...1,
                doc:
                    "stop early once an iteration lowers the loss by less than this relative amount (turns on compute_loss)"
            ),
            ParamSpec(
                "candidates", .int, default: .int(100), range: 0...1_000_000,
                doc: "top-N candidates per user stored in the factors (seen items excluded)"),
            ParamSpec("seed", .int, doc: "seed of the initial factors (default: the pipeline seed)"),
            SparkALS.engineParam,
        ],
        output: .factors,
        check: { spec, pipeline in check(spec) + SparkALS.check(spec, pipeline) })

    func run(_ context: StageContext) async throws -> StageOutput {
        let data = try context.trainingInteractions()
        let m = data.matrix
        guard m.rows > 0, m.cols > 0 else {
            throw StageError(
                "stage '\(context.stageName)': the interaction matrix is empty (\(m.rows) users × \(m.cols) items)",
                code: .emptyInput, at: context.spec.location,
                hint: "check the upstream encode/split stage; ALS needs at least one interaction")
        }
        if context.engine == .spark { return try await SparkALS.run(context, data: data) }
        let setup = try ALSStageSetup(context)
        let clock = ContinuousClock()
        let started = clock.now
        var iterationTimes: [Double] = []
        var last = started
        let total = setup.iterations
        let report: (ALSIterationReport) -> Void = { r in
            let now = clock.now
            iterationTimes.append((now - last).seconds)
            last = now
            let loss = r.loss.map { String(format: " loss %.6g", $0) } ?? ""
            context.progress(Double(r.iteration) / Double(total) * 0.95, "iter \(r.iteration)/\(total)\(loss)")
        }
        context.progress(0, "iter 0/\(total)")
        let model: ALSModel
        do {
            switch setup.kind {
            case .implicit(let o): model = try ALS.fitImplicit(m, options: o, progress: report)
            case .explicit(let o): model = try ALS.fitExplicit(m, options: o, progress: report)
            }
        } catch let error as AlgorithmError {
            throw StageError(
                "stage '\(context.stageName)': \(error.message)", code: .init(error.code), at: context.spec.location)
        }
        let fitSeconds = (clock.now - started).seconds
        return try Self.output(
            context, data: data, model: model, setup: setup, iterationTimes: iterationTimes,
            fitSeconds: fitSeconds, extraNotes: [])
    }

    /// The `Factors` artifact of a trained model — candidates, settings, counters and notes — the
    /// same whichever engine trained it.
    static func output(
        _ context: StageContext, data: Interactions, model: ALSModel, setup: ALSStageSetup, iterationTimes: [Double],
        fitSeconds: Double, extraNotes: [String], extraSettings: [String: String] = [:]
    ) throws -> StageOutput {
        let m = data.matrix
        let topN = context.int("candidates")
        let clock = ContinuousClock()
        context.progress(0.96, "top-\(topN) candidates")
        let recStart = clock.now
        // Implicit: a zero vector scores every item 0, so users without history get no candidates
        // (rank falls back). The lists are written once, straight into the candidates' storage.
        var implicit = false
        if case .implicit = setup.kind { implicit = true }
        let lists =
            topN == 0
            ? RankedLists(rowPointers: [Int](repeating: 0, count: m.rows + 1), indices: [], scores: [])
            : try model.recommendAllLists(n: topN, exclude: m, threads: setup.threads, onlyUsersWithHistory: implicit)
        let recommendSeconds = (clock.now - recStart).seconds
        let candidates = Candidates(source: context.stageName, users: data.users, items: data.items, lists: lists)
        var settings = ALSSettings.encode(setup.kind).merging(extraSettings) { $1 }
        settings["iterations_run"] = String(iterationTimes.count)
        if let loss = model.losses.last { settings["final_loss"] = String(loss) }
        let factors = Factors(
            users: data.users, items: data.items, factors: model.factors, userFactors: model.userFactors,
            itemFactors: model.itemFactors, settings: settings, globalMean: model.globalMean,
            userBias: model.userBiases, itemBias: model.itemBiases, candidates: candidates)
        let withCandidates = (0..<lists.rowCount).count { !lists.range($0).isEmpty }
        let emptyUsers = (0..<m.rows).count { m.rowCount($0) == 0 }
        return StageOutput(
            factors, rowsIn: m.nonZeroCount, rowsOut: candidates.rowCount,
            counters: [.init("iterations", iterationTimes.count), .init("users_with_candidates", withCandidates)],
            notes: Self.notes(
                setup: setup, model: model, times: iterationTimes, fit: fitSeconds,
                recommend: recommendSeconds, topN: topN, users: m.rows, items: m.cols,
                emptyUsers: emptyUsers) + extraNotes,
            warnings: [])
    }

    // MARK: - Summary

    static func notes(
        setup: ALSStageSetup, model: ALSModel, times: [Double], fit: Double, recommend: Double,
        topN: Int, users: Int, items: Int, emptyUsers: Int
    ) -> [String] {
        let perIteration = times.isEmpty ? 0 : times.reduce(0, +) / Double(times.count)
        let sorted = times.sorted()
        let median = sorted.isEmpty ? 0 : sorted[sorted.count / 2]
        var notes = [
            "\(setup.description): \(users) users × \(items) items, f=\(model.factors), \(times.count)/\(setup.iterations) iterations"
                + (times.count < setup.iterations ? " (converged early)" : ""),
            String(
                format: "seconds per iteration: %.3f mean, %.3f median; fit %.3f s, top-%d candidates %.3f s",
                perIteration, median, fit, topN, recommend),
            "peak memory \(ProcessMemory.describe(ProcessMemory.peakBytes)) (the process's largest resident set so far: "
                + "input matrix, solver copies, factors)",
        ]
        if let loss = model.losses.last {
            notes.append(String(format: "final training loss %.6g", loss))
        }
        if emptyUsers > 0 {
            notes.append(
                "\(emptyUsers) users have no training interactions: zero factors"
                    + (model.itemBiases.isEmpty ? ", no candidates" : ", candidates by item bias"))
        }
        return notes
    }
}
