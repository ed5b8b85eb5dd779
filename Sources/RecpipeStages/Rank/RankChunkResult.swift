/// What one worker produced for a contiguous range of users: their lists and the figures the
/// summary aggregates. Chunks are concatenated in user order, so the output is deterministic
/// whatever order the workers finish in.
struct RankChunkResult: Sendable {
    /// Per user of the chunk: how many entries it got (in `items`/`scores`/`provenance`).
    var counts: [Int] = []
    var items: [Int32] = []
    var scores: [Float] = []
    var provenance: [String] = []
    /// Global indices of users whose list came from the popular fallback.
    var fallbackUsers: [Int32] = []
    /// Users left without any recommendation (no candidate and no usable fallback).
    var emptyUsers = 0
    /// Of those, users that no candidate source (nor the fallback) had any item for.
    var emptyWithoutCandidates = 0
    /// Candidates in the users' blended lists (fallback lists included).
    var considered = 0
    /// Candidates the filters and promotions were evaluated on.
    var examined = 0
    /// Items removed per filter slot (see ``RankWorker/filterNames``).
    var removed: [Int] = []
    /// Items changed per promote / pin / bury rule slot.
    var promoted: [Int] = []
    var pinned: [Int] = []
    /// Per bury rule slot: list entries the rule moved down (a later position, or out of the
    /// top-N) against the same list without bury rules; `buriedOut` counts those pushed out.
    var buried: [Int] = []
    var buriedOut: [Int] = []
    /// Per rule (runtime index): `when` calls that returned true (promote/bury: candidates; pin:
    /// users) and the distinct users they were for. A promotion is only asked when no
    /// higher-priority one applied.
    var matched: [Int] = []
    var matchedUsers: [Int] = []
    /// Pinned items that were excluded instead: "pin\u{1}item\u{1}reason" → users.
    var blockedPins: [String: Int] = [:]
    /// Pins that found no free position in the top-N.
    var pinOverflow = 0
    /// Rule errors skipped (on_error: skip_record), per rule name, with the first message.
    var ruleErrors: [String: Int] = [:]
    var firstErrors: [String: String] = [:]

    mutating func merge(_ o: RankChunkResult) {
        counts += o.counts
        items += o.items
        scores += o.scores
        provenance += o.provenance
        fallbackUsers += o.fallbackUsers
        emptyUsers += o.emptyUsers
        emptyWithoutCandidates += o.emptyWithoutCandidates
        considered += o.considered
        examined += o.examined
        Self.add(&removed, o.removed)
        Self.add(&promoted, o.promoted)
        Self.add(&pinned, o.pinned)
        Self.add(&buried, o.buried)
        Self.add(&buriedOut, o.buriedOut)
        Self.add(&matched, o.matched)
        Self.add(&matchedUsers, o.matchedUsers)
        blockedPins.merge(o.blockedPins, uniquingKeysWith: +)
        pinOverflow += o.pinOverflow
        ruleErrors.merge(o.ruleErrors, uniquingKeysWith: +)
        firstErrors.merge(o.firstErrors) { a, _ in a }
    }

    private static func add(_ a: inout [Int], _ b: [Int]) {
        if a.count < b.count { a += [Int](repeating: 0, count: b.count - a.count) }
        for i in b.indices { a[i] += b[i] }
    }
}
