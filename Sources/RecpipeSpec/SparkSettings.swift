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
public struct SparkSettings: Sendable, Hashable {
    /// `--master` of spark-submit.
    public var master: String
    /// Path of spark-submit as written (nil: `$SPARK_HOME/bin/spark-submit`, then `PATH`).
    public var submit: String?
    /// `--conf key=value` pairs, in the order written.
    public var conf: [ParamValue.Entry]
    /// A directory recpipe and the cluster both read and write, as written (nil: the run directory).
    public var workDir: String?
    /// Where the block is written (its key), for run-time errors.
    public var location: SourceLocation?

    public static let defaultMaster = "local[2]"
    public static let keys = ["master", "submit", "conf", "work_dir"]

    public init(
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
    public var canonicalText: String {
        let conf = conf.map { "\($0.key)=\($0.value)" }.joined(separator: ",")
        return "master=\(master);submit=\(submit ?? "-");conf=[\(conf)];work_dir=\(workDir ?? "-")"
    }

    public static func == (a: SparkSettings, b: SparkSettings) -> Bool { a.canonicalText == b.canonicalText }
    public func hash(into hasher: inout Hasher) { hasher.combine(canonicalText) }
}

/// The engines a stage may run on.
public enum StageEngine: String, Sendable, CaseIterable {
    case native
    case spark

    public static let names = allCases.map(\.rawValue)
}

extension PipelineSpec {
    /// The engine `stage` runs on: its own `engine` parameter, else the pipeline's `engine:`, else
    /// native. Only stages that declare an `engine` parameter have one (others are always native).
    public func engine(of stage: StageSpec, declares: Bool) -> StageEngine {
        guard declares else { return .native }
        if let written = stage.params["engine"]?.stringValue, let e = StageEngine(rawValue: written) { return e }
        return engine
    }
}
