import RecpipeAlgorithms

/// An artifact that stores per-user scored lists as ``RankedLists`` (``Candidates``,
/// ``Recommendations``): user `u`'s list is `itemIndices[offsets[u]..<offsets[u+1]]` with `scores`.
public protocol RankedListsArtifact {
    var lists: RankedLists { get set }
}

extension RankedListsArtifact {
    public var offsets: [Int] {
        get { lists.rowPointers }
        _modify { yield &lists.rowPointers }
    }
    public var itemIndices: [Int32] {
        get { lists.indices }
        _modify { yield &lists.indices }
    }
    public var scores: [Float] {
        get { lists.scores }
        _modify { yield &lists.scores }
    }
}
