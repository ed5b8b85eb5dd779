import Foundation
import Hummingbird

/// Every response passes here: errors become `{"error": "…"}` with their status (never an empty
/// 500), and the latency is recorded per route and status class.
struct ServeMiddleware: RouterMiddleware {
    typealias Context = BasicRequestContext
    let metrics: ServeMetrics
    let options: ServeOptions

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let start = ContinuousClock.now
        let response: Response
        do {
            response = try await next(request, context)
        } catch let e as ServeError {
            response = Self.error(e.description, status: e.status)
        } catch let e as HTTPError {
            let message: String
            switch e.status {
            case .notFound: message = "no route \(request.method) \(request.uri.path); see /openapi.yaml"
            case .contentTooLarge: message = "the body is over the limit of \(options.maxBodyBytes) bytes"
            default: message = e.body ?? "\(e.status)"
            }
            response = Self.error(message, status: e.status)
        } catch {
            response = Self.error("\(error)", status: .internalServerError)
        }
        let route = "\(request.method) \(context.endpointPath ?? "unmatched")"
        metrics.requests(route: route, status: "\(response.status.code / 100)xx").record(ContinuousClock.now - start)
        return response
    }

    static func error(_ message: String, status: HTTPResponse.Status) -> Response {
        ServeRoutes.json(.object([("error", .string(message)), ("status", .int(Int64(status.code)))]), status: status)
    }

    /// Writes need `Authorization: Bearer <token>` when a token is configured.
    static func authorize(_ request: Request, options: ServeOptions) throws {
        guard let token = options.token else { return }
        guard let header = request.headers[.authorization], header == "Bearer \(token)" else {
            throw ServeError.unauthorized(
                "this server requires a bearer token for writes: send `Authorization: Bearer <token>` (the token of RECPIPE_SERVE_TOKEN or --token-file)")
        }
    }
}
