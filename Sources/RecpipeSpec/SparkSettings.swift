import RecpipeCore

/// The pipeline-level `spark:` block: where and how stages with `engine: spark` run.
///
/// ```yaml
/// engine: spark            # optional: the default engine of stages that have one (als, cluster)
/// spark:
///   master: local[2]       # spark://…, yarn, k8s://… are passed through to spark-submit
///   submit: /opt/spark/bin/spark-submit
///   conf: { spark.executor.memory: 8g }
///   work_dir: /shared/recpipe-spark
/// ```
package struct SparkSettings: Sendable, Hashable {
    /// `--master` of spark-submit.
    package var master: String
    /// Path of spark-submit as written (nil: `$SPARK_HOME/bin/spark-submit`, then `PATH`).
    package var submit: String?
    /// `--conf key=value` pairs, in the order written.
    package var conf: [ParamValue.Entry]
    /// A directory recpipe and the cluster both read and write, as written (nil: the run directory).
    package var workDir: String?
    /// Where the block is written (its key), for run-time errors.
    package var location: SourceLocation?

    package static let defaultMaster = "local[2]"
    package static let keys = ["master", "submit", "conf", "work_dir"]

    package init(
        master: String = SparkSettings.defaultMaster, submit: String? = nil, conf: [ParamValue.Entry] = [],
        workDir: String? = nil, location: SourceLocation? = nil
    ) {
        self.master = master
        self.submit = submit
        self.conf = conf
        self.workDir = workDir
        self.location = location
    }

    /// The settings as one line (for fingerprints): every key, in a fixed order.
    package var canonicalText: String {
        let conf = conf.map { "\($0.key)=\($0.value)" }.joined(separator: ",")
        return "master=\(master);submit=\(submit ?? "-");conf=[\(conf)];work_dir=\(workDir ?? "-")"
    }

    package static func == (a: SparkSettings, b: SparkSettings) -> Bool { a.canonicalText == b.canonicalText }
    package func hash(into hasher: inout Hasher) { hasher.combine(canonicalText) }
}

/// The engines a stage may run on.
package enum StageEngine: String, Sendable, CaseIterable {
    case native
    case spark

    package static let names = allCases.map(\.rawValue)
}

extension PipelineSpec {
    /// The engine `stage` runs on: its own `engine` parameter, else the pipeline's `engine:`, else
    /// native. Only stages that declare an `engine` parameter have one (others are always native).
    package func engine(of stage: StageSpec, declares: Bool) -> StageEngine {
        guard declares else { return .native }
        if let written = stage.params["engine"]?.stringValue, let e = StageEngine(rawValue: written) { return e }
        return engine
    }
}
