import RecpipeAlgorithms
import RecpipeCore

/// Each item's most similar other items, from an item-kNN `cf` stage with `output: similar_items`
/// ("customers who bought this also bought"): row `i` of `lists` holds item `i`'s neighbours,
/// best first, the item itself and similarities ≤ 0 left out. Exported as
/// `item_id, neighbor_id, rank, similarity`, the shape of implicit's `similar_items` and Gorse's
/// item neighbours.
package struct SimilarItems: Artifact, Equatable, RankedListsArtifact {
    package static var kind: ArtifactKind { .similarItems }

    /// The stage that computed them.
    package var source: String
    package var items: IDMap
    /// One row per item.
    package var lists: RankedLists

    /// Keeps, from each item's neighbour list (best first), at most `count` entries that are
    /// another item with a positive similarity. O(entries).
    package init(source: String, items: IDMap, neighbors: RankedLists, count: Int) {
        precondition(neighbors.rowCount == items.count)
        var pointers = [0]
        pointers.reserveCapacity(items.count + 1)
        var indices: [Int32] = [], scores: [Float] = []
        indices.reserveCapacity(min(neighbors.entryCount, items.count * count))
        scores.reserveCapacity(indices.capacity)
        for item in 0..<neighbors.rowCount {
            var kept = 0
            for e in neighbors.range(item) where kept < count {
                guard Int(neighbors.indices[e]) != item, neighbors.scores[e] > 0 else { continue }
                indices.append(neighbors.indices[e])
                scores.append(neighbors.scores[e])
                kept += 1
            }
            pointers.append(indices.count)
        }
        self.source = source
        self.items = items
        lists = RankedLists(rowPointers: pointers, indices: indices, scores: scores)
    }

    package var rowCount: Int { lists.entryCount }

    /// Items with at least one similar item.
    package var itemsWithNeighbors: Int { (0..<lists.rowCount).count { !lists.range($0).isEmpty } }

    package func encode(into w: inout ByteWriter) {
        w.write(UInt8(1))
        w.write(source)
        w.write(items.ids)
        w.writeArray(lists.rowPointers)
        w.writeArray(lists.indices)
        w.writeArray(lists.scores)
    }

    package init(decoding r: inout ByteReader) throws {
        guard try r.read(UInt8.self) == 1 else { throw ArtifactDecodeError("unknown similar-items encoding") }
        source = try r.readString()
        items = IDMap(try r.readStrings())
        let pointers = try r.readArray(Int.self)
        let indices = try r.readArray(Int32.self)
        let scores = try r.readArray(Float.self)
        let itemCount = items.count
        guard pointers.count == itemCount + 1, pointers.first == 0, pointers.last == scores.count,
            zip(pointers, pointers.dropFirst()).allSatisfy({ $0 <= $1 }),
            indices.count == scores.count, indices.allSatisfy({ $0 >= 0 && Int($0) < itemCount })
        else { throw ArtifactDecodeError("inconsistent similar-item lists") }
        lists = RankedLists(rowPointers: pointers, indices: indices, scores: scores)
    }

    /// `item_id, neighbor_id, rank, similarity`, items in their encoding order, each item's
    /// neighbours best first (rank 1 = most similar).
    package func exportTable() -> Table {
        var item: [String] = [], neighbor: [String] = [], rank: [Int64] = []
        item.reserveCapacity(rowCount)
        neighbor.reserveCapacity(rowCount)
        rank.reserveCapacity(rowCount)
        for i in 0..<lists.rowCount {
            for (n, e) in lists.range(i).enumerated() {
                item.append(items[i])
                neighbor.append(items[Int(lists.indices[e])])
                rank.append(Int64(n + 1))
            }
        }
        return .assemble([
            .strings("item_id", item), .strings("neighbor_id", neighbor), .ints("rank", rank),
            .floats("similarity", lists.scores),
        ])
    }
}
