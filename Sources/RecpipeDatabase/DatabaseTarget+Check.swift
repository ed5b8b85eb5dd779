import Foundation
import GRDB
import PostgresNIO

extension DatabaseTarget {
    /// How many rows of `table` carry `runID`, or nil when the database or table cannot be read.
    /// Synchronous, for the engine's check that a cached export's output is still in place: a
    /// PostgreSQL check waits on NIO futures (never on Swift concurrency's pool) with a short
    /// connect timeout.
    package func rowCount(table: String, runID: String) -> Int? {
        guard let id = try? SQLIdentifier(table: table) else { return nil }
        let sql = "SELECT count(*) FROM \(id.quoted) WHERE run_id = "
        switch self {
        case .sqlite(let path):
            guard FileManager.default.fileExists(atPath: path) else { return nil }
            var config = Configuration()
            config.readonly = true
            guard let queue = try? DatabaseQueue(path: path, configuration: config) else { return nil }
            defer { try? queue.close() }
            return try? queue.read { db in try Int.fetchOne(db, sql: sql + "?", arguments: [runID]) }
        case .postgres(let l):
            // The export's own TLS settings (sslmode), with a shorter connect timeout.
            guard let config = try? PostgresSession.configuration(l, connectTimeout: .seconds(3)) else { return nil }
            let loop = PostgresConnection.defaultEventLoopGroup.any()
            guard
                let connection = try? PostgresConnection.connect(
                    on: loop, configuration: config, id: 2, logger: PostgresSession.logger
                ).wait()
            else { return nil }
            defer { try? connection.close().wait() }
            var binds = PostgresBindings()
            binds.append(runID)
            guard
                let result = try? connection.query(
                    PostgresQuery(unsafeSQL: sql + "$1", binds: binds), logger: PostgresSession.logger
                ).wait(),
                let row = result.rows.first, let n = try? row.decode(Int.self)
            else { return nil }
            return n
        }
    }
}
