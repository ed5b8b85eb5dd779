import Foundation
import RecpipeCore
import RecpipeEngine
import RecpipeSpec

/// One `spark-submit` of the PySpark job that ships with recpipe (`recpipe_spark_job.py`): the
/// stage's working directory, its progress lines shown as the stage's progress, and on failure a
/// `StageError` with the job's last error lines.
struct SparkJob {
    /// `als` or `kmeans`: the job's sub-command.
    var job: String
    /// Parameters passed to the job as one JSON object.
    var params: [String: SparkParam]
    var settings: SparkSettings
    var stageName: String

    /// A JSON scalar.
    enum SparkParam: Sendable {
        case int(Int), double(Double), bool(Bool), string(String)
        var json: Any {
            switch self {
            case .int(let v): v
            case .double(let v): v
            case .bool(let v): v
            case .string(let v): v
            }
        }
    }

    /// What the job printed on its `recpipe-result` line.
    typealias Result = [String: Any]

    // MARK: - Locations

    /// The working directory of this stage in this run: `work_dir/<run>/<stage>` when the
    /// pipeline sets `spark.work_dir`, else `spark/<stage>` in the run directory.
    static func workDirectory(_ context: StageContext) -> String {
        if let dir = context.pipeline.spark.workDir {
            return context.resolve(dir) + "/\(context.runID)/\(context.stageName)"
        }
        return context.runDirectory + "/spark/\(context.stageName)"
    }

    /// spark-submit: `spark.submit`, else `$SPARK_HOME/bin/spark-submit`, else the first on `PATH`.
    static func locateSubmit(
        _ context: StageContext, environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws -> String {
        let fm = FileManager.default
        if let written = context.pipeline.spark.submit {
            let path = context.resolve(written)
            guard fm.isExecutableFile(atPath: path) else {
                throw StageError(
                    "stage '\(context.stageName)' runs on Spark, but spark.submit '\(written)' is not an executable file (\(path))",
                    code: .sparkMissing, at: context.pipeline.spark.location ?? context.spec.location,
                    hint: installHint)
            }
            return path
        }
        var looked: [String] = []
        if let home = environment["SPARK_HOME"], !home.isEmpty {
            let path = home + "/bin/spark-submit"
            if fm.isExecutableFile(atPath: path) { return path }
            looked.append(path)
        }
        for dir in (environment["PATH"] ?? "").split(separator: ":") {
            let path = "\(dir)/spark-submit"
            if fm.isExecutableFile(atPath: path) { return path }
        }
        looked.append("every directory on PATH")
        throw StageError(
            "stage '\(context.stageName)' runs on Spark, but spark-submit was not found (looked at \(looked.joined(separator: ", ")))",
            code: .sparkMissing, at: context.spec.location(ofEngine: context), hint: installHint)
    }

    static let installHint =
        "install Spark: `python3 -m pip install pyspark numpy` (Java 17 or later must be on PATH) and put its bin directory on PATH, "
        + "or set `spark: { submit: /path/to/spark-submit }`; or run the stage natively with `engine: native`"

    /// The PySpark job file, shipped as a resource of this module.
    static var scriptPath: String? {
        Bundle.module.path(forResource: "recpipe_spark_job", ofType: "py")
    }

    // MARK: - Running

    /// Runs the job in `workDir` (which holds its input) and returns its result line.
    func run(workDir: String, submit: String, context: StageContext) async throws -> Result {
        guard let script = Self.scriptPath else {
            throw StageError(
                "recpipe_spark_job.py is missing beside the recpipe binary (recpipe_RecpipeStages.resources)",
                code: .sparkMissing, at: context.spec.location, hint: "reinstall recpipe with its resources folder")
        }
        var payload = params.mapValues(\.json)
        payload["stage"] = stageName
        let json = String(
            decoding: try JSONSerialization.data(withJSONObject: payload, options: [.sortedKeys]), as: UTF8.self)
        var arguments = ["--master", settings.master]
        for entry in settings.conf { arguments += ["--conf", "\(entry.key)=\(entry.value)"] }
        arguments += [script, job, workDir, json]
        let process = Process()
        process.executableURL = URL(fileURLWithPath: submit)
        process.arguments = arguments
        var environment = ProcessInfo.processInfo.environment
        // A pip-installed Spark runs its Python workers with the interpreter beside spark-submit.
        let python = (submit as NSString).deletingLastPathComponent + "/python3"
        if environment["PYSPARK_PYTHON"] == nil, FileManager.default.isExecutableFile(atPath: python) {
            environment["PYSPARK_PYTHON"] = python
        }
        process.environment = environment
        let log = context.runDirectory + "/spark-\(stageName).log"
        let output = SparkOutput(logPath: log) { fraction, message in context.progress(fraction, "spark: \(message)") }
        let status = try await output.run(process)
        if status != 0 || output.result == nil {
            let lines = output.errorLines(limit: 8)
            throw StageError(
                "stage '\(context.stageName)': the Spark job failed (spark-submit exited with status \(status))"
                    + (lines.isEmpty ? "" : ":\n    " + lines.joined(separator: "\n    ")),
                code: .sparkFailed, at: context.spec.location, hint: "the whole log is in \(log)")
        }
        return output.result ?? [:]
    }
}

extension StageSpec {
    /// Where the stage's engine is chosen: its `engine` parameter, else the stage.
    func location(ofEngine context: StageContext) -> SourceLocation { paramLocations["engine"] ?? location }
}
