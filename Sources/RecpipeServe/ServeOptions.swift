import Foundation

/// How `recpipe serve` listens and guards writes.
package struct ServeOptions: Sendable {
    package var host = "127.0.0.1"
    package var port = 8080
    /// Required as `Authorization: Bearer <token>` on writes when set.
    package var token: String?
    /// Request bodies larger than this are refused (413).
    package var maxBodyBytes = 1 << 20
    /// The event log (JSON Lines); nil: events are not logged (tests only).
    package var logPath: String?
    /// How often the rules files are checked for changes (nil: never).
    package var watchInterval: Duration? = .seconds(1)
    /// The bound of the response cache in bytes (0: no cache).
    package var cacheBytes = ServeOptions.defaultCacheBytes
    package static let defaultCacheBytes = 64 << 20

    package init() {}

    /// Whether `host` only accepts connections from this machine.
    package var isLoopback: Bool { ["127.0.0.1", "::1", "localhost"].contains(host) }

    /// The token from `RECPIPE_SERVE_TOKEN`, else from `tokenFile` (first line, trimmed); a
    /// non-loopback host without one is refused, so that writes are never open to a network.
    package mutating func resolveToken(environment: [String: String], tokenFile: String?) throws {
        if let file = tokenFile {
            guard let text = try? String(contentsOfFile: file, encoding: .utf8) else {
                throw ServeError.setup("cannot read the token file '\(file)'")
            }
            let t = text.split(separator: "\n").first.map { $0.trimmingCharacters(in: .whitespaces) } ?? ""
            guard !t.isEmpty else { throw ServeError.setup("the token file '\(file)' is empty") }
            token = t
        } else if let t = environment["RECPIPE_SERVE_TOKEN"], !t.isEmpty {
            token = t
        }
        if !isLoopback && token == nil {
            throw ServeError.setup(
                "--host \(host) accepts connections from other machines: set a bearer token for writes (RECPIPE_SERVE_TOKEN=… or --token-file FILE), or bind to 127.0.0.1"
            )
        }
    }
}
