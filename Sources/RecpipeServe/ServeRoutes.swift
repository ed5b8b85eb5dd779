import Foundation
import Hummingbird
import NIOCore
import RecpipeData
import RecpipeStages

/// The HTTP API of `recpipe serve` (described in `openapi.yaml`, served at `/openapi.yaml`).
package enum ServeRoutes {
    /// A router with every route of the API over `state`.
    package static func router(_ state: ServeState, options: ServeOptions, log: EventLog?) -> Router<
        BasicRequestContext
    > {
        let router = Router(context: BasicRequestContext.self)
        let middleware = ServeMiddleware(metrics: state.metrics, options: options)
        router.add(middleware: middleware)
        router.get("/healthz") { _, _ in json(.object([("status", .string("ok"))])) }
        router.get("/metrics") { _, _ in
            state.metrics.cacheBytes.set(Double(state.cache.figures.bytes))
            return Response(
                status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: .init(byteBuffer: ByteBuffer(string: state.metrics.text())))
        }
        router.get("/openapi.yaml") { _, _ in
            Response(
                status: .ok, headers: [.contentType: "application/yaml; charset=utf-8"],
                body: .init(byteBuffer: ByteBuffer(string: try OpenAPIDocument.text())))
        }
        router.get("/v1/status") { _, _ in json(status(state, log: log)) }
        router.get("/v1/users/:id/recommendations") { request, context in
            let user = try context.parameters.require("id")
            let n = try intParameter(request, "n", default: state.pipeline.ranker.top, range: 1...10_000)
            let explain = try boolParameter(request, "explain")
            return json(body: try recommendationsBody(state, user: user, n: n, explain: explain))
        }
        router.get("/v1/users/:id/profile") { _, context in
            json(body: try profileBody(state, user: try context.parameters.require("id")))
        }
        router.get("/v1/items/:id/similar") { request, context in
            let item = try context.parameters.require("id")
            let n = try intParameter(request, "n", default: 10, range: 1...10_000)
            let similar = try state.similar(item: item, n: n)
            return json(
                .object([
                    ("item", .string(item)), ("source", .string(state.similarBasis.source)),
                    ("basis", .string(state.similarBasis.text)),
                    (
                        "items",
                        .array(
                            similar.map { .object([("item", .string($0.item)), ("score", .double(Double($0.score)))]) })
                    ),
                ]))
        }
        router.post("/v1/events") { request, context in
            try ServeMiddleware.authorize(request, options: options)
            var body: ByteBuffer
            do {
                body = try await request.body.collect(upTo: options.maxBodyBytes)
            } catch is NIOTooManyBytesError {
                state.metrics.eventsRejected.increment()
                throw ServeError.tooLarge(
                    "the body is over the limit of \(options.maxBodyBytes) bytes (--max-body); send fewer events per request"
                )
            }
            let data = Data(body.readBytes(length: body.readableBytes) ?? [])
            let events: [EventSchema.Parsed]
            do {
                events = try state.pipeline.events.parse(data)
                let unknown = state.unknownItems(events)
                if !unknown.isEmpty { throw ServeError.badRequest(unknown.joined(separator: "; ")) }
            } catch {
                state.metrics.eventsRejected.increment()
                state.counts.withLock { $0.rejectedRequests += 1 }
                throw error
            }
            if let log {
                let ms = Int64(Date().timeIntervalSince1970 * 1000)
                try await log.append(EventLog.stamp(events.map(\.line), at: ms), lines: events.count)
            }
            var applied = state.apply(events)
            if let unread = state.pipeline.events.unreadKeysWarning(events) { applied.warnings.append(unread) }
            return json(
                .object([
                    ("accepted", .int(Int64(events.count))), ("logged", .bool(log != nil)),
                    ("users", .array(applied.users.map { change(($0)) })),
                    ("warnings", .array(applied.warnings.map { .string($0) })),
                ]))
        }
        router.post("/v1/rules/reload") { request, _ in
            try ServeMiddleware.authorize(request, options: options)
            let files = state.reloadRules()
            let failed = files.contains { $0.state == "error" }
            return json(
                .object([
                    ("rules_generation", .int(Int64(state.rulesGeneration))), ("files", .array(files.map(ruleFile))),
                ]), status: failed ? .unprocessableContent : .ok)
        }
        middleware.routes.set(router.routes.map { ("\($0.path)", $0.method) })
        return router
    }

    // MARK: - Pieces

    static func json(_ v: JSONValue, status: HTTPResponse.Status = .ok) -> Response {
        json(body: jsonBody(v), status: status)
    }

    static func json(body: ByteBuffer, status: HTTPResponse.Status = .ok) -> Response {
        Response(
            status: status, headers: [.contentType: "application/json; charset=utf-8"], body: .init(byteBuffer: body))
    }

    static func jsonBody(_ v: JSONValue) -> ByteBuffer { ByteBuffer(string: v.text + "\n") }

    /// The recommendations answer of `user`: from the cache, else ranked, written and stored.
    static func recommendationsBody(_ state: ServeState, user: String, n: Int, explain: Bool) throws -> ByteBuffer {
        let route = ResponseCache.Route.recommendations(n: n, explain: explain)
        if let hit = state.cache.lookup(user: user, route: route) {
            if hit.unknownUser { state.noteFallback() }
            return hit.body
        }
        guard let answer = try state.answer(user: user) else {
            throw unknownUser(user, state, recommendations: true)
        }
        let body = recommendations(user, answer, n: n, explain: explain, asOf: state.pipeline.ranker.asOf)
        state.cache.insert(
            user: user, route: route, entry: .init(body: body, unknownUser: answer.list.unknownUser),
            version: answer.onlineEvents, generation: answer.generation)
        return body
    }

    /// The profile answer of `user`: from the cache, else built and stored.
    static func profileBody(_ state: ServeState, user: String) throws -> ByteBuffer {
        if let hit = state.cache.lookup(user: user, route: .profile) { return hit.body }
        guard let p = state.profile(user: user) else { throw unknownUser(user, state) }
        let body = jsonBody(
            .object([
                ("user", .string(user)), ("source", .string(p.online > 0 ? "online" : "batch")),
                ("online_events", .int(Int64(p.online))),
                ("features", .object(p.fields.map { ($0.0, JSONValue($0.1)) })),
                ("tags", .array(p.tags.map { .string($0) })),
            ]))
        state.cache.insert(user: user, route: .profile, entry: .init(body: body), version: p.online, generation: nil)
        return body
    }

    /// The body of a recommendations answer: `n` first items, with provenance when `explain`.
    static func recommendations(
        _ user: String, _ a: ServeState.Answer, n: Int, explain: Bool, asOf: String
    ) -> ByteBuffer {
        var items: [JSONValue] = []
        for (k, r) in a.list.items.prefix(n).enumerated() {
            var o: [(String, JSONValue)] = [
                ("rank", .int(Int64(k + 1))), ("item", .string(r.item)), ("score", .double(Double(r.score))),
            ]
            if explain { o.append(("provenance", .string(r.provenance))) }
            items.append(.object(o))
        }
        return jsonBody(
            .object([
                ("user", .string(user)), ("as_of", .string(asOf)),
                ("source", .string(a.onlineEvents > 0 ? "online" : "batch")),
                ("online_events", .int(Int64(a.onlineEvents))), ("rules_generation", .int(Int64(a.generation))),
                ("fallback", .bool(a.list.fallback)), ("unknown_user", .bool(a.list.unknownUser)),
                ("items", .array(items)),
            ]))
    }

    /// `recommendations`: the read had no fallback (the rank stage has no global popular list).
    static func unknownUser(_ user: String, _ state: ServeState, recommendations: Bool = false) -> ServeError {
        let fallback =
            recommendations
            ? " (no fallback list: the rank stage '\(state.pipeline.rankStage)' has no popular input with one list for all users)"
            : ""
        return .notFound(
            "user '\(user)' is not in the loaded run of '\(state.pipeline.rankStage)' (\(state.pipeline.ranker.userCount) users) and has sent no events; POST /v1/events to add them\(fallback)"
        )
    }

    static func intParameter(_ request: Request, _ name: String, default d: Int, range: ClosedRange<Int>) throws -> Int
    {
        guard let text = request.uri.queryParameters[Substring(name)] else { return d }
        guard let n = Int(text), range.contains(n) else {
            throw ServeError.badRequest(
                "query parameter '\(name)' must be an integer from \(range.lowerBound) to \(range.upperBound) (got '\(text)')"
            )
        }
        return n
    }

    static func boolParameter(_ request: Request, _ name: String) throws -> Bool {
        guard let text = request.uri.queryParameters[Substring(name)] else { return false }
        switch text {
        case "true", "1", "": return true
        case "false", "0": return false
        default: throw ServeError.badRequest("query parameter '\(name)' must be true or false (got '\(text)')")
        }
    }

    static func change(_ c: ServeState.UserChange) -> JSONValue {
        .object([
            ("user", .string(c.user)), ("events", .int(Int64(c.events))), ("new", .bool(c.isNew)),
            ("tags", .array(c.tags.map { .string($0) })), ("top", .array(c.top.map { .string($0) })),
        ])
    }

    static func ruleFile(_ f: ServeState.RuleFile) -> JSONValue {
        .object([
            ("file", .string(f.file)), ("kind", .string(f.kind)), ("state", .string(f.state)),
            ("error", f.error.map { .string($0) } ?? .null),
            ("loaded_at", .string(ISO8601DateFormatter().string(from: f.loadedAt))),
        ])
    }

    /// What an event refreshes online, and what stays as the run left it.
    static func onlineRefresh(_ p: ServedPipeline) -> JSONValue {
        let unapplied = p.events.rowFilters.flatMap { f in f.unapplied.map { "\($0) (before '\(f.encoder)')" } }
        return .object([
            ("profile", p.featuresStage.map { .string($0) } ?? .null),
            ("als_fold_in", p.factorsStage.map { .string($0) } ?? .null),
            ("item_knn_rescored", .array(p.itemKNN.map { .string($0.knn.stage) })),
            ("lists_kept_from_run", .array(p.keptSources.map { .string($0) })),
            (
                "item_similarities",
                .string("item factors and item-kNN neighbour lists are the loaded run's; the next run recomputes them")
            ),
            ("clean_steps_not_applied", .array(unapplied.map { .string($0) })),
        ])
    }

    static func cache(_ f: ResponseCache.Figures) -> JSONValue {
        .object(
            [
                ("limit_bytes", f.limitBytes), ("bytes", f.bytes), ("entries", f.entries), ("hits", f.hits),
                ("misses", f.misses), ("evictions", f.evictions), ("invalidations", f.invalidations),
                ("reset_by_reload", f.resets), ("stale_refused", f.staleRefused), ("too_large", f.tooLarge),
            ].map { ($0.0, .int(Int64($0.1))) })
    }

    static func status(_ state: ServeState, log: EventLog?) -> JSONValue {
        let p = state.pipeline
        let c = state.counts_
        return .object([
            ("pipeline", .string(p.spec.name)), ("file", .string(p.spec.file)), ("rank_stage", .string(p.rankStage)),
            ("loaded_run", .string(p.rankFingerprint)), ("as_of", .string(p.ranker.asOf)),
            ("started_at", .string(ISO8601DateFormatter().string(from: state.startedAt))),
            (
                "counts",
                .object([
                    ("users", .int(Int64(p.ranker.userCount))), ("items", .int(Int64(p.ranker.itemIDs.count))),
                    ("profiles", .int(Int64(p.profiles.rowCount))), ("online_users", .int(Int64(state.onlineUsers))),
                    ("events_accepted", .int(Int64(c.accepted))), ("events_replayed", .int(Int64(c.replayed))),
                    ("replay_skipped_unknown_items", .int(Int64(c.replaySkippedUnknownItems))),
                    ("replay_unreadable_lines", .int(Int64(c.replayUnreadableLines))),
                    ("knn_rescores", .int(Int64(c.knnRescores))),
                    ("requests_rejected", .int(Int64(c.rejectedRequests))), ("fold_ins", .int(Int64(c.foldIns))),
                    ("events_without_als_effect", .int(Int64(c.skippedForALS))),
                    ("rule_errors", .int(Int64(c.ruleErrors))),
                    ("unknown_user_fallbacks", .int(Int64(c.unknownUserFallbacks))),
                ])
            ),
            ("response_cache", cache(state.cache.figures)),
            ("last_rule_error", c.lastRuleError.map { .string($0) } ?? .null),
            ("rules_generation", .int(Int64(state.rulesGeneration))),
            ("rules", .array(state.ruleFiles.map(ruleFile))),
            ("online_refresh", onlineRefresh(p)),
            ("event_log", eventLog(log, c)),
        ])
    }

    /// The event log's part of `/v1/status`: where it is, what was written since start, and which
    /// ingest stage reads it (or why none does).
    static func eventLog(_ log: EventLog?, _ c: ServeState.Counts) -> JSONValue {
        guard let log else { return .null }
        let figures = log.figures
        let readBy: JSONValue = c.logReadBy.map { .string($0) } ?? .null
        let warning: JSONValue = c.logWarning.map { .string($0) } ?? .null
        return .object([
            ("path", .string(log.path)), ("bytes", .int(figures.bytes)),
            ("lines_since_start", .int(Int64(figures.lines))), ("fsyncs_since_start", .int(Int64(figures.commits))),
            ("read_by", readBy), ("warning", warning),
        ])
    }
}
