import RecpipeCore
import RecpipeData

/// The database tables one artifact becomes: its tabular view under the table's name, and for
/// segments also the per-segment summary under `<table>_summary`. Each comes with the key
/// columns an upsert uses unless the pipeline names others.
package struct ArtifactTable: Sendable {
    /// Appended to the artifact's table name (`""` or `"_summary"`).
    package var suffix: String
    package var data: Table
    package var defaultKeys: [String]
    /// The columns readers look rows up by (indexed by a replace unless `keys:` names others).
    package var lookup: [String] = []

    package static func tables(for artifact: any Artifact, kind: ArtifactKind) -> [ArtifactTable] {
        let main = artifact.exportTable()
        var out = [ArtifactTable(suffix: "", data: main, defaultKeys: keys(kind, main), lookup: lookup(kind, main))]
        if let segments = artifact as? Segments {
            out.append(
                ArtifactTable(
                    suffix: "_summary", data: segments.profileTable(), defaultKeys: ["segment"], lookup: ["segment"]))
        }
        return out
    }

    /// The natural key of each artifact kind's table, when all its columns are present.
    static func keys(_ kind: ArtifactKind, _ t: Table) -> [String] {
        let wanted: [String]
        switch kind {
        case .recommendations, .interactions: wanted = ["user_id", "item_id"]
        case .candidates: wanted = ["user_id", "item_id", "source"]
        case .segments, .profiles, .features: wanted = ["user_id"]
        case .factors: wanted = ["side", "id"]
        case .similarItems: wanted = ["item_id", "neighbor_id"]
        case .table, .split, .metrics, .files: wanted = []
        }
        return wanted.allSatisfy { t.columnIndex($0) != nil } ? wanted : []
    }

    /// The columns readers of each artifact kind's table look rows up by: a user's list in rank
    /// order, an item's similar items, one user's profile.
    static func lookup(_ kind: ArtifactKind, _ t: Table) -> [String] {
        let wanted: [String]
        switch kind {
        case .recommendations, .candidates: wanted = ["user_id", "rank"]
        case .similarItems: wanted = ["item_id", "rank"]
        default: return keys(kind, t)
        }
        return wanted.allSatisfy { t.columnIndex($0) != nil } ? wanted : []
    }
}
