import PostgresNIO
import RecpipeCore

/// A database failure that reaches the user: what went wrong, on which server or file and table,
/// and how to fix it. The previous table is untouched whenever one of these is thrown by an export.
package struct DatabaseFailure: Error, Sendable, CustomStringConvertible {
    package enum Code: String, Sendable, Hashable {
        case badIdentifier = "bad-identifier"
        case badURL = "bad-url"
        case passwordInURL = "password-in-url"
        case connectionFailed = "connection-failed"
        case schemaMismatch = "schema-mismatch"
        case writeFailed = "write-failed"
        case queryFailed = "query-failed"
        case unsupportedType = "unsupported-type"
    }

    package var code: Code
    package var message: String
    package var hint: String?

    package init(_ code: Code, _ message: String, hint: String? = nil) {
        self.code = code
        self.message = message
        self.hint = hint
    }

    package var description: String { message }

    /// The server's own words for a PostgreSQL failure: `PSQLError`'s description deliberately
    /// hides them, so the message, detail and SQLSTATE are read from its server info.
    package static func reason(_ error: any Error) -> String {
        guard let e = error as? PSQLError else { return "\(error)" }
        if let info = e.serverInfo, let message = info[.message] {
            var s = message
            if let detail = info[.detail] { s += " (\(detail))" }
            if let state = info[.sqlState] { s += " [SQLSTATE \(state)]" }
            return s
        }
        if let underlying = e.underlying { return "\(e.code): \(underlying)" }
        return "\(e.code)"
    }
}

extension DatabaseFailure: CodedError {
    /// `database-<code>`: `database-connection-failed` (the server cannot be reached or refuses
    /// the login), `database-query-failed`, `database-write-failed`, `database-schema-mismatch`, …
    package var errorCode: String { "database-\(code.rawValue)" }
}
