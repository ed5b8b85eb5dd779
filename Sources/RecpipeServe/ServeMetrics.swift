import Prometheus

/// The server's Prometheus metrics (`GET /metrics`): request latency per route, events accepted,
/// fold-in time, rule errors and reloads, users changed online.
package struct ServeMetrics: Sendable {
    package let registry = PrometheusCollectorRegistry()
    let eventsAccepted: Counter
    let eventsRejected: Counter
    let ruleErrors: Counter
    let foldIn: DurationHistogram
    let onlineUsers: Gauge
    let unknownUserFallbacks: Counter
    let cacheHits: Counter
    let cacheMisses: Counter
    let cacheEvictions: Counter
    let cacheInvalidations: Counter
    let cacheBytes: Gauge

    /// Latency buckets: 100 µs … 5 s.
    static let buckets: [Duration] = [
        .microseconds(100), .microseconds(250), .microseconds(500), .milliseconds(1), .milliseconds(2),
        .milliseconds(5),
        .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100), .milliseconds(250), .seconds(1),
        .seconds(5),
    ]

    package init() {
        eventsAccepted = registry.makeCounter(
            descriptor: .init(
                namespace: "recpipe", metricName: "events_accepted", unitName: "total",
                helpText: "Events written to the log and applied"))
        eventsRejected = registry.makeCounter(
            descriptor: .init(
                namespace: "recpipe", metricName: "events_rejected", unitName: "total",
                helpText: "Events in requests answered 4xx"))
        ruleErrors = registry.makeCounter(
            descriptor: .init(
                namespace: "recpipe", metricName: "rule_errors", unitName: "total",
                helpText: "Lua rule failures while tagging or ranking"))
        foldIn = registry.makeDurationHistogram(
            descriptor: .init(
                namespace: "recpipe", metricName: "als_fold_in_duration", unitName: "seconds",
                helpText: "ALS fold-in of one user"),
            buckets: Self.buckets)
        onlineUsers = registry.makeGauge(
            descriptor: .init(
                namespace: "recpipe", metricName: "online_users", unitName: "count",
                helpText: "Users changed by events since the loaded run"))
        unknownUserFallbacks = registry.makeCounter(
            descriptor: .init(
                namespace: "recpipe", metricName: "unknown_user_fallbacks", unitName: "total",
                helpText: "Recommendation reads for unknown users answered with the popular fallback"))
        let r = registry
        func cache(_ name: String, _ help: String) -> Counter {
            r.makeCounter(
                descriptor: .init(
                    namespace: "recpipe", metricName: "response_cache_\(name)", unitName: "total", helpText: help))
        }
        cacheHits = cache("hits", "Reads answered from the response cache")
        cacheMisses = cache("misses", "Reads the response cache did not hold (ranked and stored)")
        cacheEvictions = cache("evictions", "Response cache entries dropped to stay under --cache-mb")
        cacheInvalidations = cache(
            "invalidations", "Response cache entries dropped because an event changed their user")
        cacheBytes = registry.makeGauge(
            descriptor: .init(
                namespace: "recpipe", metricName: "response_cache", unitName: "bytes",
                helpText: "Bytes the response cache holds (bodies and bookkeeping)"))
    }

    /// The latency histogram of one route (`GET /v1/users/{id}/profile`, …) and status class.
    func requests(route: String, status: String) -> DurationHistogram {
        registry.makeDurationHistogram(
            descriptor: .init(
                namespace: "recpipe", metricName: "http_request_duration", unitName: "seconds",
                helpText: "Request latency per route"),
            labels: [("route", route), ("status", status)], buckets: Self.buckets)
    }

    /// Rules reloads by result (`ok`, `error`).
    func reloads(_ result: String) -> Counter {
        registry.makeCounter(
            descriptor: .init(
                namespace: "recpipe", metricName: "rule_reloads", unitName: "total", helpText: "Rules reloads by result"
            ),
            labels: [("result", result)])
    }

    /// Event-log lines skipped by the start-up replay, by reason (`unknown_item`, `unreadable`).
    func replaySkipped(reason: String) -> Counter {
        registry.makeCounter(
            descriptor: .init(
                namespace: "recpipe", metricName: "replay_skipped_events", unitName: "total",
                helpText: "Event-log lines the start-up replay did not apply"),
            labels: [("reason", reason)])
    }

    package func text() -> String { registry.emitToString() }
}
