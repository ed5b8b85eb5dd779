/// One chart as the page shows it: the drawing and the same numbers as a table (accessible and
/// copyable), with a title and a caption saying how to read it.
package struct Figure: Sendable {
    package var title: String
    package var caption: String?
    /// The SVG markup (already escaped by `SVGNode`).
    package var svg: String
    package var table: DataTable
    /// True when the chart had no data to draw (the page check fails on such a chart).
    package var isEmpty: Bool

    package init(title: String, caption: String? = nil, svg: SVGNode, table: DataTable, isEmpty: Bool) {
        self.title = title
        self.caption = caption
        self.svg = svg.render()
        self.table = table
        self.isEmpty = isEmpty
    }
}

/// A table of text cells; numeric columns are right-aligned.
package struct DataTable: Sendable, Equatable {
    package var columns: [String]
    package var rows: [[String]]
    /// Per column: right-align (numbers).
    package var numeric: [Bool]
    /// A line under the table, e.g. "top 20 of 57 reasons".
    package var note: String?

    package init(columns: [String], rows: [[String]], numeric: [Bool]? = nil, note: String? = nil) {
        self.columns = columns
        self.rows = rows
        self.numeric = numeric ?? columns.indices.map { $0 > 0 }
        self.note = note
    }
}

/// Colours: a categorical palette that stays distinguishable in print, and the two ramps the
/// heat maps use.
package enum Palette {
    package static let categorical = [
        "#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#76b7b2", "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac",
    ]

    package static func color(_ i: Int) -> String {
        categorical[((i % categorical.count) + categorical.count) % categorical.count]
    }

    /// White → blue for `t` in 0…1.
    package static func sequential(_ t: Double) -> String {
        mix((255, 255, 255), (33, 102, 172), clamp(t))
    }

    /// Blue (−1) → white (0) → red (+1) for `t` in −1…1.
    package static func diverging(_ t: Double) -> String {
        let c = clamp(abs(t))
        return t < 0 ? mix((247, 247, 247), (33, 102, 172), c) : mix((247, 247, 247), (178, 24, 43), c)
    }

    /// Dark text on light cells, white on dark ones.
    package static func textColor(onIntensity t: Double) -> String { clamp(abs(t)) > 0.6 ? "#ffffff" : "#1a1a1a" }

    private static func clamp(_ t: Double) -> Double { t.isFinite ? min(1, max(0, t)) : 0 }

    private static func mix(_ a: (Int, Int, Int), _ b: (Int, Int, Int), _ t: Double) -> String {
        func ch(_ x: Int, _ y: Int) -> Int { Int((Double(x) + (Double(y) - Double(x)) * t).rounded()) }
        let (r, g, bl) = (ch(a.0, b.0), ch(a.1, b.1), ch(a.2, b.2))
        return "#" + [r, g, bl].map { String($0, radix: 16).leftPadded(2) }.joined()
    }
}

extension String {
    func leftPadded(_ width: Int, with pad: Character = "0") -> String {
        count >= width ? self : String(repeating: pad, count: width - count) + self
    }

    /// At most `limit` characters, with "…" when cut.
    package func truncated(_ limit: Int) -> String {
        count <= limit ? self : String(prefix(max(1, limit - 1))) + "…"
    }
}
