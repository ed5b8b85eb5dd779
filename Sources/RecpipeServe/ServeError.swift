import Hummingbird

/// A request or start-up problem with the message the client (or the terminal) sees.
package enum ServeError: Error, Sendable, CustomStringConvertible {
    /// The pipeline cannot be served (no run yet, no rank stage, …).
    case setup(String)
    /// 400: the request is wrong (bad JSON, wrong types, bad parameter).
    case badRequest(String)
    /// 404: an unknown user, item or route.
    case notFound(String)
    /// 401: a write without the bearer token when one is required.
    case unauthorized(String)
    /// 413: the body is over the limit.
    case tooLarge(String)
    /// 500: a rule failed or the event log could not be written.
    case failed(String)

    package var description: String {
        switch self {
        case .setup(let m), .badRequest(let m), .notFound(let m), .unauthorized(let m), .tooLarge(let m),
            .failed(let m):
            m
        }
    }

    package var isSetup: Bool { if case .setup = self { true } else { false } }

    var status: HTTPResponse.Status {
        switch self {
        case .setup, .failed: .internalServerError
        case .badRequest: .badRequest
        case .notFound: .notFound
        case .unauthorized: .unauthorized
        case .tooLarge: .contentTooLarge
        }
    }
}
