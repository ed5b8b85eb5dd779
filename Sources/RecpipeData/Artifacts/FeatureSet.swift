import RecpipeCore

/// Per-user features (`encode target: user_features`): one row per user, `user_id` first, plus
/// the scaling fitted on them, kept so the same transform can be applied to new users later.
package struct FeatureSet: Artifact, Equatable {
    package static var kind: ArtifactKind { .features }

    package var table: Table
    /// The id column's name (first column).
    package var idColumn: String
    package var scaling: [ScaledColumn]

    /// A fitted scaler for one column: `scaled = (x - center) / scale`.
    package struct ScaledColumn: Sendable, Equatable {
        package var column: String
        package var method: String
        package var center: Double
        package var scale: Double
        package init(column: String, method: String, center: Double, scale: Double) {
            self.column = column
            self.method = method
            self.center = center
            self.scale = scale
        }
    }

    package init(table: Table, idColumn: String, scaling: [ScaledColumn] = []) {
        self.table = table
        self.idColumn = idColumn
        self.scaling = scaling
    }

    package var rowCount: Int { table.rowCount }

    package func encode(into w: inout ByteWriter) {
        w.write(UInt8(1))
        table.encode(into: &w)
        w.write(idColumn)
        w.write(UInt64(scaling.count))
        for s in scaling {
            w.write(s.column)
            w.write(s.method)
            w.write(s.center)
            w.write(s.scale)
        }
    }

    package init(decoding r: inout ByteReader) throws {
        guard try r.read(UInt8.self) == 1 else { throw ArtifactDecodeError("unknown feature-set encoding") }
        table = try Table(decoding: &r)
        idColumn = try r.readString()
        let n = try r.readCount(elementSize: 8)
        scaling = try (0..<n).map { _ in
            ScaledColumn(
                column: try r.readString(), method: try r.readString(), center: try r.readDouble(),
                scale: try r.readDouble())
        }
    }

    package func exportTable() -> Table { table }
}

/// k-means segments: a label per user, centroids in scaled and original units, and the profile
/// of each segment (size and the mean of each feature).
package struct Segments: Artifact, Equatable {
    package static var kind: ArtifactKind { .segments }

    package var users: [String]
    package var labels: [Int32]
    package var k: Int
    package var featureNames: [String]
    /// k × d, row-major, in the units the algorithm saw (scaled).
    package var centroidsScaled: [Double]
    /// k × d, row-major, in the original units.
    package var centroids: [Double]
    package var sizes: [Int]
    package var inertia: Double
    /// Optional human names per segment (from the largest standardized centroid coordinate).
    package var names: [String]
    /// Per segment, its users' RFM segments as `Champions 41%, Loyal 30%, …` (top three); empty
    /// when the features have no `rfm_segment`.
    package var rfmMix: [String] = []

    package init(
        users: [String], labels: [Int32], k: Int, featureNames: [String], centroidsScaled: [Double],
        centroids: [Double], sizes: [Int], inertia: Double, names: [String]
    ) {
        self.users = users
        self.labels = labels
        self.k = k
        self.featureNames = featureNames
        self.centroidsScaled = centroidsScaled
        self.centroids = centroids
        self.sizes = sizes
        self.inertia = inertia
        self.names = names
    }

    package var rowCount: Int { users.count }

    package func encode(into w: inout ByteWriter) {
        w.write(UInt8(2))
        w.write(users)
        w.writeArray(labels)
        w.write(UInt64(k))
        w.write(featureNames)
        w.writeArray(centroidsScaled)
        w.writeArray(centroids)
        w.writeArray(sizes)
        w.write(inertia)
        w.write(names)
        w.write(rfmMix)
    }

    package init(decoding r: inout ByteReader) throws {
        let version = try r.read(UInt8.self)
        guard version == 1 || version == 2 else { throw ArtifactDecodeError("unknown segments encoding") }
        users = try r.readStrings()
        labels = try r.readArray(Int32.self)
        k = Int(try r.read(UInt64.self))
        featureNames = try r.readStrings()
        centroidsScaled = try r.readArray(Double.self)
        centroids = try r.readArray(Double.self)
        sizes = try r.readArray(Int.self)
        inertia = try r.readDouble()
        names = try r.readStrings()
        rfmMix = version >= 2 ? try r.readStrings() : []
        let d = featureNames.count
        guard labels.count == users.count, centroids.count == k * d, centroidsScaled.count == k * d,
            sizes.count == k, names.count == k, rfmMix.isEmpty || rfmMix.count == k
        else { throw ArtifactDecodeError("segments are inconsistent") }
    }

    /// `user_id, segment, segment_name`.
    package func exportTable() -> Table {
        .assemble([
            .strings("user_id", users), .ints("segment", labels.map(Int64.init)),
            .strings("segment_name", labels.map { names[Int($0)] }),
        ])
    }

    /// The per-segment summary, exported beside the assignments as `<stage>.summary.csv`.
    package func extraExports() -> [(suffix: String, table: Table)] { [("summary", profileTable())] }

    /// `segment, name, size, share, <feature means…>, rfm_mix`: the profile of each segment.
    package func profileTable() -> Table {
        let d = featureNames.count
        var cols: [Column] = [
            .ints("segment", (0..<k).map(Int64.init)), .strings("name", names), .ints("size", sizes.map(Int64.init)),
            .doubles("share", sizes.map { users.isEmpty ? 0 : Double($0) / Double(users.count) }),
        ]
        for (j, f) in featureNames.enumerated() {
            cols.append(.doubles(f, (0..<k).map { centroids[$0 * d + j] }))
        }
        if !rfmMix.isEmpty { cols.append(.strings("rfm_mix", rfmMix)) }
        return .assemble(cols)
    }
}
