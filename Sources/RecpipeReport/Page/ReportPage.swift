/// What a report page says, independent of HTML: a title, a few headline facts, and sections of
/// blocks (a figure with its table, a table alone, or lines of notes). `ReportRenderer` turns it
/// into one self-contained HTML file through the templates in `Templates/`.
package struct ReportPage: Sendable {
    package var title: String
    package var subtitle: String
    package var facts: [Fact]
    package var sections: [Section]

    package init(title: String, subtitle: String, facts: [Fact] = [], sections: [Section] = []) {
        self.title = title
        self.subtitle = subtitle
        self.facts = facts
        self.sections = sections
    }

    package struct Fact: Sendable, Equatable {
        package var label: String
        package var value: String
        package init(_ label: String, _ value: String) {
            self.label = label
            self.value = value
        }
    }

    package struct Section: Sendable {
        /// The anchor (`run`, `customers`, `models`, `rules`).
        package var id: String
        package var title: String
        package var intro: String?
        package var blocks: [Block]

        package init(id: String, title: String, intro: String? = nil, blocks: [Block] = []) {
            self.id = id
            self.title = title
            self.intro = intro
            self.blocks = blocks
        }

        /// Figures whose chart had nothing to draw (the builder explains those with notes instead).
        package var emptyFigures: [String] { blocks.compactMap { $0.figure?.isEmpty == true ? $0.figure?.title : nil } }
    }

    /// One of: a figure (chart + table), a titled table, or notes.
    package struct Block: Sendable {
        package var figure: Figure?
        package var table: DataTable?
        package var tableTitle: String?
        package var notes: [String]
        /// Notes shown as a warning (something the reader should not miss).
        package var isWarning: Bool

        package static func figure(_ f: Figure) -> Block { Block(figure: f, notes: [], isWarning: false) }
        package static func table(_ title: String, _ t: DataTable) -> Block {
            Block(table: t, tableTitle: title, notes: [], isWarning: false)
        }
        package static func notes(_ lines: [String], warning: Bool = false) -> Block {
            Block(notes: lines, isWarning: warning)
        }
    }
}
