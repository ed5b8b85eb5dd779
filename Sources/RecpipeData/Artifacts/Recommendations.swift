import RecpipeAlgorithms
import RecpipeCore

/// Final ranked recommendations (`rank`): per user the top-N items with their blended score and
/// provenance text (`als 0.82, itemcf 0.40 → 0.70; promote winter-coats ×1.3`).
package struct Recommendations: Artifact, Equatable, RankedListsArtifact {
    package static var kind: ArtifactKind { .recommendations }

    package var users: IDMap
    package var items: IDMap
    /// One row per user, best first (the CSR layout of ``Candidates`` and kNN lists).
    package var lists: RankedLists
    package var provenance: [String]
    /// Users whose list came from the popularity fallback.
    package var fallbackUsers: [Int32]
    /// `item_columns` of the rank stage: names, and per column one text per item of `items`
    /// ("" when the item has no value), so exports, `--explain` and `--diff` show what an item is.
    package var itemColumns: [String] = []
    package var itemColumnValues: [[String]] = []

    package init(
        users: IDMap, items: IDMap, offsets: [Int], itemIndices: [Int32], scores: [Float], provenance: [String],
        fallbackUsers: [Int32]
    ) {
        precondition(
            offsets.count == users.count + 1 && itemIndices.count == scores.count && scores.count == provenance.count)
        self.users = users
        self.items = items
        lists = RankedLists(rowPointers: offsets, indices: itemIndices, scores: scores)
        self.provenance = provenance
        self.fallbackUsers = fallbackUsers
    }

    package var rowCount: Int { scores.count }

    package func range(user u: Int) -> Range<Int> { offsets[u]..<offsets[u + 1] }

    /// The item ids recommended to a user, in rank order.
    package func itemIDs(user u: Int) -> [String] { range(user: u).map { items[Int(itemIndices[$0])] } }

    /// `22086 PAPER CHAIN KIT 50'S CHRISTMAS · christmas`: the id, then its non-empty item columns.
    package func label(item i: Int) -> String {
        ([items[i]] + itemColumnValues.map { $0[i] }.filter { !$0.isEmpty }).joined(separator: " ")
    }

    /// The label of the item with id `id` (the id alone when unknown or without item columns).
    package func label(id: String) -> String { items[id].map { label(item: $0) } ?? id }

    package func encode(into w: inout ByteWriter) {
        w.write(UInt8(itemColumns.isEmpty ? 1 : 2))
        w.write(users.ids)
        w.write(items.ids)
        w.writeArray(offsets)
        w.writeArray(itemIndices)
        w.writeArray(scores)
        w.write(provenance)
        w.writeArray(fallbackUsers)
        if !itemColumns.isEmpty {
            w.write(itemColumns)
            for values in itemColumnValues { w.write(values) }
        }
    }

    package init(decoding r: inout ByteReader) throws {
        let version = try r.read(UInt8.self)
        guard version == 1 || version == 2 else { throw ArtifactDecodeError("unknown recommendations encoding") }
        users = IDMap(try r.readStrings())
        items = IDMap(try r.readStrings())
        let offsets = try r.readArray(Int.self)
        let itemIndices = try r.readArray(Int32.self)
        let scores = try r.readArray(Float.self)
        guard offsets.first == 0, offsets.last == scores.count, itemIndices.count == scores.count else {
            throw ArtifactDecodeError("inconsistent recommendations")
        }
        lists = RankedLists(rowPointers: offsets, indices: itemIndices, scores: scores)
        provenance = try r.readStrings()
        fallbackUsers = try r.readArray(Int32.self)
        if version == 2 {
            itemColumns = try r.readStrings()
            itemColumnValues = try itemColumns.map { _ in try r.readStrings() }
            guard itemColumnValues.allSatisfy({ $0.count == items.count }) else {
                throw ArtifactDecodeError("inconsistent item columns")
            }
        }
        guard offsets.count == users.count + 1, offsets.last == scores.count, itemIndices.count == scores.count,
            provenance.count == scores.count, itemIndices.allSatisfy({ $0 >= 0 && Int($0) < items.count })
        else { throw ArtifactDecodeError("inconsistent recommendations") }
    }

    /// `user_id, rank, item_id`, the item columns, `score, provenance`.
    package func exportTable() -> Table {
        var u: [String] = [], it: [String] = [], rank: [Int64] = []
        var extra = [[String]](repeating: [], count: itemColumns.count)
        u.reserveCapacity(rowCount)
        for user in 0..<users.count {
            for (n, k) in range(user: user).enumerated() {
                u.append(users[user])
                it.append(items[Int(itemIndices[k])])
                rank.append(Int64(n + 1))
                for c in extra.indices { extra[c].append(itemColumnValues[c][Int(itemIndices[k])]) }
            }
        }
        return .assemble(
            [.strings("user_id", u), .ints("rank", rank), .strings("item_id", it)]
                + itemColumns.indices.map { Column.strings(itemColumns[$0], extra[$0]) }
                + [.floats("score", scores), .strings("provenance", provenance)])
    }
}

/// A train/test split of an interaction set (`split`), reused by several models and `evaluate`.
package struct EvaluationSplit: Artifact, Equatable {
    package static var kind: ArtifactKind { .split }

    package var train: Interactions
    /// Held-out entries per user (indices into `train.users` / `train.items`).
    package var testOffsets: [Int]
    package var testItems: [Int32]
    package var testValues: [Float]
    /// How it was made, for the summary (`holdout 0.2 seed 42`).
    package var method: String

    package init(train: Interactions, testOffsets: [Int], testItems: [Int32], testValues: [Float], method: String) {
        precondition(testOffsets.count == train.users.count + 1 && testItems.count == testValues.count)
        self.train = train
        self.testOffsets = testOffsets
        self.testItems = testItems
        self.testValues = testValues
        self.method = method
    }

    package var rowCount: Int { train.rowCount + testItems.count }

    package func testRange(user u: Int) -> Range<Int> { testOffsets[u]..<testOffsets[u + 1] }

    package func encode(into w: inout ByteWriter) {
        w.write(UInt8(1))
        train.encode(into: &w)
        w.writeArray(testOffsets)
        w.writeArray(testItems)
        w.writeArray(testValues)
        w.write(method)
    }

    package init(decoding r: inout ByteReader) throws {
        guard try r.read(UInt8.self) == 1 else { throw ArtifactDecodeError("unknown split encoding") }
        train = try Interactions(decoding: &r)
        testOffsets = try r.readArray(Int.self)
        testItems = try r.readArray(Int32.self)
        testValues = try r.readArray(Float.self)
        method = try r.readString()
        guard testOffsets.count == train.users.count + 1, testOffsets.last == testItems.count,
            testItems.count == testValues.count
        else { throw ArtifactDecodeError("inconsistent split") }
    }

    /// `user_id, item_id, value, split` for every train and test entry.
    package func exportTable() -> Table {
        var u: [String] = [], it: [String] = [], v: [Double] = [], s: [String] = []
        let m = train.matrix
        for user in 0..<train.users.count {
            for k in m.rowRange(user) {
                u.append(train.users[user]); it.append(train.items[Int(m.columns[k])]); v.append(Double(m.values[k]));
                s.append("train")
            }
            for k in testRange(user: user) {
                u.append(train.users[user]); it.append(train.items[Int(testItems[k])]); v.append(Double(testValues[k]));
                s.append("test")
            }
        }
        return .assemble([.strings("user_id", u), .strings("item_id", it), .doubles("value", v), .strings("split", s)])
    }
}
