import Foundation
import RecpipeAlgorithms
import RecpipeData
import RecpipeScripting
import RecpipeStages
import Synchronization

/// What the server holds: the loaded run, the current rules (swapped whole on reload), and every
/// user the server has seen events for since the run, with their profile row, tags, ALS history
/// and last ranked list. Reads take a snapshot under a short lock and rank outside it; events
/// for the state are applied under one lock, so a later read sees them (read-your-writes).
package final class ServeState: Sendable {
    package let pipeline: ServedPipeline
    package let metrics: ServeMetrics
    let rules: Mutex<Rules>
    let users = Mutex<[String: OnlineUser]>([:])
    /// Events for one user are applied one request at a time (``userLock(_:)``): 64 stripes.
    private let userLocks = (0..<64).map { _ in UserLock() }
    let counts = Mutex(Counts())
    /// Serialized read answers (``ResponseCache``), valid for one rules generation and user version.
    package let cache: ResponseCache
    package let startedAt = Date()

    package struct Rules: Sendable {
        var ranker: OnlineRanker
        var tagger: OnlineTagger?
        /// Bumped by every swap; cached lists of another generation are ranked again.
        var generation = 0
        var files: [RuleFile] = []
    }

    /// A rules file and how its last load went.
    package struct RuleFile: Sendable, Equatable {
        package var file: String
        package var path: String
        package var kind: String
        package var state: String
        package var error: String?
        package var loadedAt: Date
        package var modified: Date?
    }

    package struct Counts: Sendable {
        package var accepted = 0
        package var replayed = 0
        /// Logged events skipped on replay: their item is not in the loaded catalogue.
        package var replaySkippedUnknownItems = 0
        package var replayUnreadableLines = 0
        /// The ingest stage that reads the event log, or why none does (`/v1/status` `event_log`).
        package var logReadBy: String?
        package var logWarning: String?
        package var rejectedRequests = 0
        package var ruleErrors = 0
        package var lastRuleError: String?
        package var foldIns = 0
        /// Item-kNN lists re-scored for a user after their events.
        package var knnRescores = 0
        package var skippedForALS = 0
        /// Reads for users neither the run nor the server knows, answered with the popular list.
        package var unknownUserFallbacks = 0
    }

    struct OnlineUser: Sendable {
        var override: UserOverride
        var row: [Value]
        var totals: ProfileUpdater.Totals
        /// The events received since the run, in order (the batch rows of the ALS and item-kNN
        /// matrices plus these give the user's rows now).
        var posted: [EventSchema.Parsed] = []
        var events = 0
        var list: (generation: Int, list: RankedList)?
    }

    package init(
        pipeline: ServedPipeline, metrics: ServeMetrics = ServeMetrics(),
        cacheBytes: Int = ServeOptions.defaultCacheBytes
    ) {
        self.pipeline = pipeline
        self.metrics = metrics
        cache = ResponseCache(limitBytes: cacheBytes, metrics: metrics)
        var rules = Rules(ranker: pipeline.ranker, tagger: pipeline.tagger)
        rules.files = Self.ruleFiles(pipeline)
        self.rules = Mutex(rules)
    }

    package var counts_: Counts { counts.withLock { $0 } }

    final class UserLock: Sendable {
        let mutex = Mutex(())
    }

    /// The lock that orders the events of `user` (shared with the users of the same stripe).
    func userLock(_ user: String) -> UserLock {
        var h: UInt64 = 1_469_598_103_934_665_603
        for b in user.utf8 { h = (h ^ UInt64(b)) &* 1_099_511_628_211 }
        return userLocks[Int(h % UInt64(userLocks.count))]
    }

    /// Records what the start-up replay skipped (status, metrics).
    func noteReplay(_ r: EventReplay.Result) {
        counts.withLock {
            $0.replaySkippedUnknownItems = r.unknownItems
            $0.replayUnreadableLines = r.unreadable.count
            $0.logReadBy = r.readingStage
            $0.logWarning = r.warning
        }
        metrics.replaySkipped(reason: "unknown_item").increment(by: Int64(r.unknownItems))
        metrics.replaySkipped(reason: "unreadable").increment(by: Int64(r.unreadable.count))
    }
    package var onlineUsers: Int { users.withLock { $0.count } }

    // MARK: - Reads

    /// A user's list with the rules of `generation`, for the user as of `onlineEvents` events
    /// since the run (their version): what a recommendations answer is a function of.
    package struct Answer: Sendable {
        package var list: RankedList
        package var generation: Int
        package var onlineEvents: Int
    }

    /// The user's list with the current rules. A user neither the run nor the server has seen
    /// gets the rank plan's popular fallback (`unknownUser`, counted) when the pipeline connects
    /// a global popular list to rank; without one, nil.
    package func recommendations(user: String) throws(ServeError) -> RankedList? {
        try answer(user: user)?.list
    }

    /// ``recommendations(user:)`` with the generation and user version it was computed from.
    package func answer(user: String) throws(ServeError) -> Answer? {
        let (ranker, generation) = rules.withLock { ($0.ranker, $0.generation) }
        let online = users.withLock { $0[user] }
        let version = online?.events ?? 0
        do throws(RuleError) {
            if let online {
                if let cached = online.list, cached.generation == generation {
                    return Answer(list: cached.list, generation: generation, onlineEvents: version)
                }
                let list = try ranker.rank(online.override)
                users.withLock { all in
                    if all[user]?.events == version { all[user]?.list = (generation, list) }
                }
                return Answer(list: list, generation: generation, onlineEvents: version)
            }
            if let list = try ranker.rank(user: user) {
                return Answer(list: list, generation: generation, onlineEvents: 0)
            }
            guard ranker.hasPopularFallback else { return nil }
            var list = try ranker.rank(UserOverride(user: user))
            list.unknownUser = true
            noteFallback()
            return Answer(list: list, generation: generation, onlineEvents: 0)
        } catch {
            counts.withLock {
                $0.ruleErrors += 1
                $0.lastRuleError = error.description
            }
            metrics.ruleErrors.increment()
            throw .failed("a rank rule failed for user '\(user)': \(error.description)")
        }
    }

    /// Counts a read answered with the unknown-user fallback (computed or from the cache).
    package func noteFallback() {
        counts.withLock { $0.unknownUserFallbacks += 1 }
        metrics.unknownUserFallbacks.increment()
    }

    /// The user's profile (column → value) and tags; nil when unknown.
    package func profile(user: String) -> (fields: [(String, Value)], tags: [String], online: Int)? {
        let names = pipeline.profiles.columnNames
        if let online = users.withLock({ $0[user] }) {
            return (Array(zip(names, online.row)), online.override.tags, online.events)
        }
        guard let r = pipeline.ranker.profileRow(user: user) else { return nil }
        return (Array(zip(names, pipeline.profiles.row(r))), pipeline.batchTags[user] ?? [], 0)
    }

    /// Events the server has applied for `user` since the run (0 for a batch or unknown user).
    package func onlineEvents(user: String) -> Int { users.withLock { $0[user]?.events } ?? 0 }

    /// Whether the run or the server knows `user`.
    package func knows(user: String) -> Bool {
        users.withLock { $0[user] != nil } || pipeline.ranker.knows(user: user)
    }

    /// Where similar items come from: the lists of a `cf` stage with `output: similar_items`
    /// when the pipeline has one with a result, else the cosine of the ALS item factors.
    package var similarBasis: (source: String, text: String) {
        if let s = pipeline.similarItems {
            return (
                "similar_items", "item-kNN neighbours of '\(s.stage)' (cf, output: similar_items), as of its last run"
            )
        }
        return ("als", "cosine of the ALS item factors of '\(pipeline.factorsStage ?? "")'")
    }

    /// Items closest to `item`: its list in the `similar_items` stage's output (at most its
    /// `neighbors`), else by cosine of the ALS item factors.
    package func similar(item: String, n: Int) throws(ServeError) -> [(item: String, score: Float)] {
        if let (stage, s) = pipeline.similarItems {
            guard let i = s.items[item] else {
                let hint =
                    pipeline.ranker.knows(item: item)
                    ? " (it is in the catalogue but had no interactions when '\(stage)' last ran)" : ""
                throw .notFound(
                    "item '\(item)' is not in the similar-item lists of '\(stage)' (\(s.items.count) items)\(hint)")
            }
            return s.lists.range(i).prefix(n).map { (s.items[Int(s.lists.indices[$0])], s.lists.scores[$0]) }
        }
        guard let factors = pipeline.factors, let model = pipeline.model else {
            throw .badRequest(
                "similar items need a cf stage with `output: similar_items` or ALS factors: the rank stage '\(pipeline.rankStage)' has no als candidate source"
                    + (pipeline.similarItemsNotRun.isEmpty
                        ? "" : " and '\(pipeline.similarItemsNotRun[0])' has no result yet (recpipe run without --to)"))
        }
        guard let i = factors.items[item] else {
            let hint =
                pipeline.ranker.knows(item: item)
                ? " (it is in the catalogue but has no interactions in the training data)" : ""
            throw .notFound("item '\(item)' is not in the trained factors (\(factors.items.count) items)\(hint)")
        }
        do {
            return try model.similarItems(item: i, n: n).map { (factors.items[$0.item], $0.score) }
        } catch {
            throw .failed("\(error)")
        }
    }
}
