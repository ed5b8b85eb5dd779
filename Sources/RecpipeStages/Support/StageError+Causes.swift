import RecpipeAlgorithms
import RecpipeCore
import RecpipeEngine
import RecpipeScripting

// MARK: - Numeric failures

extension StageError.Code {
    /// The runtime code of a numeric failure: `memory-limit`, `invalid-param`, `empty-input`,
    /// `non-finite-value`, `too-few-points`, `dominant-cluster`, else `algorithm-failed`.
    package init(_ code: AlgorithmError.Code) {
        switch code {
        case .memoryLimitExceeded: self = .memoryLimit
        case .invalidParameter, .invalidOption, .invalidK: self = .invalidParam
        case .noRows, .noColumns: self = .emptyInput
        case .nonFiniteValue: self = .nonFiniteValue
        case .tooFewDistinctPoints: self = .tooFewPoints
        case .dominantCluster: self = .dominantCluster
        case .dimensionMismatch, .shapeMismatch, .tooFewClusters, .failed: self = .algorithmFailed
        }
    }
}

extension AlgorithmError: CodedError {
    package var errorCode: String { StageError.Code(code).rawValue }
}

extension StageError.Code {
    /// A rules script registers something the stage cannot run (a plugin in a tag stage).
    package static let luaRegistration: Self = "lua-registration"
}

extension StageError {
    /// A numeric failure, located at the parameter that bounds the computation (or the stage).
    package init(_ error: AlgorithmError, message: String? = nil, at location: SourceLocation?, hint: String? = nil) {
        self.init(message ?? error.message, code: Code(error.code), at: location, hint: hint)
    }

    /// A Lua rule's failure at its `file:line`, under its `lua-<kind>` code.
    package init(_ error: RuleError, hint: String? = nil) {
        self.init(
            error.messageWithContext, code: Code(rawValue: error.errorCode), at: error.location, hint: hint)
    }

    /// A problem found in a rules script (compile, registration), under its own code.
    package init(_ diagnostic: Diagnostic) {
        self.init(
            diagnostic.message, code: Code(rawValue: diagnostic.code), at: diagnostic.location,
            hint: diagnostic.hint)
    }
}
