import Foundation
import RecpipeCore
import RecpipeData
import RecpipeDatabase
import RecpipeEngine
import RecpipeSpec

/// The `export` stage's database formats: `sqlite` (a file, `recpipe.sqlite` beside `to` unless
/// `database:` names one) and `postgres` (the server the `postgres:` URL names). The work is done
/// by `RecpipeDatabase`; this file turns parameters and input artifacts into its requests.
extension ExportStage {
    static let databaseFormats = ["sqlite", "postgres"]

    static let databaseParams: [ParamSpec] = [
        ParamSpec(
            "database", .outputPath,
            doc: "SQLite file for format sqlite (default recpipe.sqlite beside `to`: out/demo → out/recpipe.sqlite)"),
        ParamSpec(
            "postgres", .string,
            doc:
                "server for format postgres: postgres://USER@HOST:PORT/DATABASE[?sslmode=disable|prefer|require]; the password comes from PGPASSWORD or ~/.pgpass, never the URL"
        ),
        ParamSpec(
            "mode", .choice(ExportMode.allCases.map(\.rawValue)), default: .string("replace"),
            doc:
                "database tables: replace (load a new table, swap it in one transaction), append (add this run's rows by run_id), upsert (by key)"
        ),
        ParamSpec(
            "tables", .map(.string),
            doc: "input stage → table name (default: the stage's name; segments also write <table>_summary)"),
        ParamSpec(
            "keys", .map(.list(.string)),
            doc:
                "table → key columns for upsert (default: user_id, item_id for recommendations; user_id for profiles and segments; segment for summaries)"
        ),
    ]

    /// Validate-time checks: a server URL without a password for `postgres`, valid table names.
    static func checkDatabase(_ stage: StageSpec) -> [Diagnostic] {
        var out: [Diagnostic] = []
        let formats = stage.params["formats"]?.stringList ?? []
        func problem(_ param: String, _ message: String, hint: String? = nil) {
            out.append(
                .error(
                    "invalid-param", "stage '\(stage.name)': \(message)",
                    at: stage.paramLocations[param] ?? stage.location, hint: hint))
        }
        if formats.contains("postgres") {
            if let url = stage.params["postgres"]?.stringValue {
                do { _ = try PostgresLocation(url: url) } catch let e as DatabaseFailure {
                    problem("postgres", e.message, hint: e.hint)
                } catch {}
            } else {
                problem("formats", "format postgres needs `postgres: postgres://USER@HOST:PORT/DATABASE`")
            }
        }
        for e in stage.params["tables"]?.mapValue ?? [] {
            guard let name = e.value.stringValue else { continue }
            do {
                let id = try SQLIdentifier(table: name)
                if id.schema != nil && formats.contains("sqlite") {
                    problem(
                        "tables", "table '\(name)' is schema-qualified, but SQLite has no schemas",
                        hint: "export the schema-qualified PostgreSQL tables from an export stage without sqlite")
                }
            } catch let err as DatabaseFailure {
                problem("tables", err.message, hint: err.hint)
            } catch {}
        }
        return out
    }

    /// Writes every input to each database format; returns the tables written and summary notes.
    func exportToDatabases(_ context: StageContext, formats: [String]) async throws -> (
        tables: [WrittenFiles.TableEntry], notes: [String]
    ) {
        let targets = try databaseTargets(context, formats: formats)
        guard !targets.isEmpty else { return ([], []) }
        let mode = context.choice("mode", as: ExportMode.self)
        let runID = context.runID
        let asOf = context.asOf ?? String(Timestamp.format(Int64(Date().timeIntervalSince1970)).prefix(10))
        let names = Dictionary(
            (context.param("tables")?.mapValue ?? []).compactMap { e in e.value.stringValue.map { (e.key, $0) } }
        ) { a, _ in a }
        let keys = Dictionary(
            (context.param("keys")?.mapValue ?? []).compactMap { e in e.value.stringList.map { (e.key, $0) } }
        ) { a, _ in a }
        var requests: [TableExport] = []
        do {
            for input in context.inputs["data"] ?? [] {
                let base = names[input.stage] ?? SQLIdentifier.plainName(from: input.stage)
                for part in ArtifactTable.tables(for: input.artifact, kind: input.kind) {
                    let name = base + part.suffix
                    requests.append(
                        try TableExport(
                            table: name, data: part.data, keys: keys[name] ?? part.defaultKeys,
                            index: keys[name] ?? part.lookup, runID: runID,
                            asOf: asOf, mode: mode))
                }
            }
        } catch let e as DatabaseFailure {
            throw StageError(
                e.message, code: .init(rawValue: e.errorCode), at: context.location(of: "tables"), hint: e.hint)
        }
        var written: [WrittenFiles.TableEntry] = []
        var notes: [String] = []
        for (target, recorded, param) in targets {
            context.progress(nil, "writing \(requests.count) table(s) to \(target)")
            let done: [ExportedTable]
            do {
                done = try await target.export(requests)
            } catch let e as DatabaseFailure {
                throw StageError(
                    e.message, code: .init(rawValue: e.errorCode), at: context.location(of: param), hint: e.hint)
            }
            for t in done {
                written.append(.init(target: recorded, table: t.table, runID: runID, rows: t.rows))
                notes.append("\(target): table \(t.table) \(Self.verb(t.mode)) (\(t.rows) rows, run_id \(runID))")
            }
        }
        return (written, notes)
    }

    /// Each database format's target, how the result records it (a SQLite path as the pipeline
    /// names it), and the parameter its errors point at.
    private func databaseTargets(_ context: StageContext, formats: [String]) throws -> [(
        DatabaseTarget, String, String
    )] {
        var out: [(DatabaseTarget, String, String)] = []
        if formats.contains("sqlite") {
            // Beside `to`, not in it: `to` is a link to this run's file set, and the database
            // outlives the sets (append, upsert).
            let written = context.optionalString("database") ?? Self.defaultDatabase(to: context.string("to"))
            let path = context.resolve(written)
            let recorded = StageContext.pipelinePath(path, written: written, base: context.pipeline.baseDirectory)
            out.append(
                (.sqlite(path: path), "sqlite:" + recorded, context.param("database") == nil ? "to" : "database"))
        }
        if formats.contains("postgres"), let url = context.optionalString("postgres") {
            // An experiment's files and SQLite file move under experiments/NAME/; a server's
            // tables cannot, and writing them would replace what production readers see.
            if let experiment = context.pipeline.experiment {
                throw StageError(
                    "stage '\(context.stageName)': experiment '\(experiment)' would write the production PostgreSQL tables "
                        + "at \(url); an experiment's outputs go under experiments/\(experiment)/, which a server has no place for",
                    code: .productionTarget, at: context.location(of: "formats"),
                    hint: "leave postgres out for the experiment (--set \(context.stageName).formats=[csv, sqlite]), "
                        + "or pass --production to make this run production")
            }
            do {
                let location = try PostgresLocation(url: url)
                out.append((.postgres(location), "postgres:" + url, "postgres"))
            } catch let e as DatabaseFailure {
                throw StageError(
                    e.message, code: .init(rawValue: e.errorCode), at: context.location(of: "postgres"), hint: e.hint)
            }
        }
        return out
    }

    /// `recpipe.sqlite` in the directory that holds `to` (`out/demo` → `out/recpipe.sqlite`).
    static func defaultDatabase(to: String) -> String {
        let trimmed = to.hasSuffix("/") && to.count > 1 ? String(to.dropLast()) : to
        let parent = (trimmed as NSString).deletingLastPathComponent
        return parent.isEmpty ? "recpipe.sqlite" : parent + "/recpipe.sqlite"
    }

    private static func verb(_ mode: ExportMode) -> String {
        switch mode {
        case .replace: "replaced"
        case .append: "appended"
        case .upsert: "upserted"
        }
    }
}

extension WrittenFiles.TableEntry {
    /// Whether the table still holds this run's rows (a cached export is reused only then).
    func isIntact(base: String) -> Bool {
        let destination: DatabaseTarget
        if target.hasPrefix("sqlite:") {
            destination = .sqlite(path: StageContext.resolve(String(target.dropFirst(7)), base: base))
        } else if target.hasPrefix("postgres:"), let location = try? PostgresLocation(url: String(target.dropFirst(9)))
        {
            destination = .postgres(location)
        } else {
            return false
        }
        return destination.rowCount(table: table, runID: runID) == rows
    }
}
