import Foundation
import RecpipeCore
import RecpipeData
import RecpipeDatabase
import RecpipeEngine
import RecpipeSpec

/// `ingest` from a database: `from: { sqlite: PATH | postgres: URL, query: "SELECT …",
/// changes_with: EXPR | always }`. The rows go through the same schema, rejects and
/// `max_bad_rows` rules as a file. The stage's fingerprint holds the query and, when declared,
/// the `changes_with` value read at plan time (`max(updated_at)` over the query's rows), or a
/// fresh value on every run for `always`; without it, the stage re-reads only when the query or
/// its parameters change.
extension IngestStage {
    static let fromParam = ParamSpec(
        "from", .map(.any),
        doc:
            "read a database instead of a file: { sqlite: PATH | postgres: URL, query: SQL, changes_with: EXPR|always }"
    )

    /// The source a `from:` map names.
    struct DatabaseSource {
        var target: DatabaseTarget
        var query: String
        var changesWith: String?
    }

    static func databaseSource(_ stage: StageSpec, base: String) throws -> DatabaseSource? {
        guard let from = stage.params["from"], !from.isNull else { return nil }
        let loc = stage.paramLocations["from"]
        let keys = ["sqlite", "postgres", "query", "changes_with"]
        guard let entries = from.mapValue else {
            throw StageError(
                "`from` must be a map: { sqlite: PATH, query: SQL } or { postgres: URL, query: SQL }",
                code: .invalidParam, at: loc)
        }
        for e in entries where !keys.contains(e.key) {
            throw StageError(
                "`from` has unknown key '\(e.key)'", code: .invalidParam, at: loc,
                hint: Suggestions.hint(for: e.key, in: keys) ?? "keys: \(keys.joined(separator: ", "))")
        }
        guard let query = from["query"]?.stringValue, !query.trimmingCharacters(in: .whitespaces).isEmpty else {
            throw StageError(
                "`from` needs a `query` (the SELECT whose rows become the table)", code: .invalidParam, at: loc)
        }
        let target: DatabaseTarget
        switch (from["sqlite"]?.stringValue, from["postgres"]?.stringValue) {
        case (let path?, nil):
            target = .sqlite(path: StageContext.resolve(path, base: base))
        case (nil, let url?):
            do {
                target = .postgres(try PostgresLocation(url: url))
            } catch let e as DatabaseFailure {
                throw StageError(e.message, code: .init(rawValue: e.errorCode), at: loc, hint: e.hint)
            }
        default:
            throw StageError(
                "`from` needs exactly one of `sqlite: PATH` or `postgres: URL`", code: .invalidParam, at: loc)
        }
        return DatabaseSource(target: target, query: query, changesWith: from["changes_with"]?.stringValue)
    }

    /// Validate-time: exactly one of `path` and `from`, and a well-formed `from`.
    static func checkSource(_ stage: StageSpec) -> [Diagnostic] {
        let hasPath = stage.params["path"].map { !$0.isNull } ?? false
        let hasFrom = stage.params["from"].map { !$0.isNull } ?? false
        if hasPath == hasFrom {
            return [
                .error(
                    "invalid-param", "stage '\(stage.name)': give either `path` (a file) or `from` (a database query)",
                    at: stage.location, hint: "from: { sqlite: shop.db, query: \"SELECT …\" }")
            ]
        }
        do {
            _ = try databaseSource(stage, base: "/")
            return []
        } catch let e as StageError {
            return [
                .error(
                    "invalid-param", "stage '\(stage.name)': \(e.message)", at: e.location ?? stage.location,
                    hint: e.hint)
            ]
        } catch {
            return [.error("invalid-param", "stage '\(stage.name)': \(error)", at: stage.location)]
        }
    }

    static func sourceState(_ spec: StageSpec, pipeline: PipelineSpec) async throws -> String? {
        guard let source = try databaseSource(spec, base: pipeline.baseDirectory), let changes = source.changesWith
        else { return nil }
        if changes.trimmingCharacters(in: .whitespaces).lowercased() == "always" {
            return
                "changes_with: always (read at \(Timestamp.format(Int64(Date().timeIntervalSince1970))), \(UUID().uuidString))"
        }
        do {
            return "changes_with \(changes) = "
                + (try await DatabaseReader.state(source.target, query: source.query, changesWith: changes))
        } catch let e as DatabaseFailure {
            throw StageError(
                "stage '\(spec.name)': cannot evaluate changes_with: \(e.message)", code: .init(rawValue: e.errorCode),
                at: spec.paramLocations["from"],
                hint: e.hint)
        } catch let e as IngestError {
            throw StageError(
                "stage '\(spec.name)': cannot evaluate changes_with: \(e.message)", code: .init(rawValue: e.errorCode),
                at: spec.paramLocations["from"],
                hint: e.hint)
        }
    }

    /// Reads the query's rows; errors point at `from`.
    func readDatabase(_ source: DatabaseSource, _ context: StageContext, options: IngestOptions) async throws
        -> IngestResult
    {
        context.progress(nil, "querying \(source.target)")
        do {
            return try await DatabaseReader.read(source.target, query: source.query, options: options)
        } catch let e as DatabaseFailure {
            throw StageError(
                e.message, code: .init(rawValue: e.errorCode), at: context.location(of: "from"), hint: e.hint)
        }
    }
}
