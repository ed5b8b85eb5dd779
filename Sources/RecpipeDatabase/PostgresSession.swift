import Foundation
import PostgresNIO

/// Opening a connection to the server a `PostgresLocation` names, with the password from the
/// environment or the password file, and the error a user sees when that fails.
enum PostgresSession {
    static let logger = Logger(label: "recpipe.postgres")

    /// The connection settings for `l`: its user, database and `sslmode` (`prefer` tries TLS
    /// without checking the certificate, as psql does; `require` insists on it), the password
    /// from the environment or the password file.
    static func configuration(_ l: PostgresLocation, connectTimeout: TimeAmount = .seconds(10)) throws
        -> PostgresConnection.Configuration
    {
        let tls: PostgresConnection.Configuration.TLS
        switch l.tls {
        case .disable:
            tls = .disable
        case .prefer, .require:
            var c = TLSConfiguration.makeClientConfiguration()
            if l.tls == .prefer { c.certificateVerification = .none }
            let context = try NIOSSLContext(configuration: c)
            tls = l.tls == .prefer ? .prefer(context) : .require(context)
        }
        var config = PostgresConnection.Configuration(
            host: l.host, port: l.port, username: l.user, password: l.password(), database: l.database, tls: tls)
        config.options.connectTimeout = connectTimeout
        return config
    }

    static func connect(_ l: PostgresLocation) async throws -> PostgresConnection {
        do {
            return try await PostgresConnection.connect(configuration: configuration(l), id: 1, logger: logger)
        } catch {
            throw DatabaseFailure(
                .connectionFailed, "PostgreSQL \(l): cannot connect as '\(l.user)': \(DatabaseFailure.reason(error))",
                hint: "is the server running and reachable? check the URL, and the password in PGPASSWORD or ~/.pgpass")
        }
    }

    static func run(_ sql: String, _ connection: PostgresConnection, binds: [String] = []) async throws {
        var b = PostgresBindings()
        for v in binds { b.append(v) }
        _ = try await connection.query(PostgresQuery(unsafeSQL: sql, binds: b), logger: logger).collect()
    }

    /// The first column of the first row of `sql`, as text.
    static func value(_ sql: String, _ connection: PostgresConnection) async throws -> String {
        for try await row in try await connection.query(PostgresQuery(unsafeSQL: sql), logger: logger) {
            return try row.decode(String.self)
        }
        return ""
    }

    /// The columns of `table` (in its schema, else the current one), in order (empty when it
    /// does not exist).
    static func columns(of table: SQLIdentifier, _ connection: PostgresConnection) async throws -> [String] {
        var b = PostgresBindings()
        b.append(table.base)
        var schema = "current_schema()"
        if let s = table.schema {
            b.append(s)
            schema = "$2"
        }
        let sql =
            "SELECT column_name::text FROM information_schema.columns WHERE table_schema = \(schema) AND table_name = $1 ORDER BY ordinal_position"
        var out: [String] = []
        for try await row in try await connection.query(PostgresQuery(unsafeSQL: sql, binds: b), logger: logger) {
            out.append(try row.decode(String.self))
        }
        return out
    }
}
