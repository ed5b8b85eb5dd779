import RecpipeCore

extension StageError {
    /// The stable code of a runtime failure, as the manifest's `error_code` and `--json` print
    /// it. The codes shared by many stages are below; others come from the error a stage passes
    /// on: ingest's (`missing-file`, `bad-row`, …), Lua's (`lua-<kind>`: `lua-runtime`,
    /// `lua-budget`, …), databases' (`database-<code>`: `database-connection-failed`, …).
    /// docs/architecture.md ("Runtime error codes") lists them all.
    public struct Code: RawRepresentable, Hashable, Sendable, ExpressibleByStringLiteral, CustomStringConvertible {
        public var rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }
        public init(stringLiteral value: String) { self.rawValue = value }
        public var description: String { rawValue }

        /// `error`'s own code when it is a ``CodedError`` (or a StageError), else `stage-failed`.
        public static func of(_ error: any Error) -> Code {
            if let e = error as? StageError { return e.code }
            return (error as? any CodedError).map { Code(rawValue: $0.errorCode) } ?? .stageFailed
        }
    }
}

// MARK: - The engine's codes

extension StageError.Code {
    /// A failure no more specific code describes.
    public static let stageFailed: Self = "stage-failed"
    /// The pipeline names a stage kind this binary has no implementation of.
    public static let unknownKind: Self = "unknown-kind"
    /// What a stage reads from outside (a database query's `changes_with:`) could not be evaluated.
    public static let sourceStateFailed: Self = "source-state-failed"
    /// `--only` needs a stage whose cached result is missing or out of date.
    public static let notCached: Self = "not-cached"
    /// A cached result could not be read back (re-run with `--force`).
    public static let cacheUnreadable: Self = "cache-unreadable"
    /// A result could not be saved to the cache.
    public static let cacheWriteFailed: Self = "cache-write-failed"
    /// `--strict` and the stage warned.
    public static let strictWarning: Self = "strict-warning"
}

// MARK: - Codes shared by the stages

extension StageError.Code {
    /// A port or parameter needs an input that is not connected.
    public static let missingInput: Self = "missing-input"
    /// An input is an artifact of a kind the stage cannot use there.
    public static let wrongInput: Self = "wrong-input"
    /// A parameter's value is rejected when the stage runs (validation reports the same code).
    public static let invalidParam: Self = "invalid-param"
    /// A column a parameter names (or the stage needs) is not in the data.
    public static let missingColumn: Self = "missing-column"
    /// A column has the wrong type for what the stage does with it (text where numbers are needed).
    public static let wrongColumnType: Self = "wrong-column-type"
    /// A file a parameter names (a rules script, a split file) is missing or unreadable.
    public static let missingFile: Self = "missing-file"
    /// Inputs that must share their columns do not (a JSON Lines `include` and its main file).
    public static let columnMismatch: Self = "column-mismatch"
    /// The input has nothing to work on: no rows, no interactions, no test entries.
    public static let emptyInput: Self = "empty-input"
    /// The stage produced nothing where a result is required.
    public static let emptyResult: Self = "empty-result"
    /// A NaN or infinite value where numbers must be finite.
    public static let nonFiniteValue: Self = "non-finite-value"
    /// The computation would need more memory than `max_memory` allows.
    public static let memoryLimit: Self = "memory-limit"
    /// A numeric method failed (a solve, a model queried outside its range, mis-shaped inputs).
    public static let algorithmFailed: Self = "algorithm-failed"
    /// k-means: `k` is above the number of distinct rows.
    public static let tooFewPoints: Self = "too-few-points"
    /// k-means: every `k` tried put more than the allowed share of users in one segment.
    public static let dominantCluster: Self = "dominant-cluster"
    /// A file, report or export could not be written.
    public static let writeFailed: Self = "write-failed"
    /// An experiment would overwrite production outputs that live outside the run's folder.
    public static let productionTarget: Self = "production-target"
    /// spark-submit, or the job script beside the binary, is not there.
    public static let sparkMissing: Self = "spark-missing"
    /// The Spark job exited with an error.
    public static let sparkFailed: Self = "spark-failed"
    /// The Spark job's output is missing, incomplete or not what the job writes.
    public static let sparkBadOutput: Self = "spark-bad-output"
}
