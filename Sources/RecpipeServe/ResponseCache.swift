import NIOCore
import Synchronization

/// The serialized answers of the read routes (`GET /v1/users/{id}/recommendations` and
/// `/profile`), kept so that a repeated read is a dictionary lookup instead of a rank and a JSON
/// build. Bounded by bytes (`--cache-mb`; 0 turns it off), evicted by CLOCK (a second chance for
/// an entry read since the hand last passed it) per user.
///
/// An answer is a function of the rules generation and of the user's version (their online event
/// count), so staleness is ruled out by construction rather than checked on read:
/// - an event for a user calls ``invalidate(user:version:)`` (inside the lock that publishes the
///   new state) before a later read can see that state: the user's entries go, and an answer
///   computed from an older version is refused when it arrives later;
/// - a rules swap calls ``reset(generation:)`` before the new rules are published (inside the
///   rules lock): everything goes at once, and answers of the old generation are refused.
/// A read therefore serves whatever it finds; the hit path is one short lock.
package final class ResponseCache: Sendable {
    /// What was asked of a user, with the query parameters that change the answer (parsed, so
    /// `?n=10` and no `n` with a default of 10 are one entry).
    package enum Route: Hashable, Sendable {
        case recommendations(n: Int, explain: Bool)
        case profile
    }

    /// A stored answer: the response body, and whether it is the unknown-user fallback (each
    /// such read is counted, cached or not).
    package struct Entry: Sendable {
        package var body: ByteBuffer
        package var unknownUser = false
    }

    /// What the cache did since start (`/v1/status` `response_cache`, `/metrics`).
    package struct Figures: Sendable, Equatable {
        package var limitBytes = 0
        package var bytes = 0
        package var entries = 0
        package var hits = 0
        package var misses = 0
        /// Entries dropped to stay under the bound.
        package var evictions = 0
        /// Entries dropped because an event changed their user.
        package var invalidations = 0
        /// Entries dropped by a rules swap.
        package var resets = 0
        /// Answers not stored because a newer event or rules swap arrived while they were computed.
        package var staleRefused = 0
        /// Answers not stored because one alone is over the bound.
        package var tooLarge = 0
    }

    /// Per entry and per user, what the body's bytes leave out (keys, slots), roughly.
    static let entryOverhead = 48
    static let userOverhead = 96

    private struct Line {
        var entries: [(route: Route, entry: Entry)] = []
        var bytes: Int
        var referenced = false
        var slot: Int
    }

    private struct Storage {
        var generation = 0
        var lines: [String: Line] = [:]
        /// Users with a line, in CLOCK order (a removed user's slot takes the last one).
        var ring: [String] = []
        var hand = 0
        /// The version of every user changed online (absent: 0, the run's state).
        var versions: [String: Int] = [:]
        var figures = Figures()
    }

    private let storage: Mutex<Storage>
    private let metrics: ServeMetrics?
    package let limitBytes: Int

    package init(limitBytes: Int, metrics: ServeMetrics? = nil) {
        self.limitBytes = max(0, limitBytes)
        self.metrics = metrics
        var s = Storage()
        s.figures.limitBytes = self.limitBytes
        storage = Mutex(s)
    }

    package var isEnabled: Bool { limitBytes > 0 }
    package var figures: Figures { storage.withLock { $0.figures } }

    // MARK: - Reads

    /// The stored answer of `route` for `user` (counted as a hit or a miss).
    package func lookup(user: String, route: Route) -> Entry? {
        guard isEnabled else { return nil }
        let found = storage.withLock { s -> Entry? in
            guard var line = s.lines[user], let e = line.entries.first(where: { $0.route == route }) else {
                s.figures.misses += 1
                return nil
            }
            if !line.referenced {
                line.referenced = true
                s.lines[user] = line
            }
            s.figures.hits += 1
            return e.entry
        }
        if found != nil { metrics?.cacheHits.increment() } else { metrics?.cacheMisses.increment() }
        return found
    }

    /// Stores `entry`, computed from rules `generation` (nil: the answer does not depend on the
    /// rules) and the user's `version`; refused when either is no longer current.
    package func insert(user: String, route: Route, entry: Entry, version: Int, generation: Int?) {
        guard isEnabled else { return }
        let cost = entry.body.capacity + Self.entryOverhead
        let evicted = storage.withLock { s -> Int in
            guard generation == nil || generation == s.generation, version == (s.versions[user] ?? 0) else {
                s.figures.staleRefused += 1
                return 0
            }
            // The user's line is taken out while the others are evicted, then put back in.
            var line = Line(bytes: Self.userOverhead + user.utf8.count, slot: 0)
            if let old = s.lines[user] {
                // Another read stored the same answer first.
                if old.entries.contains(where: { $0.route == route }) { return 0 }
                Self.remove(&s, user: user, line: old)
                line = old
            }
            let before = s.figures.evictions
            if line.bytes + cost <= limitBytes {
                line.entries.append((route, entry))
                line.bytes += cost
            } else {
                s.figures.tooLarge += 1
            }
            if !line.entries.isEmpty {
                Self.evict(&s, toFit: line.bytes, limit: limitBytes)
                line.slot = s.ring.count
                s.ring.append(user)
                s.lines[user] = line
                s.figures.bytes += line.bytes
                s.figures.entries += line.entries.count
            }
            return s.figures.evictions - before
        }
        if evicted > 0 { metrics?.cacheEvictions.increment(by: Int64(evicted)) }
    }

    // MARK: - Invalidation

    /// `user` changed (an event): drops their entries and refuses answers older than `version`.
    package func invalidate(user: String, version: Int) {
        guard isEnabled else { return }
        let dropped = storage.withLock { s -> Int in
            s.versions[user] = version
            guard let line = s.lines[user] else { return 0 }
            Self.remove(&s, user: user, line: line)
            s.figures.invalidations += line.entries.count
            return line.entries.count
        }
        if dropped > 0 { metrics?.cacheInvalidations.increment(by: Int64(dropped)) }
    }

    /// The rules are about to be swapped for `generation`: drops every entry and refuses answers
    /// of other generations.
    package func reset(generation: Int) {
        storage.withLock { s in
            s.generation = generation
            s.figures.resets += s.figures.entries
            s.lines.removeAll()
            s.ring.removeAll()
            s.hand = 0
            s.figures.bytes = 0
            s.figures.entries = 0
        }
    }

    // MARK: - CLOCK

    private static func evict(_ s: inout Storage, toFit cost: Int, limit: Int) {
        while s.figures.bytes + cost > limit, !s.ring.isEmpty {
            if s.hand >= s.ring.count { s.hand = 0 }
            let victim = s.ring[s.hand]
            guard let line = s.lines[victim] else { break }
            if line.referenced {
                s.lines[victim]!.referenced = false
                s.hand += 1
                continue
            }
            remove(&s, user: victim, line: line)
            s.figures.evictions += line.entries.count
        }
    }

    private static func remove(_ s: inout Storage, user: String, line: Line) {
        s.lines[user] = nil
        let last = s.ring.removeLast()
        if line.slot < s.ring.count {
            s.ring[line.slot] = last
            s.lines[last]!.slot = line.slot
        }
        s.figures.bytes -= line.bytes
        s.figures.entries -= line.entries.count
    }
}
