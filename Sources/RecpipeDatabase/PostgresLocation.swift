import Foundation

/// A PostgreSQL server and database as a pipeline names it:
/// `postgres://USER@HOST:PORT/DATABASE?sslmode=disable|prefer|require`. The password is never
/// part of it: it comes from `PGPASSWORD` or the password file (`PGPASSFILE`, else `~/.pgpass`),
/// as with `psql`, so neither the YAML nor the manifest ever holds it.
package struct PostgresLocation: Sendable, Hashable, CustomStringConvertible {
    package enum TLSMode: String, Sendable, Hashable { case disable, prefer, require }

    package var host: String
    package var port: Int
    package var user: String
    package var database: String
    package var tls: TLSMode

    /// `host:port/database`: what errors and the run summary show.
    package var description: String { "\(host):\(port)/\(database)" }

    package init(host: String, port: Int = 5432, user: String, database: String, tls: TLSMode = .prefer) {
        self.host = host
        self.port = port
        self.user = user
        self.database = database
        self.tls = tls
    }

    /// Parses a URL; a URL holding a password is refused (it would end up in the YAML, the
    /// manifest and the shell history).
    package init(url text: String, environment: [String: String] = ProcessInfo.processInfo.environment) throws {
        let hint = "write it as postgres://USER@HOST:PORT/DATABASE (password in PGPASSWORD or ~/.pgpass)"
        guard let c = URLComponents(string: text), c.scheme == "postgres" || c.scheme == "postgresql" else {
            throw DatabaseFailure(.badURL, "'\(text)' is not a postgres:// URL", hint: hint)
        }
        if c.password != nil {
            throw DatabaseFailure(
                .passwordInURL, "the PostgreSQL URL must not contain a password",
                hint: "remove ':PASSWORD' from the URL and set PGPASSWORD or add a line to ~/.pgpass")
        }
        let database = c.path.hasPrefix("/") ? String(c.path.dropFirst()) : c.path
        guard let host = c.host, !host.isEmpty, !database.isEmpty else {
            throw DatabaseFailure(.badURL, "'\(text)' needs a host and a database", hint: hint)
        }
        var tls = TLSMode.prefer
        for item in c.queryItems ?? [] {
            guard item.name == "sslmode", let v = item.value, let mode = TLSMode(rawValue: v) else {
                throw DatabaseFailure(
                    .badURL, "unsupported URL option '\(item.name)=\(item.value ?? "")'",
                    hint: "the only option is sslmode=disable|prefer|require")
            }
            tls = mode
        }
        let user = c.user ?? environment["PGUSER"] ?? environment["USER"] ?? "postgres"
        self.init(host: host, port: c.port ?? 5432, user: user, database: database, tls: tls)
    }

    // MARK: - Password

    /// The password from `PGPASSWORD`, else the first matching line of the password file
    /// (`hostname:port:database:username:password`, `*` matches anything, `\:` and `\\` escaped),
    /// else nil (the server may not ask for one).
    package func password(environment: [String: String] = ProcessInfo.processInfo.environment) -> String? {
        if let p = environment["PGPASSWORD"] { return p }
        let file = environment["PGPASSFILE"] ?? (environment["HOME"] ?? NSHomeDirectory()) + "/.pgpass"
        guard let text = try? String(contentsOfFile: file, encoding: .utf8) else { return nil }
        return Self.password(inPassFile: text, for: self)
    }

    package static func password(inPassFile text: String, for l: PostgresLocation) -> String? {
        for line in text.split(whereSeparator: \.isNewline) where !line.hasPrefix("#") {
            let f = fields(String(line))
            guard f.count == 5 else { continue }
            let wanted = [l.host, String(l.port), l.database, l.user]
            if zip(f.prefix(4), wanted).allSatisfy({ $0 == "*" || $0 == $1 }) { return f[4] }
        }
        return nil
    }

    private static func fields(_ line: String) -> [String] {
        var out: [String] = [], cur = "", escaped = false
        for ch in line {
            if escaped {
                cur.append(ch)
                escaped = false
            } else if ch == "\\" {
                escaped = true
            } else if ch == ":" {
                out.append(cur)
                cur = ""
            } else {
                cur.append(ch)
            }
        }
        out.append(cur)
        return out
    }
}
