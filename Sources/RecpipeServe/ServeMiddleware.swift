import Foundation
import Hummingbird
import Synchronization

/// Every response passes here: errors become `{"error": "…"}` with their status (never an empty
/// 500; a known path asked with another method is a 405 with `Allow`), and the latency is
/// recorded per route and status class.
struct ServeMiddleware: RouterMiddleware {
    typealias Context = BasicRequestContext
    let metrics: ServeMetrics
    let options: ServeOptions
    /// The router's routes, filled in once they are registered.
    let routes = RouteTable()

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        let start = ContinuousClock.now
        let response: Response
        do {
            response = try await next(request, context)
        } catch let e as ServeError {
            response = Self.error(e.description, status: e.status)
        } catch let e as HTTPError {
            let message: String
            let allowed = e.status == .notFound ? routes.methods(path: request.uri.path) : []
            if !allowed.isEmpty {
                let list = allowed.map(\.rawValue).joined(separator: ", ")
                var r = Self.error(
                    "\(request.method) is not allowed on \(request.uri.path) (allowed: \(list)); see /openapi.yaml",
                    status: .methodNotAllowed)
                r.headers[.allow] = list
                metrics.requests(route: "\(request.method) unmatched", status: "4xx").record(
                    ContinuousClock.now - start)
                return r
            }
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
                "this server requires a bearer token for writes: send `Authorization: Bearer <token>` (the token of RECPIPE_SERVE_TOKEN or --token-file)"
            )
        }
    }
}

/// The (method, path pattern) pairs of a router, to tell "no such path" (404) from "not with
/// this method" (405).
final class RouteTable: Sendable {
    private let entries = Mutex<[(segments: [Substring], method: HTTPRequest.Method)]>([])

    /// Records `routes` (paths written `/v1/users/:id/profile`).
    func set(_ routes: [(path: String, method: HTTPRequest.Method)]) {
        entries.withLock { $0 = routes.map { (Self.segments($0.path), $0.method) } }
    }

    /// The methods a path answers to (empty: no route has this path).
    func methods(path: String) -> [HTTPRequest.Method] {
        let asked = Self.segments(path)
        return entries.withLock { all in
            all.filter { e in
                e.segments.count == asked.count
                    && zip(e.segments, asked).allSatisfy { p, a in
                        p.hasPrefix(":") || p.hasPrefix("{") ? !a.isEmpty : p == a
                    }
            }.map(\.method)
        }
    }

    static func segments(_ path: String) -> [Substring] { path.split(separator: "/") }
}
