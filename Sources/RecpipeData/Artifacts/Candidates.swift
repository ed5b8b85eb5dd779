import RecpipeAlgorithms
import RecpipeCore

/// Per-user scored candidate lists from one model (`cf`, `als`, `popular`), the input of `rank`.
/// Stored as ``RankedLists`` (the CSR layout of kNN lists and neighbour scoring): user `u`'s
/// candidates are `itemIndices[offsets[u]..<offsets[u+1]]` with `scores`, best first.
package struct Candidates: Artifact, Equatable, RankedListsArtifact {
    package static var kind: ArtifactKind { .candidates }

    /// The stage that produced them (provenance in `rank`).
    package var source: String
    package var users: IDMap
    package var items: IDMap
    /// One row per user.
    package var lists: RankedLists

    package init(source: String, users: IDMap, items: IDMap, offsets: [Int], itemIndices: [Int32], scores: [Float]) {
        precondition(offsets.count == users.count + 1 && itemIndices.count == scores.count)
        self.source = source
        self.users = users
        self.items = items
        lists = RankedLists(rowPointers: offsets, indices: itemIndices, scores: scores)
    }

    /// Builds from per-user lists (already sorted best first).
    package init(source: String, users: IDMap, items: IDMap, lists: [[(item: Int32, score: Float)]]) {
        var offsets = [0]
        offsets.reserveCapacity(lists.count + 1)
        var idx: [Int32] = [], sc: [Float] = []
        for l in lists {
            for e in l {
                idx.append(e.item)
                sc.append(e.score)
            }
            offsets.append(idx.count)
        }
        self.init(source: source, users: users, items: items, offsets: offsets, itemIndices: idx, scores: sc)
    }

    /// Takes per-user lists (one row per user, best first) as they are, without copying.
    package init(source: String, users: IDMap, items: IDMap, lists: RankedLists) {
        precondition(lists.rowCount == users.count)
        self.source = source
        self.users = users
        self.items = items
        self.lists = lists
    }

    package var rowCount: Int { scores.count }

    package func range(user u: Int) -> Range<Int> { offsets[u]..<offsets[u + 1] }

    package func encode(into w: inout ByteWriter) {
        w.write(UInt8(1))
        w.write(source)
        w.write(users.ids)
        w.write(items.ids)
        w.writeArray(offsets)
        w.writeArray(itemIndices)
        w.writeArray(scores)
    }

    package init(decoding r: inout ByteReader) throws {
        guard try r.read(UInt8.self) == 1 else { throw ArtifactDecodeError("unknown candidates encoding") }
        source = try r.readString()
        users = IDMap(try r.readStrings())
        items = IDMap(try r.readStrings())
        let offsets = try r.readArray(Int.self)
        let itemIndices = try r.readArray(Int32.self)
        let scores = try r.readArray(Float.self)
        let itemCount = items.count
        guard offsets.count == users.count + 1, offsets.first == 0, offsets.last == scores.count,
            itemIndices.count == scores.count, itemIndices.allSatisfy({ $0 >= 0 && Int($0) < itemCount })
        else { throw ArtifactDecodeError("inconsistent candidate lists") }
        lists = RankedLists(rowPointers: offsets, indices: itemIndices, scores: scores)
    }

    /// `user_id, rank, item_id, score, source`.
    package func exportTable() -> Table {
        var u: [String] = [], it: [String] = [], rank: [Int64] = []
        for user in 0..<users.count {
            for (n, k) in range(user: user).enumerated() {
                u.append(users[user])
                it.append(items[Int(itemIndices[k])])
                rank.append(Int64(n + 1))
            }
        }
        return .assemble([
            .strings("user_id", u), .ints("rank", rank), .strings("item_id", it), .floats("score", scores),
            .strings("source", [String](repeating: source, count: scores.count)),
        ])
    }
}
