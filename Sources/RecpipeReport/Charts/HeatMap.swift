import Foundation

/// A grid of coloured cells with their numbers: rows × columns, coloured by value (white → blue),
/// or around zero (blue → white → red) for scaled features. A cell may print its own text (for
/// two figures at once, such as a count and a mean).
package struct HeatMap: Sendable {
    package enum Coloring: Sendable { case sequential, diverging }

    package var rows: [String]
    package var columns: [String]
    /// rows × columns; nil where there is no value (drawn hatched grey, printed "–").
    package var values: [[Double?]]
    /// Optional text per cell instead of the formatted value.
    package var cellText: [[String]]?
    package var rowHeader: String
    package var coloring: Coloring
    package var format: @Sendable (Double) -> String
    package var width: Double = 680

    package init(
        rows: [String], columns: [String], values: [[Double?]], rowHeader: String, coloring: Coloring = .sequential,
        cellText: [[String]]? = nil, format: @escaping @Sendable (Double) -> String = NumberText.value
    ) {
        self.rows = rows
        self.columns = columns
        self.values = values
        self.rowHeader = rowHeader
        self.coloring = coloring
        self.cellText = cellText
        self.format = format
    }

    func value(_ r: Int, _ c: Int) -> Double? {
        guard r < values.count, c < values[r].count, let v = values[r][c], v.isFinite else { return nil }
        return v
    }

    func text(_ r: Int, _ c: Int) -> String {
        if let cellText, r < cellText.count, c < cellText[r].count { return cellText[r][c] }
        return value(r, c).map(format) ?? "–"
    }

    /// The colour intensity of a value: 0…1 (sequential, from the smallest to the largest value)
    /// or −1…1 (diverging, against the largest magnitude).
    package func intensity(_ v: Double) -> Double {
        let all = rows.indices.flatMap { r in columns.indices.compactMap { value(r, $0) } }
        switch coloring {
        case .sequential:
            let lo = min(0, all.min() ?? 0), hi = all.max() ?? 0
            return hi > lo ? (v - lo) / (hi - lo) : 0
        case .diverging:
            let m = all.map(abs).max() ?? 0
            return m > 0 ? v / m : 0
        }
    }

    package var table: DataTable {
        DataTable(
            columns: [rowHeader] + columns,
            rows: rows.indices.map { r in [rows[r]] + columns.indices.map { text(r, $0) } })
    }

    package func figure(title: String, caption: String? = nil) -> Figure {
        let hasValue = rows.indices.contains { r in columns.indices.contains { value(r, $0) != nil } }
        return Figure(title: title, caption: caption, svg: svg(title: title), table: table, isEmpty: !hasValue)
    }

    package func svg(title: String) -> SVGNode {
        guard !rows.isEmpty, !columns.isEmpty,
            rows.indices.contains(where: { r in columns.indices.contains { value(r, $0) != nil } })
        else { return Axis.empty(title: title, width: width) }
        let rowLabels = rows.map { $0.truncated(30) }, colLabels = columns.map { $0.truncated(24) }
        let left = min(230, 10 + (rowLabels.map { Axis.textWidth($0) }.max() ?? 0))
        let widest = colLabels.map { Axis.textWidth($0) }.max() ?? 0
        // Column labels fit flat when narrower than a cell; otherwise they are turned 40° and the
        // last one needs room to the right.
        let flat = min(110, (width - left - 10) / Double(columns.count))
        let turned = widest > flat - 6
        let cellWidth = turned ? max(24, min(110, (width - left - 10 - widest * 0.77) / Double(columns.count))) : flat
        let top = turned ? 14 + widest * sin(40 * .pi / 180) : 22
        let cellHeight = 26.0
        var nodes: [SVGNode] = []
        for (c, label) in colLabels.enumerated() {
            let x = left + cellWidth * (Double(c) + 0.5)
            nodes.append(
                turned
                    ? .text(label, x: x, y: top - 6, anchor: "start", cssClass: "label", rotate: -40)
                    : .text(label, x: x, y: top - 8, anchor: "middle", cssClass: "label"))
        }
        var cells: [SVGNode] = []
        for (r, label) in rowLabels.enumerated() {
            let y = top + cellHeight * Double(r)
            cells.append(.text(label, x: left - 6, y: y + cellHeight / 2 + 4, anchor: "end", cssClass: "label"))
            for c in columns.indices {
                let x = left + cellWidth * Double(c)
                guard let v = value(r, c) else {
                    cells.append(
                        .rect(
                            x: x, y: y, width: cellWidth - 1, height: cellHeight - 1, fill: "#e6e6e6",
                            cssClass: "missing"))
                    continue
                }
                let t = intensity(v)
                let fill = coloring == .sequential ? Palette.sequential(t) : Palette.diverging(t)
                cells.append(
                    .rect(
                        x: x, y: y, width: cellWidth - 1, height: cellHeight - 1, fill: fill, cssClass: "mark",
                        title: "\(rows[r]) · \(columns[c]): \(text(r, c))"))
                var label = SVGNode.text(
                    text(r, c).truncated(Int(cellWidth / 6.5)), x: x + cellWidth / 2, y: y + cellHeight / 2 + 4,
                    anchor: "middle", cssClass: "cell")
                label.attributes.append(("fill", Palette.textColor(onIntensity: t)))
                cells.append(label)
            }
        }
        nodes.append(.group("cells", cells))
        let height = top + cellHeight * Double(rows.count) + 8
        return .root(width: width, height: height, title: title, cssClass: "chart heat-map", nodes)
    }
}
