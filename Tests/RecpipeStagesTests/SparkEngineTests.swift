import Foundation
import RecpipeAlgorithms
import RecpipeCore
import RecpipeData
import RecpipeSpec
import RecpipeTestSupport
import Testing

@testable import RecpipeEngine
@testable import RecpipeStages

/// `engine: spark` without Spark: the `engine:`/`spark:` blocks, validate-time refusals, the
/// fingerprint, and a missing spark-submit. The runs on Spark are in ``SparkRunTests``.
@Suite struct SparkEngineTests {
    static func load(_ yaml: String, overrides: [String] = []) -> PipelineLoadResult {
        PipelineLoader.load(
            text: yaml, file: "p.yaml", baseDirectory: "/tmp", overrides: overrides, catalog: StageRegistry.catalog)
    }

    static let header = """
        pipeline: t
        stages:
          m: { uses: ingest, with: { path: events.csv } }
          enc: { uses: encode, input: m, with: { target: interactions } }

        """

    // MARK: - The pipeline blocks

    @Test func sparkBlockAndPipelineEngineAreDecoded() throws {
        let r = Self.load(
            """
            pipeline: t
            engine: spark
            spark:
              master: "spark://head:7077"
              submit: /opt/spark/bin/spark-submit
              conf: { spark.executor.memory: 8g, spark.executor.cores: 4 }
              work_dir: /shared/rp
            stages:
              m: { uses: ingest, with: { path: events.csv } }
              enc: { uses: encode, input: m, with: { target: interactions } }
              als: { uses: als, input: enc }
              cf: { uses: cf, input: enc }
            """)
        let spec = try #require(r.spec, "\(r.diagnostics)")
        #expect(spec.engine == .spark)
        #expect(spec.spark.master == "spark://head:7077" && spec.spark.submit == "/opt/spark/bin/spark-submit")
        #expect(spec.spark.workDir == "/shared/rp")
        #expect(
            spec.spark.conf.map { "\($0.key)=\($0.value)" } == ["spark.executor.memory=8g", "spark.executor.cores=4"])
        // Only stages with an engine parameter follow the pipeline's engine.
        #expect(spec.engine(of: spec.stage("als")!, declares: true) == .spark)
        #expect(spec.engine(of: spec.stage("cf")!, declares: false) == .native)
    }

    @Test func sparkBlockProblemsAreAllReportedAndLocated() {
        let r = Self.load(
            """
            pipeline: t
            engine: sparc
            spark:
              mastr: local[2]
              conf: [a, b]
              submit: { x: 1 }
            stages:
              m: { uses: ingest, with: { path: events.csv } }
            """)
        let messages = r.diagnostics.map { "\($0.location?.line ?? 0): \($0.message) | \($0.hint ?? "")" }
        #expect(r.spec == nil)
        #expect(
            messages.contains {
                $0.hasPrefix("2: 'engine' expects one of native, spark, found 'sparc'")
                    && $0.contains("did you mean 'spark'?")
            })
        #expect(
            messages.contains {
                $0.hasPrefix("4: unknown key 'mastr' in 'spark'") && $0.contains("did you mean 'master'?")
            })
        #expect(
            messages.contains {
                $0.hasPrefix("5: 'spark.conf' expects a mapping of Spark property → value, found a list")
            })
        #expect(messages.contains { $0.hasPrefix("6: 'spark.submit' expects a string, found a mapping") })
    }

    @Test func engineOverrideSetsThePipelineDefault() throws {
        let yaml = Self.header + "  als: { uses: als, input: enc }\n"
        #expect(Self.load(yaml).spec?.engine == .native)
        #expect(Self.load(yaml, overrides: ["engine=spark"]).spec?.engine == .spark)
        let bad = Self.load(yaml, overrides: ["engine=gpu"])
        #expect(
            bad.diagnostics.map(\.message) == ["override 'engine=gpu': engine expects native or spark, found 'gpu'"])
        // The stage's own engine wins over the pipeline's.
        let own = try #require(Self.load(yaml, overrides: ["engine=spark", "als.engine=native"]).spec)
        #expect(own.engine(of: own.stage("als")!, declares: true) == .native)
    }

    @Test func sparkOverridesChangeTheBlock() throws {
        let yaml = """
            pipeline: t
            spark:
              master: "local[2]"
              conf: { spark.driver.memory: 2g, spark.ui.enabled: "false" }
            stages:
              m: { uses: ingest, with: { path: events.csv } }

            """
        let spec = try #require(
            Self.load(
                yaml,
                overrides: [
                    "spark.master=spark://head:7077", "spark.submit=/opt/spark/bin/spark-submit",
                    "spark.work_dir=/shared/rp",
                    "spark.conf.spark.driver.memory=6g", "spark.conf.spark.executor.cores=4",
                ]
            ).spec)
        #expect(spec.spark.master == "spark://head:7077")
        #expect(spec.spark.submit == "/opt/spark/bin/spark-submit" && spec.spark.workDir == "/shared/rp")
        // One property replaced in place, a new one appended.
        #expect(
            spec.spark.conf.map { "\($0.key)=\($0.value)" }
                == ["spark.driver.memory=6g", "spark.ui.enabled=false", "spark.executor.cores=4"])
        // Without a spark: block, and the whole conf at once.
        let bare = try #require(
            Self.load(Self.header, overrides: ["spark.master=yarn", "spark.conf={a.b: 1, c: x}"]).spec)
        #expect(bare.spark.master == "yarn" && bare.spark.conf.map { "\($0.key)=\($0.value)" } == ["a.b=1", "c=x"])

        let bad = Self.load(
            Self.header, overrides: ["spark.mastr=yarn", "spark.master=[a]", "spark.conf.x={a: 1}", "spark.conf=3"])
        #expect(bad.spec == nil)
        #expect(
            bad.diagnostics.map { "\($0.location?.line ?? 0): \($0.message) | \($0.hint ?? "")" } == [
                "1: override 'spark.mastr=yarn' sets 'spark.mastr', which the spark block does not have"
                    + " | did you mean 'master'?",
                "2: override 'spark.master=[a]': 'spark.master' expects a string, found a list"
                    + " | for example --set spark.master=yarn",
                "3: override 'spark.conf.x={a: 1}': a Spark property takes a scalar value, found a mapping"
                    + " | for example --set spark.conf.spark.executor.memory=8g",
                "4: override 'spark.conf=3': 'spark.conf' expects a mapping of Spark property → scalar value,"
                    + " found an integer | for example --set 'spark.conf={spark.executor.memory: 8g}',"
                    + " or one property: --set spark.conf.spark.executor.memory=8g",
            ])
    }

    // MARK: - Parameters Spark does not have

    @Test func alsParametersWithoutASparkEquivalentAreRefusedAtValidation() {
        let r = Self.load(
            Self.header + """
                  als:
                    uses: als
                    input: enc
                    with: { engine: spark, confidence: linear, regularization_scaling: none, solver: cg, cg_steps: 2, threads: 4, tolerance: 0.01 }
                """)
        let messages = r.diagnostics.map(\.message)
        #expect(messages.count == 6)
        #expect(
            messages.contains(
                "stage 'als': on Spark `confidence` can only be one_plus (Spark's implicit confidence is c = 1 + α·r); found linear"
            ))
        #expect(
            messages.contains(
                "stage 'als': on Spark `regularization_scaling` can only be per_count (Spark scales λ by each user's and item's count (ALS-WR)); found none"
            ))
        #expect(
            messages.contains(
                "stage 'als': on Spark `solver` can only be cholesky (Spark solves every row exactly); found cg"))
        #expect(
            messages.contains(
                "stage 'als': `cg_steps` has no Spark equivalent (Spark solves every row exactly (Cholesky))"))
        #expect(
            messages.contains(
                "stage 'als': `threads` has no Spark equivalent (Spark's parallelism comes from `spark.master` and `spark.conf`)"
            ))
        #expect(
            messages.contains(
                "stage 'als': `tolerance` has no Spark equivalent (Spark's ALS always runs `iterations` sweeps)"))
        #expect(r.diagnostics.allSatisfy { $0.location?.line == 8 && $0.hint?.contains("`engine: native`") == true })
        // Spark's own values, and the same parameters on a native stage, pass.
        #expect(
            Self.load(
                Self.header
                    + "  als: { uses: als, input: enc, with: { engine: spark, confidence: one_plus, solver: cholesky } }\n"
            ).diagnostics.isEmpty)
        #expect(
            Self.load(Self.header + "  als: { uses: als, input: enc, with: { solver: cg, cg_steps: 2 } }\n").diagnostics
                .isEmpty)
    }

    @Test func explicitBiasesAreRefusedOnSparkThroughThePipelineEngine() {
        let r = Self.load(
            Self.header + "  als: { uses: als, input: enc, with: { implicit: false, biases: true } }\n",
            overrides: ["engine=spark"])
        #expect(
            r.diagnostics.map(\.message) == [
                "stage 'als': on Spark `biases` can only be false (Spark's ALS has no user or item biases); found true"
            ])
    }

    @Test func clusterParametersWithoutASparkEquivalentAreRefusedAtValidation() {
        let r = Self.load(
            Self.header + """
                  f: { uses: encode, inputs: { events: m }, with: { target: user_features } }
                  seg: { uses: cluster, input: f, with: { engine: spark, k: auto, k_range: [2, 6], tol: 0.001, algorithm: elkan } }
                """)
        let messages = r.diagnostics.map(\.message)
        #expect(messages.contains("stage 'seg': `k: auto` (silhouette selection) runs natively only"))
        #expect(
            messages.contains(
                "stage 'seg': `k_range` has no Spark equivalent (`k: auto` (silhouette selection) runs natively only)"))
        #expect(
            messages.contains(
                "stage 'seg': `tol` has no Spark equivalent (Spark's tolerance is an absolute centroid move, not recpipe's variance-relative one)"
            ))
        #expect(
            messages.contains("stage 'seg': on Spark `algorithm` can only be auto (Spark chooses its own); found elkan")
        )
        #expect(messages.count == 4)
    }

    // MARK: - Fingerprint

    @Test func fingerprintIncludesTheEngineAndTheSparkSettings() throws {
        let yaml = Self.header + "  als: { uses: als, input: enc }\n"
        func fingerprint(_ overrides: [String], spark: SparkSettings? = nil) throws -> Fingerprint {
            var spec = try #require(Self.load(yaml, overrides: overrides).spec)
            if let spark { spec.spark = spark }
            return Fingerprint.make(
                stage: spec.stage("als")!, declaration: ALSStage.declaration, pipeline: spec,
                inputFingerprints: [:],
                files: FileHashCache(storePath: TestSupport.temporaryDirectory("fp") + "/hashes"))
        }
        let native = try fingerprint([])
        let spark = try fingerprint(["engine=spark"])
        #expect(native.value != spark.value)
        #expect(spark.parts.settings.contains("engine=spark;master=local[2]"))
        #expect(try fingerprint(["als.engine=spark"]).parts.settings == spark.parts.settings)
        #expect(try fingerprint(["engine=spark"], spark: SparkSettings(master: "local[4]")).value != spark.value)
        #expect(
            try fingerprint(["engine=spark", "spark.master=local[4]"]).value
                == fingerprint(["engine=spark"], spark: SparkSettings(master: "local[4]")).value)
        #expect(
            try fingerprint(
                ["engine=spark"], spark: SparkSettings(conf: [.init(key: "spark.driver.memory", value: .string("4g"))])
            ).value != spark.value)
        // Spark settings do not touch native stages.
        #expect(try fingerprint([], spark: SparkSettings(master: "yarn")).value == native.value)
    }

    // MARK: - No spark-submit

    @Test func aMissingSparkSubmitNamesWhatToInstall() async throws {
        let ctx = SparkTestSupport.sparkContext(
            "als", params: ["factors": .int(2), "iterations": .int(1)],
            inputs: ["interactions": [("m", ALSStageTests.shop)]],
            spark: SparkSettings(submit: "/nonexistent/bin/spark-submit"))
        let error = await #expect(throws: StageError.self) { try await ALSStage().run(ctx) }
        #expect(
            error?.message
                == "stage 'als' runs on Spark, but spark.submit '/nonexistent/bin/spark-submit' is not an executable file (/nonexistent/bin/spark-submit)"
        )
        #expect(error?.hint?.contains("python3 -m pip install pyspark") == true)
        // Nothing written, nothing left: the work directory was never made.
        #expect(!FileManager.default.fileExists(atPath: ctx.runDirectory + "/spark"))

        let bare = SparkTestSupport.sparkContext("als", params: [:], inputs: [:], spark: SparkSettings())
        let notFound = #expect(throws: StageError.self) {
            try SparkJob.locateSubmit(bare, environment: ["PATH": "/nonexistent"])
        }
        #expect(
            notFound?.message
                == "stage 'als' runs on Spark, but spark-submit was not found (looked at every directory on PATH)")
        #expect(notFound?.hint?.contains("Java 17") == true)
    }

    @Test func errorLinesLeaveOutStackFramesAndInfoLines() {
        let out = SparkOutput(logPath: TestSupport.temporaryDirectory("spark-log") + "/x.log") { _, _ in }
        for line in [
            "WARNING: Using incubator modules: jdk.incubator.vector",
            "26/12/04 21:07:45 INFO SparkContext: Running Spark",
            "Exception in thread \"main\" org.apache.spark.SparkException: Could not parse Master URL: 'bogus'",
            "\tat org.apache.spark.SparkContext$.createTaskScheduler(SparkContext.scala:3216)", "\t... 12 more", "",
        ] {
            out.stderrLine(line)
        }
        out.stdoutLine("recpipe-progress 0.500 half")
        out.stdoutLine("recpipe-result {\"inertia\": 2.5}")
        #expect(
            out.errorLines(limit: 8) == [
                "Exception in thread \"main\" org.apache.spark.SparkException: Could not parse Master URL: 'bogus'"
            ])
        #expect(out.result?["inertia"] as? Double == 2.5)
    }
}
