import RecpipeCore

/// The stage kinds a pipeline may use (`uses:`), by kind name.
package struct StageCatalog: Sendable {
    /// The declarations in the order given (a later declaration of the same kind replaces an
    /// earlier one).
    package private(set) var declarations: [StageDeclaration]
    private var byKind: [String: Int]

    package init(_ declarations: [StageDeclaration]) {
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

    package subscript(kind: String) -> StageDeclaration? {
        byKind[kind].map { declarations[$0] }
    }

    /// The kind a misspelt or foreign name most likely means: a declared alias (normalised:
    /// case, `-` and `_` ignored), else the closest kind name. Nil when nothing is close.
    package func suggestion(for name: String) -> String? {
        let key = name.lowercased().filter { $0 != "-" && $0 != "_" }
        if let d = declarations.first(where: {
            $0.aliases.contains { $0.lowercased().filter { $0 != "-" && $0 != "_" } == key }
        }) {
            return d.kind
        }
        return Suggestions.closest(to: name, in: kinds)
    }

    /// All kind names, sorted.
    package var kinds: [String] { declarations.map(\.kind).sorted() }
}
