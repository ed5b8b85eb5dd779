/// The type of value that flows along an edge of the pipeline graph.
///
/// Stage kinds declare which kinds their input ports accept and which kind they produce;
/// validation checks every edge before anything runs (feeding a raw `table` into `als` is an error).
package enum ArtifactKind: String, Sendable, Hashable, CaseIterable, Codable, CustomStringConvertible {
    /// A columnar table (raw events, items, users, cleaned events).
    case table
    /// A sparse user × item matrix (CSR) with id maps and per-user seen sets.
    case interactions
    /// Per-user feature table (RFM, shares, scaled columns) with the fitted scalers.
    case features
    /// k-means segment assignments, centroids and per-segment profiles.
    case segments
    /// The joined user profile: features + segment + tags.
    case profiles
    /// User and item embeddings from matrix factorization.
    case factors
    /// Per-user scored candidate lists with provenance.
    case candidates
    /// Each item's most similar other items with their similarity (item-kNN neighbour lists).
    case similarItems = "similar_items"
    /// Final ranked recommendations with provenance.
    case recommendations
    /// Train/test split of an interaction set.
    case split
    /// Evaluation metrics table.
    case metrics
    /// Files written outside the cache (the export stage's result).
    case files

    package var description: String { rawValue }
}
