import Foundation
import RecpipeCore
import RecpipeData
import RecpipeEngine
import RecpipeSpec
import RecpipeTestSupport

/// Contexts for stages on the Spark engine, and where this machine's Spark is.
enum SparkTestSupport {
    /// A context whose stage runs on Spark, with its own run directory (tests run in parallel).
    static func sparkContext(
        _ kind: String, params: [String: ParamValue], inputs: [String: [(stage: String, artifact: any Artifact)]],
        spark: SparkSettings, engine: StageEngine = .spark
    ) -> StageContext {
        StageHarness.context(
            kind, params: params, inputs: inputs, engine: engine, spark: spark,
            runDirectory: TestSupport.temporaryDirectory("spark-run"))
    }

    /// spark-submit: `.venv-spark/bin` in the repository (what `.ci/run` installs), else `PATH`.
    static let submit: String? = {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let candidates =
            [root.path + "/.venv-spark/bin/spark-submit"]
            + (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":").map { "\($0)/spark-submit" }
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0) }
    }()

    static let hasJava: Bool = (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":")
        .contains { FileManager.default.isExecutableFile(atPath: "\($0)/java") }

    /// Run the Spark tests when Spark and Java are here, and always under CI (where a missing
    /// Spark is a failure, not a skip).
    static let enabled = (submit != nil && hasJava) || ProcessInfo.processInfo.environment["CI"] == "true"
    static let reason =
        "needs spark-submit (python3 -m pip install pyspark into .venv-spark) and java on PATH; always runs with CI=true"

    static var settings: SparkSettings {
        SparkSettings(
            master: "local[2]", submit: submit ?? "spark-submit",
            conf: [
                .init(key: "spark.ui.enabled", value: .string("false")),
                .init(key: "spark.sql.shuffle.partitions", value: .string("4")),
            ])
    }
}
