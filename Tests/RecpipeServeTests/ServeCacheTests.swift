import Foundation
import Hummingbird
import HummingbirdTesting
import NIOCore
import RecpipeStages
import RecpipeTestSupport
import Synchronization
import Testing

@testable import RecpipeServe

/// The response cache of the read routes: a cached answer is byte for byte the uncached one, an
/// event drops its user's answers and a reload drops all (read-your-writes as without the cache),
/// the byte bound holds with evictions counted, and concurrent readers never see a mix.
@Suite struct ServeCacheTests {
    static let variants: [(n: Int, explain: Bool)] = [(3, false), (3, true), (1, false), (2, true)]

    static func read(_ state: ServeState, _ user: String, n: Int = 3, explain: Bool = false) throws -> String {
        String(buffer: try ServeRoutes.recommendationsBody(state, user: user, n: n, explain: explain))
    }

    static func apply(_ state: ServeState, _ user: String, _ item: String) throws {
        _ = state.apply(try state.pipeline.events.parse(Data(ServePoolingTests.event(user, item).utf8)))
    }

    /// Every user (an unknown one too) and query: the first read stores, the second is served
    /// from the cache, and both equal the answer of a server without a cache, byte for byte.
    @Test func cachedAnswersAreTheUncachedBytes() async throws {
        let shop = await ServeShop(popular: true)
        let cached = try shop.prepare(logged: false).state
        let plain = try shop.prepare(logged: false, cacheBytes: 0).state
        #expect(!plain.cache.isEnabled && cached.cache.isEnabled)
        let users = ["u0", "u1", "u2", "u3", "u4", "u5", "visitor-9"]
        for user in users {
            for v in Self.variants {
                let first = try Self.read(cached, user, n: v.n, explain: v.explain)
                let hit = try Self.read(cached, user, n: v.n, explain: v.explain)
                let uncached = try Self.read(plain, user, n: v.n, explain: v.explain)
                #expect(first == uncached && hit == uncached, "\(user) \(v)")
            }
            let profile = String(buffer: try ServeRoutes.profileBody(cached, user: user == "visitor-9" ? "u0" : user))
            #expect(
                profile == String(buffer: try ServeRoutes.profileBody(plain, user: user == "visitor-9" ? "u0" : user)))
        }
        // The unknown visitor's answer, hand-checked: the popular list as in the fallback test.
        let visitor = try Self.read(cached, "visitor-9")
        #expect(visitor.contains(#""unknown_user":true"#) && visitor.contains(#""item":"b1""#))
        let f = cached.cache.figures
        // 7 users × 4 queries + 7 profile reads: one miss each, then the repeats are hits.
        #expect(f.misses == 7 * 4 + 7 - 1)  // u0's profile was read twice (for the visitor)
        #expect(f.hits == 7 * 4 + 1 + 1)
        #expect(f.entries == 6 * 5 + 4)
        #expect(f.evictions == 0 && f.staleRefused == 0)
        // A cached fallback read is counted as one, like a ranked one.
        #expect(cached.counts_.unknownUserFallbacks == 4 * 2 + 1)
        #expect(plain.counts_.unknownUserFallbacks == 4)
    }

    /// Strings are escaped only where JSON needs it (the fast path appends plain ones whole).
    @Test func jsonStringsAreEscapedWhereNeeded() {
        #expect(JSONValue.string("SKU-1069 → als 1.00; promote ×1.1").text == #""SKU-1069 → als 1.00; promote ×1.1""#)
        #expect(JSONValue.string("a\"b\\c\nd\u{1}é\t").text == #""a\"b\\c\nd\u0001é\t""#)
        #expect(
            JSONValue.object([("k\"", .array([.string(""), .double(2), .double(.nan), .int(-3)]))]).text
                == #"{"k\"":["",2.0,null,-3]}"#)
    }

    /// An event drops its user's answers (the next read is the uncached state's answer, with the
    /// event) and leaves other users'; the statuses and metrics count it.
    @Test func anEventDropsItsUsersAnswers() async throws {
        let shop = await ServeShop()
        let (app, state) = try shop.app(logged: false)
        let plain = try shop.prepare(logged: false, cacheBytes: 0).state
        let before = try Self.read(state, "u0")
        _ = try Self.read(state, "u0", explain: true)
        let other = try Self.read(state, "u1")
        try Self.apply(state, "u0", "b4")
        try Self.apply(plain, "u0", "b4")
        #expect(state.cache.figures.invalidations == 2)
        let after = try Self.read(state, "u0")
        #expect(after != before && after.contains(#""online_events":1"#) && after.contains(#""source":"online""#))
        #expect(after == (try Self.read(plain, "u0")))
        #expect(try Self.read(state, "u1") == other)
        // The profile follows the event too.
        let profile = String(buffer: try ServeRoutes.profileBody(state, user: "u0"))
        #expect(profile.contains(#""online_events":1"#))
        try Self.apply(state, "u0", "b3")
        #expect(String(buffer: try ServeRoutes.profileBody(state, user: "u0")).contains(#""online_events":2"#))
        try await app.test(.router) { client in
            try await client.execute(uri: "/v1/status", method: .get) { r in
                let c = try #require(try object(r)["response_cache"] as? [String: Any])
                #expect(c["invalidations"] as? Int == 4)  // u0's two lists, then u0's list and profile
                #expect(c["hits"] as? Int == 1 && c["limit_bytes"] as? Int == ServeOptions.defaultCacheBytes)
                #expect((c["bytes"] as? Int ?? 0) > 0 && c["entries"] as? Int == 2)
            }
            try await client.execute(uri: "/metrics", method: .get) { r in
                let text = String(buffer: r.body)
                #expect(text.contains("recpipe_response_cache_invalidations_total 4"))
                #expect(text.contains("recpipe_response_cache_hits_total 1"))
                #expect(text.contains("recpipe_response_cache_bytes "))
            }
        }
    }

    /// A reload drops every answer at once; the next read has the new rules and generation.
    @Test func aReloadDropsEverything() async throws {
        let shop = await ServeShop()
        let state = try shop.prepare(logged: false).state
        for user in ["u0", "u1", "u2"] { _ = try Self.read(state, user, explain: true) }
        #expect(state.cache.figures.entries == 3)
        TestSupport.write(
            ServeShop.promotions + "\npin{ name = \"hero\", items = { \"b4\" }, position = 1 }\n",
            to: "rules/promotions.lua", in: shop.dir)
        state.reloadRules()
        let f = state.cache.figures
        #expect(f.entries == 0 && f.bytes == 0 && f.resets == 3)
        for user in ["u0", "u1", "u2"] {
            let text = try Self.read(state, user, explain: true)
            #expect(text.contains(#""rules_generation":1"#) && text.contains("pin hero @1"), "\(user)")
        }
    }

    /// With room for a few answers, the bytes stay under the bound, evictions are counted, an
    /// answer read since the hand passed survives, and one answer over the bound is not stored.
    @Test func theBoundHoldsAndEvictionsAreCounted() throws {
        let body = ByteBuffer(repeating: UInt8(ascii: "x"), count: 200)
        // One user line of a two-letter user; room for three, or three of three letters.
        let one = body.capacity + ResponseCache.entryOverhead + ResponseCache.userOverhead + 2
        let limit = 3 * one + 3
        let cache = ResponseCache(limitBytes: limit)
        func put(_ user: String) {
            cache.insert(user: user, route: .profile, entry: .init(body: body), version: 0, generation: 0)
        }
        for k in 0..<3 { put("u\(k)") }
        #expect(cache.figures.entries == 3 && cache.figures.bytes == 3 * one && cache.figures.evictions == 0)
        #expect(cache.lookup(user: "u0", route: .profile) != nil)  // u0 read: a second chance
        put("u3")
        #expect(cache.figures.entries == 3 && cache.figures.evictions == 1)
        #expect(cache.lookup(user: "u0", route: .profile) != nil)
        #expect(cache.lookup(user: "u1", route: .profile) == nil)  // the first without a read went
        for k in 4..<40 {
            put("u\(k)")
            #expect(cache.figures.bytes <= limit)
        }
        #expect(cache.figures.evictions == 40 - 3 && cache.figures.entries == 3)
        let big = ByteBuffer(repeating: 0, count: 4 * one)
        cache.insert(user: "big", route: .profile, entry: .init(body: big), version: 0, generation: 0)
        #expect(cache.figures.tooLarge == 1 && cache.lookup(user: "big", route: .profile) == nil)
        // Answers computed before an event or a swap arrive too late and are refused.
        cache.invalidate(user: "u39", version: 1)
        cache.insert(user: "u39", route: .profile, entry: .init(body: body), version: 0, generation: 0)
        cache.reset(generation: 1)
        cache.insert(user: "u50", route: .profile, entry: .init(body: body), version: 0, generation: 0)
        #expect(cache.figures.staleRefused == 2 && cache.figures.entries == 0)
        // Off: nothing stored, nothing counted.
        let off = ResponseCache(limitBytes: 0)
        off.insert(user: "u0", route: .profile, entry: .init(body: body), version: 0, generation: 0)
        #expect(off.lookup(user: "u0", route: .profile) == nil && off.figures == .init())
    }

    /// Readers racing with events for the user they read and with rules swaps: an answer is never
    /// older than an event or a swap that had returned before the read began (read-your-writes,
    /// no stale answer across a swap), every answer is one consistent state (one body per rules
    /// generation and user version), and after the writers stop the cached answer is the uncached one.
    @Test func readersDuringEventsAndReloadsNeverSeeAMix() async throws {
        let shop = await ServeShop()
        let state = try shop.prepare(logged: false).state
        let plain = try shop.prepare(logged: false, cacheBytes: 0).state
        let texts = [
            ServeShop.promotions,
            "promote{ name = \"coats\", boost = 3, when = function(u, item) return item.category == \"coats\" end }\n",
        ]
        let (events, reloads) = (120, 12)
        let seen = Mutex<[String: String]>([:])
        let failures = Mutex<[String]>([])
        let stop = Atomic<Bool>(false)
        // What the writers have finished: events per user (u0, u1) and the last generation.
        let writtenU0 = Atomic<Int>(0)
        let writtenU1 = Atomic<Int>(0)
        let writtenGeneration = Atomic<Int>(0)
        let items = ["a1", "a2", "a3", "a4", "b1", "b2", "b3", "b4"]
        @Sendable func user(_ k: Int) -> String { k % 3 == 0 ? "u1" : "u0" }
        var threads: [Thread] = []
        let finished = Atomic<Int>(0)
        func spawn(_ body: @escaping @Sendable () -> Void) {
            threads.append(
                Thread {
                    body()
                    finished.add(1, ordering: .sequentiallyConsistent)
                })
        }
        spawn {
            for k in 0..<events {
                try? Self.apply(state, user(k), items[k % items.count])
                if user(k) == "u0" {
                    writtenU0.add(1, ordering: .sequentiallyConsistent)
                } else {
                    writtenU1.add(1, ordering: .sequentiallyConsistent)
                }
            }
        }
        spawn {
            for k in 1...reloads {
                TestSupport.write(texts[k % 2], to: "rules/promotions.lua", in: shop.dir)
                state.reloadRules()
                writtenGeneration.store(k, ordering: .sequentiallyConsistent)
            }
        }
        for r in 0..<4 {
            spawn {
                let name = r < 2 ? "u0" : "u1"
                while !stop.load(ordering: .relaxed) {
                    let done =
                        name == "u0"
                        ? writtenU0.load(ordering: .sequentiallyConsistent)
                        : writtenU1.load(ordering: .sequentiallyConsistent)
                    let swapped = writtenGeneration.load(ordering: .sequentiallyConsistent)
                    guard let text = try? Self.read(state, name),
                        let o = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any],
                        let g = o["rules_generation"] as? Int, let e = o["online_events"] as? Int
                    else {
                        failures.withLock { $0.append("unreadable answer") }
                        return
                    }
                    if e < done || g < swapped {
                        failures.withLock {
                            $0.append("\(name): read (\(g), \(e)) after (\(swapped), \(done)) returned")
                        }
                    }
                    let key = "\(name) \(g) \(e)"
                    let earlier = seen.withLock { s in
                        if s[key] == nil { s[key] = text }
                        return s[key]!
                    }
                    if earlier != text { failures.withLock { $0.append("two answers for \(key)") } }
                }
            }
        }
        for t in threads { t.start() }
        // The writers finish; then the readers stop.
        let deadline = ContinuousClock.now + .seconds(120)
        while finished.load(ordering: .sequentiallyConsistent) < 2 && ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(5))
        }
        stop.store(true, ordering: .relaxed)
        while finished.load(ordering: .sequentiallyConsistent) < threads.count {
            try await Task.sleep(for: .milliseconds(5))
        }
        #expect(state.rulesGeneration == reloads && state.onlineEvents(user: "u0") == events * 2 / 3)
        let failed = failures.withLock { $0 }
        #expect(failed.count == 0, "\(failed.count) failures: \(failed.prefix(3))")
        #expect(seen.withLock { $0.count } > 10)
        // The same events and the final rules (the first ones again) on a server without a
        // cache: the same answers, but for the generation's number.
        for k in 0..<events { try Self.apply(plain, user(k), items[k % items.count]) }
        for name in ["u0", "u1"] {
            let cached = try Self.read(state, name, explain: true)
            let uncached = try Self.read(plain, name, explain: true)
            #expect(cached.contains(#""rules_generation":\#(reloads)"#) && uncached.contains(#""rules_generation":0"#))
            #expect(
                cached.replacingOccurrences(of: #""rules_generation":\#(reloads)"#, with: "")
                    == uncached.replacingOccurrences(of: #""rules_generation":0"#, with: ""))
        }
    }
}
