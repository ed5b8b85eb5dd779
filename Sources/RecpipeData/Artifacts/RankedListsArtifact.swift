import RecpipeAlgorithms

/// An artifact that stores per-user scored lists as ``RankedLists`` (``Candidates``,
/// ``Recommendations``): user `u`'s list is `itemIndices[offsets[u]..<offsets[u+1]]` with `scores`.
package protocol RankedListsArtifact {
    var lists: RankedLists { get set }
}

extension RankedListsArtifact {
    package var offsets: [Int] {
        get { lists.rowPointers }
        _modify { yield &lists.rowPointers }
    }
    package var itemIndices: [Int32] {
        get { lists.indices }
        _modify { yield &lists.indices }
    }
    package var scores: [Float] {
        get { lists.scores }
        _modify { yield &lists.scores }
    }
}
