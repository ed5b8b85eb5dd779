import Foundation
import RecpipeAlgorithms
import RecpipeCore
import RecpipeEngine
import RecpipeSpec

/// The `cluster` stage's k-means on Spark MLlib (`pyspark.ml.clustering.KMeans`, k-means||
/// initialization). recpipe chooses and scales the columns, Spark clusters the scaled rows, and
/// recpipe names and profiles the segments as for a native run.
///
/// Parameter mapping: `k` → `k`, `max_iter` → `maxIter`, `seed` → `seed`, `n_init` → that many
/// Spark fits with seeds `seed`, `seed + 1`, … keeping the lowest inertia (Spark's `trainingCost`).
/// Refused: `k: auto` with `k_range` and `sample_size` (silhouette selection is native),
/// `algorithm` other than auto (Spark has its own), and `tol` (Spark's tolerance is an absolute
/// centroid move, not recpipe's variance-relative one; Spark's default 1e-4 is used).
enum SparkKMeans {
    static let nativeOnly: [(name: String, why: String)] = [
        ("k_range", "`k: auto` (silhouette selection) runs natively only"),
        ("sample_size", "`k: auto` (silhouette selection) runs natively only"),
        ("tol", "Spark's tolerance is an absolute centroid move, not recpipe's variance-relative one"),
    ]

    static func check(_ spec: StageSpec, _ pipeline: PipelineSpec) -> [Diagnostic] {
        guard pipeline.engine(of: spec, declares: true) == .spark else { return [] }
        var out: [Diagnostic] = []
        let engineHint = "or run this stage with `engine: native`"
        if spec.params["k"]?.stringValue == "auto" {
            out.append(
                .error(
                    "invalid-param", "stage '\(spec.name)': `k: auto` (silhouette selection) runs natively only",
                    at: spec.paramLocations["k"] ?? spec.location, hint: "give k a number, \(engineHint)"))
        }
        for (name, why) in nativeOnly {
            guard let at = spec.paramLocations[name] else { continue }
            out.append(
                .error(
                    "invalid-param", "stage '\(spec.name)': `\(name)` has no Spark equivalent (\(why))", at: at,
                    hint: "remove `\(name)`, \(engineHint)"))
        }
        if let at = spec.paramLocations["algorithm"], let written = spec.params["algorithm"]?.stringValue,
            written != "auto"
        {
            out.append(
                .error(
                    "invalid-param",
                    "stage '\(spec.name)': on Spark `algorithm` can only be auto (Spark chooses its own); found \(written)",
                    at: at, hint: "remove `algorithm`, \(engineHint)"))
        }
        return out
    }

    /// Fits k-means on Spark: `data` is the scaled `rows × columns` matrix, row-major.
    static func fit(
        _ context: StageContext, data: [Double], rows: Int, columns: Int, k: Int, nInit: Int,
        maxIter: Int, seed: Int
    ) async throws -> (KMeansResult, [String]) {
        let submit = try SparkJob.locateSubmit(context)
        let dir = try SparkWorkDirectory(context)
        defer { dir.remove() }
        context.progress(0, "writing \(rows) rows for Spark")
        try dir.write("input.csv", rows: rows) { r, line in
            let values = data[(r * columns)..<((r + 1) * columns)].map { "\($0)" }
            line("\(r)," + values.joined(separator: ","))
        }
        let job = SparkJob(
            job: "kmeans",
            params: ["k": .int(k), "n_init": .int(nInit), "max_iter": .int(maxIter), "seed": .int(seed)],
            settings: context.pipeline.spark, stageName: context.stageName)
        let clock = ContinuousClock()
        let started = clock.now
        let result = try await job.run(workDir: dir.path, submit: submit, context: context)
        let seconds = (clock.now - started).seconds
        guard let centers = result["centroids"] as? [[Double]],
            let inertia = (result["inertia"] as? NSNumber)?.doubleValue,
            let iterations = (result["iterations"] as? NSNumber)?.intValue,
            centers.allSatisfy({ $0.count == columns }), (1...k).contains(centers.count)
        else {
            throw StageError(
                "stage '\(context.stageName)': the Spark job's result line lacks centroids, inertia or iterations for k = \(k)",
                code: .sparkBadOutput, at: context.spec.location)
        }
        let labels = try dir.readLabels("labels", count: rows, k: centers.count)
        let run = (result["run"] as? NSNumber)?.intValue ?? 0
        let fit = KMeansResult(
            labels: labels, centroids: centers.flatMap { $0 }, columns: columns, inertia: inertia,
            iterations: iterations,
            inertiaHistory: [inertia], emptyClusterReseeds: 0, converged: iterations < maxIter, algorithm: .lloyd,
            run: run)
        let note = String(
            format:
                "trained on Spark (master %@, k-means||, %d run%@, best run %d) in %.3f s including Spark's start-up",
            context.pipeline.spark.master, nInit, nInit == 1 ? "" : "s", run + 1, seconds)
        var notes = [note]
        if centers.count < k {
            notes.append("Spark returned \(centers.count) clusters for k = \(k) (too few distinct points)")
        }
        return (fit, notes)
    }
}
