import RecpipeCore

extension StageError {
    /// The stable code of a runtime failure, as the manifest's `error_code` and `--json` print
    /// it. The codes shared by many stages are below; others come from the error a stage passes
    /// on: ingest's (`missing-file`, `bad-row`, …), Lua's (`lua-<kind>`: `lua-runtime`,
    /// `lua-budget`, …), databases' (`database-<code>`: `database-connection-failed`, …).
    /// docs/architecture.md ("Runtime error codes") lists them all.
    package struct Code: RawRepresentable, Hashable, Sendable, ExpressibleByStringLiteral, CustomStringConvertible {
        package var rawValue: String
        package init(rawValue: String) { self.rawValue = rawValue }
        package init(stringLiteral value: String) { self.rawValue = value }
        package var description: String { rawValue }

        /// `error`'s own code when it is a ``CodedError`` (or a StageError), else `stage-failed`.
        package static func of(_ error: any Error) -> Code {
            if let e = error as? StageError { return e.code }
            return (error as? any CodedError).map { Code(rawValue: $0.errorCode) } ?? .stageFailed
        }
    }
}

// MARK: - The engine's codes

extension StageError.Code {
    /// A failure no more specific code describes.
    package static let stageFailed: Self = "stage-failed"
    /// The pipeline names a stage kind this binary has no implementation of.
    package static let unknownKind: Self = "unknown-kind"
    /// What a stage reads from outside (a database query's `changes_with:`) could not be evaluated.
    package static let sourceStateFailed: Self = "source-state-failed"
    /// `--only` needs a stage whose cached result is missing or out of date.
    package static let notCached: Self = "not-cached"
    /// A cached result could not be read back (re-run with `--force`).
    package static let cacheUnreadable: Self = "cache-unreadable"
    /// A result could not be saved to the cache.
    package static let cacheWriteFailed: Self = "cache-write-failed"
    /// `--strict` and the stage warned.
    package static let strictWarning: Self = "strict-warning"
}

// MARK: - Codes shared by the stages

extension StageError.Code {
    /// A port or parameter needs an input that is not connected.
    package static let missingInput: Self = "missing-input"
    /// An input is an artifact of a kind the stage cannot use there.
    package static let wrongInput: Self = "wrong-input"
    /// A parameter's value is rejected when the stage runs (validation reports the same code).
    package static let invalidParam: Self = "invalid-param"
    /// A column a parameter names (or the stage needs) is not in the data.
    package static let missingColumn: Self = "missing-column"
    /// A column has the wrong type for what the stage does with it (text where numbers are needed).
    package static let wrongColumnType: Self = "wrong-column-type"
    /// A file a parameter names (a rules script, a split file) is missing or unreadable.
    package static let missingFile: Self = "missing-file"
    /// Inputs that must share their columns do not (a JSON Lines `include` and its main file).
    package static let columnMismatch: Self = "column-mismatch"
    /// The input has nothing to work on: no rows, no interactions, no test entries.
    package static let emptyInput: Self = "empty-input"
    /// The stage produced nothing where a result is required.
    package static let emptyResult: Self = "empty-result"
    /// A NaN or infinite value where numbers must be finite.
    package static let nonFiniteValue: Self = "non-finite-value"
    /// The computation would need more memory than `max_memory` allows.
    package static let memoryLimit: Self = "memory-limit"
    /// A numeric method failed (a solve, a model queried outside its range, mis-shaped inputs).
    package static let algorithmFailed: Self = "algorithm-failed"
    /// k-means: `k` is above the number of distinct rows.
    package static let tooFewPoints: Self = "too-few-points"
    /// k-means: every `k` tried put more than the allowed share of users in one segment.
    package static let dominantCluster: Self = "dominant-cluster"
    /// A file, report or export could not be written.
    package static let writeFailed: Self = "write-failed"
    /// An experiment would overwrite production outputs that live outside the run's folder.
    package static let productionTarget: Self = "production-target"
    /// spark-submit, or the job script beside the binary, is not there.
    package static let sparkMissing: Self = "spark-missing"
    /// The Spark job exited with an error.
    package static let sparkFailed: Self = "spark-failed"
    /// The Spark job's output is missing, incomplete or not what the job writes.
    package static let sparkBadOutput: Self = "spark-bad-output"
}
