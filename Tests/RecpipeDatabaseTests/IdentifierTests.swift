import RecpipeData
import Testing

@testable import RecpipeDatabase

@Suite struct IdentifierTests {
    @Test(arguments: ["recs; DROP TABLE users", "1recs", "", "recs\"x", "rëcs", String(repeating: "a", count: 49)])
    func badTableNamesAreRefusedWithASuggestion(name: String) {
        let error = #expect(throws: DatabaseFailure.self) { try SQLIdentifier(table: name) }
        #expect(error?.code == .badIdentifier)
        #expect(error?.message.contains("invalid table name") == true)
        #expect(error?.hint?.contains("'\(SQLIdentifier.plainName(from: name))'") == true)
    }

    @Test func goodNamesAreQuoted() throws {
        #expect(try SQLIdentifier(table: "recs_2026").quoted == "\"recs_2026\"")
        #expect(try SQLIdentifier(column: "Unit Price", table: "t").quoted == "\"Unit Price\"")
        #expect(SQLIdentifier.plainName(from: "my-recs.v2") == "my_recs_v2")
        #expect(SQLIdentifier.plainName(from: "2nd") == "_2nd")
    }

    @Test func schemaQualifiedNamesAreQuotedPartByPart() throws {
        let t = try SQLIdentifier(table: "analytics.recs")
        #expect(t.quoted == "\"analytics\".\"recs\"" && t.schema == "analytics" && t.base == "recs")
        #expect(t.quotedBase == "\"recs\"")
        #expect(t.sibling("__rp_new").quoted == "\"analytics\".\"recs__rp_new\"")
        #expect(try SQLIdentifier(table: "recs").sibling("__rp_idx").quoted == "\"recs__rp_idx\"")
        let e = try TableExport(
            table: "analytics.recs", data: Fixtures.recommendations(), keys: [], index: ["user_id", "rank", "nope"],
            runID: "r", asOf: "2026-01-01", mode: .replace)
        #expect(e.index.map(\.name) == ["user_id", "rank"])
        #expect(e.stagingIndexName.quoted == "\"analytics\".\"recs__rp_newidx\"")
        #expect(e.lookupIndexName.quotedBase == "\"recs__rp_idx\"")
    }

    @Test(arguments: [
        ("a.b.c", "'a_b_c'"), (".recs", "'_recs'"), ("analytics.", "'analytics_'"), ("1a.recs", "'_1a.recs'"),
        ("a.re;cs", "'a.re_cs'"), ("a\".recs", "'a_.recs'"),
    ])
    func badQualifiedNamesAreRefused(name: String, suggestion: String) {
        let error = #expect(throws: DatabaseFailure.self) { try SQLIdentifier(table: name) }
        #expect(error?.message.hasPrefix("invalid table name '\(name)'") == true)
        #expect(error?.hint == "a valid name here would be \(suggestion)", "\(String(describing: error?.hint))")
    }

    @Test(arguments: ["a\"b", "", "tab\there", String(repeating: "c", count: 64)])
    func badColumnNamesNameTheTable(name: String) {
        let error = #expect(throws: DatabaseFailure.self) { try SQLIdentifier(column: name, table: "recs") }
        #expect(error?.message.hasPrefix("table 'recs': invalid column name") == true)
    }

    @Test func exportRefusesReservedColumnsAndUnknownKeys() throws {
        let t = try Table(schema: [.init("run_id", .string)], rows: [[.string("x")]])
        let reserved = #expect(throws: DatabaseFailure.self) {
            try TableExport(table: "t", data: t, keys: [], runID: "r", asOf: "2026-01-01", mode: .replace)
        }
        #expect(
            reserved?.message
                == "table 't': the data already has a column 'run_id', which recpipe adds to every exported table")
        let u = try Table(schema: [.init("user_id", .string)], rows: [[.string("x")]])
        let key = #expect(throws: DatabaseFailure.self) {
            try TableExport(table: "t", data: u, keys: ["usr"], runID: "r", asOf: "2026-01-01", mode: .upsert)
        }
        #expect(key?.message == "table 't': key column 'usr' is not a column; columns are: user_id, run_id, as_of")
        let none = #expect(throws: DatabaseFailure.self) {
            try TableExport(table: "t", data: u, keys: [], runID: "r", asOf: "2026-01-01", mode: .upsert)
        }
        #expect(none?.message == "table 't': mode upsert needs key columns")
    }

    // MARK: - URLs and credentials

    @Test func urlsParseWithoutPasswords() throws {
        let l = try PostgresLocation(
            url: "postgres://shop@db.internal:6432/analytics?sslmode=require", environment: [:])
        #expect(
            l == PostgresLocation(host: "db.internal", port: 6432, user: "shop", database: "analytics", tls: .require))
        #expect(l.description == "db.internal:6432/analytics")
        let d = try PostgresLocation(url: "postgresql://localhost/shop", environment: ["PGUSER": "etl"])
        #expect(d == PostgresLocation(host: "localhost", port: 5432, user: "etl", database: "shop", tls: .prefer))
    }

    /// The export and the cached-export check connect with the same settings: the URL's sslmode
    /// decides TLS for both (the check once always connected without TLS).
    @Test func sslmodeDecidesTheTLSOfEveryConnection() throws {
        func tls(_ mode: String) throws -> (allowed: Bool, enforced: Bool) {
            let url = "postgres://shop@db.internal/analytics?sslmode=\(mode)"
            let c = try PostgresSession.configuration(
                PostgresLocation(url: url, environment: [:]), connectTimeout: .seconds(3))
            return (c.tls.isAllowed, c.tls.isEnforced)
        }
        #expect(try tls("disable") == (false, false))
        #expect(try tls("prefer") == (true, false))
        #expect(try tls("require") == (true, true))
        let c = try PostgresSession.configuration(
            PostgresLocation(host: "h", port: 6432, user: "u", database: "d", tls: .disable))
        #expect(c.username == "u" && c.database == "d" && c.host == "h" && c.port == 6432)
        #expect(c.options.connectTimeout == .seconds(10))
    }

    @Test func aPasswordInTheURLIsRefused() {
        let e = #expect(throws: DatabaseFailure.self) {
            try PostgresLocation(url: "postgres://shop:s3cret@db/analytics", environment: [:])
        }
        #expect(e?.code == .passwordInURL)
        #expect(e?.message.contains("s3cret") == false)
        #expect(e?.hint?.contains("PGPASSWORD") == true)
    }

    @Test(arguments: ["mysql://db/x", "postgres://db", "postgres://db/x?sslmode=maybe", "postgres://db/x?schema=a"])
    func badURLsAreRefused(url: String) {
        let e = #expect(throws: DatabaseFailure.self) { try PostgresLocation(url: url, environment: [:]) }
        #expect(e?.code == .badURL)
    }

    @Test func passwordsComeFromTheEnvironmentThenThePassFile() throws {
        let l = PostgresLocation(host: "db", port: 5432, user: "shop", database: "analytics")
        #expect(l.password(environment: ["PGPASSWORD": "env", "PGPASSFILE": "/nonexistent"]) == "env")
        let file = """
            # comment
            other:5432:*:shop:wrong
            db:5432:analytics:shop:pa\\:ss
            *:*:*:*:fallback
            """
        #expect(PostgresLocation.password(inPassFile: file, for: l) == "pa:ss")
        #expect(
            PostgresLocation.password(inPassFile: file, for: PostgresLocation(host: "x", user: "y", database: "z"))
                == "fallback")
        #expect(l.password(environment: ["PGPASSFILE": "/nonexistent"]) == nil)
    }
}
