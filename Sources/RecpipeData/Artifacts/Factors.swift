import RecpipeCore

/// User and item embeddings from matrix factorization, with the model settings needed to fold in
/// new users later, and the top-N candidates computed at training time (for `rank`).
package struct Factors: Artifact, Equatable {
    package static var kind: ArtifactKind { .factors }

    package var users: IDMap
    package var items: IDMap
    package var factors: Int
    /// users × factors, row-major.
    package var userFactors: [Float]
    /// items × factors, row-major.
    package var itemFactors: [Float]
    /// Model settings as text (`implicit`, `confidence`, `alpha`, `regularization`, …) for fold-in
    /// and for people reading the export.
    package var settings: [String: String]
    /// Explicit-rating models: global mean and biases (empty for implicit models).
    package var globalMean: Float
    package var userBias: [Float]
    package var itemBias: [Float]
    /// Top-N per user, seen items excluded.
    package var candidates: Candidates

    package init(
        users: IDMap, items: IDMap, factors: Int, userFactors: [Float], itemFactors: [Float],
        settings: [String: String], globalMean: Float = 0, userBias: [Float] = [], itemBias: [Float] = [],
        candidates: Candidates
    ) {
        precondition(userFactors.count == users.count * factors && itemFactors.count == items.count * factors)
        self.users = users
        self.items = items
        self.factors = factors
        self.userFactors = userFactors
        self.itemFactors = itemFactors
        self.settings = settings
        self.globalMean = globalMean
        self.userBias = userBias
        self.itemBias = itemBias
        self.candidates = candidates
    }

    package var rowCount: Int { users.count + items.count }

    package func userVector(_ u: Int) -> ArraySlice<Float> { userFactors[u * factors..<(u + 1) * factors] }
    package func itemVector(_ i: Int) -> ArraySlice<Float> { itemFactors[i * factors..<(i + 1) * factors] }

    package func encode(into w: inout ByteWriter) {
        w.write(UInt8(1))
        w.write(users.ids)
        w.write(items.ids)
        w.write(UInt64(factors))
        w.writeArray(userFactors)
        w.writeArray(itemFactors)
        let keys = settings.keys.sorted()
        w.write(keys)
        w.write(keys.map { settings[$0]! })
        w.write(globalMean)
        w.writeArray(userBias)
        w.writeArray(itemBias)
        candidates.encode(into: &w)
    }

    package init(decoding r: inout ByteReader) throws {
        guard try r.read(UInt8.self) == 1 else { throw ArtifactDecodeError("unknown factors encoding") }
        users = IDMap(try r.readStrings())
        items = IDMap(try r.readStrings())
        factors = Int(try r.read(UInt64.self))
        userFactors = try r.readArray(Float.self)
        itemFactors = try r.readArray(Float.self)
        let keys = try r.readStrings(), values = try r.readStrings()
        guard keys.count == values.count else { throw ArtifactDecodeError("factor settings are inconsistent") }
        settings = Dictionary(uniqueKeysWithValues: zip(keys, values))
        globalMean = try r.readFloat()
        userBias = try r.readArray(Float.self)
        itemBias = try r.readArray(Float.self)
        candidates = try Candidates(decoding: &r)
        guard userFactors.count == users.count * factors, itemFactors.count == items.count * factors else {
            throw ArtifactDecodeError("factor matrices do not match their id maps")
        }
    }

    /// `side, id, f0 … f(k-1)`: one row per user, then one per item.
    package func exportTable() -> Table {
        let n = users.count + items.count
        var cols: [Column] = [
            .strings(
                "side",
                [String](repeating: "user", count: users.count) + [String](repeating: "item", count: items.count)),
            .strings("id", users.ids + items.ids),
        ]
        for f in 0..<factors {
            var v = [Double]()
            v.reserveCapacity(n)
            for u in 0..<users.count { v.append(Double(userFactors[u * factors + f])) }
            for i in 0..<items.count { v.append(Double(itemFactors[i * factors + f])) }
            cols.append(.doubles("f\(f)", v))
        }
        return .assemble(cols)
    }
}
