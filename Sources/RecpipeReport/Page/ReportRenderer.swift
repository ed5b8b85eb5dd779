import Foundation
import Mustache

/// Renders a `ReportPage` as one HTML document through the Mustache templates shipped as this
/// module's resources (`Templates/*.mustache`): styles inline, charts as inline SVG, no scripts
/// and nothing fetched from the network.
package struct ReportRenderer: Sendable {
    let library: MustacheLibrary

    package struct TemplateError: Error, CustomStringConvertible {
        package var description: String
    }

    /// Loads the templates from `directory`, or from the module's resources when nil.
    package init(directory: String? = nil) throws {
        guard let dir = directory ?? Bundle.module.resourceURL?.appendingPathComponent("Templates").path else {
            throw TemplateError(
                description: "the report templates are missing (recpipe_RecpipeReport.resources beside the binary)")
        }
        let names = (try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []
        var templates: [String: MustacheTemplate] = [:]
        for name in names where name.hasSuffix(".mustache") {
            let path = dir + "/" + name
            guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
                throw TemplateError(description: "cannot read the report template '\(path)'")
            }
            do {
                templates[String(name.dropLast(".mustache".count))] = try MustacheTemplate(string: text)
            } catch {
                throw TemplateError(description: "\(path): \(error)")
            }
        }
        guard templates["report"] != nil else {
            throw TemplateError(description: "the report templates are missing: no 'report.mustache' in '\(dir)'")
        }
        library = MustacheLibrary(templates: templates)
    }

    /// The HTML document.
    package func render(_ page: ReportPage) throws -> String {
        guard let html = library.render(PageView(page), withTemplate: "report") else {
            throw TemplateError(description: "the 'report' template did not render")
        }
        return html
    }
}

// MARK: - What the templates see

/// Plain values for the templates: optionals for optional parts, cells with their alignment. Names
/// are unique across levels, because Mustache looks a missing name up in the enclosing contexts.
struct PageView {
    var title: String
    var subtitle: String
    var facts: [ReportPage.Fact]
    var sections: [SectionView]

    init(_ page: ReportPage) {
        title = page.title
        subtitle = page.subtitle
        facts = page.facts
        sections = page.sections.map(SectionView.init)
    }
}

struct SectionView {
    var id: String
    var sectionTitle: String
    var intro: String?
    var blocks: [BlockView]

    init(_ s: ReportPage.Section) {
        id = s.id
        sectionTitle = s.title
        intro = s.intro
        blocks = s.blocks.map(BlockView.init)
    }
}

struct BlockView {
    var figure: FigureView?
    var table: TableView?
    var notes: NotesView?

    init(_ b: ReportPage.Block) {
        figure = b.figure.map(FigureView.init)
        table = b.table.map { TableView($0, title: b.tableTitle) }
        notes = b.notes.isEmpty ? nil : NotesView(lines: b.notes, warning: b.isWarning)
    }
}

struct NotesView {
    var lines: [String]
    var warning: Bool
}

struct FigureView {
    var figureTitle: String
    var figureCaption: String?
    var svg: String
    var table: TableView

    init(_ f: Figure) {
        figureTitle = f.title
        figureCaption = f.caption
        svg = f.svg
        table = TableView(f.table, title: nil)
    }
}

struct TableView {
    struct Cell {
        var text: String
        var numeric: Bool
        /// A header long enough to break anywhere (`share_electronics`); short ones stay whole.
        var long = false
    }
    struct Row { var cells: [Cell] }

    var heading: String?
    var header: [Cell]
    var rows: [Row]
    var note: String?

    init(_ t: DataTable, title: String?) {
        heading = title
        let numeric = t.columns.indices.map { $0 < t.numeric.count && t.numeric[$0] }
        header = t.columns.enumerated().map { Cell(text: $1, numeric: numeric[$0], long: $1.count > 7) }
        rows = t.rows.map { r in
            Row(cells: r.enumerated().map { Cell(text: $1, numeric: $0 < numeric.count && numeric[$0]) })
        }
        note = t.note
    }
}
