import RecpipeCore

/// The stage kinds a pipeline may use (`uses:`), by kind name.
public struct StageCatalog: Sendable {
    /// The declarations in the order given (a later declaration of the same kind replaces an
    /// earlier one).
    public private(set) var declarations: [StageDeclaration]
    private var byKind: [String: Int]

    public init(_ declarations: [StageDeclaration]) {
        var list: [StageDeclaration] = []
        var index: [String: Int] = [:]
        for d in declarations {
            if let i = index[d.kind] {
                list[i] = d
            } else {
                index[d.kind] = list.count
                list.append(d)
            }
        }
        self.declarations = list
        self.byKind = index
    }

    public subscript(kind: String) -> StageDeclaration? {
        byKind[kind].map { declarations[$0] }
    }

    /// All kind names, sorted.
    public var kinds: [String] { declarations.map(\.kind).sorted() }
}
