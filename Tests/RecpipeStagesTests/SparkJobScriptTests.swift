import Foundation
import RecpipeTestSupport
import Testing

/// The PySpark job's own tests (`Tests/python/test_recpipe_spark_job.py`: parameter mapping,
/// output formats, argument failures, and with pyspark one local Spark running both jobs and a
/// missing input), run with the Python beside spark-submit (`.venv-spark`, which has pyspark),
/// else `python3` on PATH, where the Spark part skips with the reason. Under CI=true a missing
/// pyspark fails them.
@Suite struct SparkJobScriptTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().path

    static let python: String? = {
        var candidates: [String] = []
        if let submit = SparkTestSupport.submit {
            candidates.append((submit as NSString).deletingLastPathComponent + "/python3")
        }
        candidates += (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":").map { "\($0)/python3" }
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0) }
    }()

    static let enabled = python != nil || ProcessInfo.processInfo.environment["CI"] == "true"

    @Test(.enabled(if: enabled, "needs python3 (and pyspark for the Spark part; .ci/run installs it)"))
    func theJobsPythonTestsPass() throws {
        let python = try #require(Self.python, "python3 not found on PATH")
        let dir = TestSupport.temporaryDirectory("spark-job-py")
        let log = dir + "/unittest.log"
        FileManager.default.createFile(atPath: log, contents: nil)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = [Self.root + "/Tests/python/test_recpipe_spark_job.py", "-v"]
        process.currentDirectoryURL = URL(fileURLWithPath: dir)
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
        process.waitUntilExit()
        try handle.close()
        let output = try String(contentsOfFile: log, encoding: .utf8)
        let summary = output.split(separator: "\n")
            .filter { $0.hasPrefix("Ran ") || $0.hasPrefix("OK") || $0.hasPrefix("FAILED") }
        #expect(
            process.terminationStatus == 0,
            "\(python) Tests/python/test_recpipe_spark_job.py:\n\(output.suffix(4000))")
        #expect(summary.first?.hasPrefix("Ran 13 tests in ") == true, "\(summary)")
        if summary.last?.contains("skipped") == true {
            print("SparkJobScriptTests: \(summary.last!) (pyspark is not importable by \(python))")
        }
    }
}
