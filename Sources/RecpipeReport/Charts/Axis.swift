/// Axis lines, ticks, grid lines and tick labels shared by every chart, plus the text-width
/// estimate used to size margins (no fonts are measured: the page uses the system sans-serif).
package enum Axis {
    /// Approximate width of `text` in the 12 px sans-serif the charts use.
    package static func textWidth(_ text: String, size: Double = 12) -> Double {
        Double(text.count) * size * 0.58
    }

    /// A horizontal axis at `y` with vertical grid lines up to `top`.
    static func bottom(
        ticks: [Double], at y: Double, top: Double, position: (Double) -> Double, label: (Double) -> String,
        title: String? = nil, width: Double
    ) -> SVGNode {
        var nodes: [SVGNode] = []
        for t in ticks {
            let x = position(t)
            nodes.append(.line(x1: x, y1: top, x2: x, y2: y, cssClass: "grid"))
            nodes.append(.line(x1: x, y1: y, x2: x, y2: y + 4, cssClass: "tick"))
            // A label at either end of the chart is aligned inwards, so it is not cut off.
            let text = label(t), half = textWidth(text, size: 11) / 2
            let anchor = x + half > width - 1 ? "end" : x - half < 1 ? "start" : "middle"
            nodes.append(.text(text, x: x, y: y + 16, anchor: anchor, cssClass: "tick-label"))
        }
        if let first = ticks.first.map(position), let last = ticks.last.map(position) {
            nodes.append(.line(x1: min(first, last), y1: y, x2: max(first, last), y2: y, cssClass: "axis"))
        }
        if let title { nodes.append(.text(title, x: width / 2, y: y + 32, anchor: "middle", cssClass: "axis-title")) }
        return .group("x-axis", nodes)
    }

    /// A vertical axis at `x` with horizontal grid lines across to `right`.
    static func left(
        ticks: [Double], at x: Double, right: Double, position: (Double) -> Double, label: (Double) -> String,
        title: String? = nil
    ) -> SVGNode {
        var nodes: [SVGNode] = []
        for t in ticks {
            let y = position(t)
            nodes.append(.line(x1: x, y1: y, x2: right, y2: y, cssClass: "grid"))
            nodes.append(.line(x1: x - 4, y1: y, x2: x, y2: y, cssClass: "tick"))
            nodes.append(.text(label(t), x: x - 7, y: y + 4, anchor: "end", cssClass: "tick-label"))
        }
        if let first = ticks.first.map(position), let last = ticks.last.map(position) {
            nodes.append(.line(x1: x, y1: min(first, last), x2: x, y2: max(first, last), cssClass: "axis"))
        }
        if let title { nodes.append(.text(title, x: 12, y: 12, anchor: "start", cssClass: "axis-title")) }
        return .group("y-axis", nodes)
    }

    /// A row of coloured keys, one per series name, starting at (`x`, `y`).
    static func legend(_ names: [String], x: Double, y: Double, maxWidth: Double) -> (node: SVGNode, height: Double) {
        var nodes: [SVGNode] = []
        var cx = x, cy = y
        for (i, name) in names.enumerated() {
            let w = 16 + textWidth(name) + 14
            if cx + w > x + maxWidth && cx > x {
                cx = x
                cy += 18
            }
            nodes.append(.rect(x: cx, y: cy, width: 11, height: 11, fill: Palette.color(i), cssClass: "key"))
            nodes.append(.text(name, x: cx + 15, y: cy + 10, cssClass: "legend-label"))
            cx += w
        }
        return (.group("legend", nodes), cy - y + 20)
    }

    /// The drawing of a chart without data: a framed "no data" message, marked `empty`.
    static func empty(title: String, width: Double, message: String = "no data") -> SVGNode {
        .root(
            width: width, height: 60, title: title, cssClass: "chart empty",
            [
                .rect(x: 0.5, y: 0.5, width: width - 1, height: 59, fill: "none", cssClass: "frame"),
                .text(message, x: width / 2, y: 34, anchor: "middle", cssClass: "label"),
            ])
    }
}
