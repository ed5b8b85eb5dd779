import Foundation

/// A small SVG element tree: charts build nodes, and only `render` turns them into markup, with
/// every attribute value and text escaped.
package struct SVGNode: Sendable, Equatable {
    package var name: String
    package var attributes: [(String, String)]
    package var children: [SVGNode]
    package var text: String?

    package init(_ name: String, _ attributes: [(String, String)] = [], text: String? = nil, children: [SVGNode] = []) {
        self.name = name
        self.attributes = attributes
        self.children = children
        self.text = text
    }

    package static func == (a: SVGNode, b: SVGNode) -> Bool {
        a.name == b.name && a.attributes.elementsEqual(b.attributes, by: ==) && a.children == b.children
            && a.text == b.text
    }

    // MARK: - Shapes

    package static func rect(
        x: Double, y: Double, width: Double, height: Double, fill: String, cssClass: String? = nil, title: String? = nil
    ) -> SVGNode {
        var attrs = [
            ("x", n(x)), ("y", n(y)), ("width", n(max(0, width))), ("height", n(max(0, height))), ("fill", fill),
        ]
        if let cssClass { attrs.append(("class", cssClass)) }
        return SVGNode("rect", attrs, children: title.map { [SVGNode("title", text: $0)] } ?? [])
    }

    package static func line(x1: Double, y1: Double, x2: Double, y2: Double, cssClass: String) -> SVGNode {
        SVGNode("line", [("x1", n(x1)), ("y1", n(y1)), ("x2", n(x2)), ("y2", n(y2)), ("class", cssClass)])
    }

    /// Text at a point; `anchor` is `start`, `middle` or `end`.
    package static func text(
        _ s: String, x: Double, y: Double, anchor: String = "start", cssClass: String = "label", rotate: Double? = nil
    ) -> SVGNode {
        var attrs = [("x", n(x)), ("y", n(y)), ("text-anchor", anchor), ("class", cssClass)]
        if let rotate { attrs.append(("transform", "rotate(\(n(rotate)) \(n(x)) \(n(y)))")) }
        return SVGNode("text", attrs, text: s)
    }

    package static func group(_ cssClass: String, _ children: [SVGNode]) -> SVGNode {
        SVGNode("g", [("class", cssClass)], children: children)
    }

    /// The root element: sized by its view box so it scales to the page width, with a title for
    /// screen readers.
    package static func root(width: Double, height: Double, title: String, cssClass: String, _ children: [SVGNode])
        -> SVGNode
    {
        SVGNode(
            "svg",
            [
                ("xmlns", "http://www.w3.org/2000/svg"), ("viewBox", "0 0 \(n(width)) \(n(height))"),
                ("width", n(width)), ("height", n(height)), ("role", "img"), ("class", cssClass),
            ],
            children: [SVGNode("title", text: title)] + children)
    }

    // MARK: - Rendering

    package func render() -> String {
        var out = ""
        render(into: &out)
        return out
    }

    package func render(into out: inout String) {
        out += "<" + name
        for (k, v) in attributes { out += " \(k)=\"\(Self.escape(v))\"" }
        if children.isEmpty && text == nil {
            out += "/>"
            return
        }
        out += ">"
        if let text { out += Self.escape(text) }
        for c in children { c.render(into: &out) }
        out += "</\(name)>"
    }

    package static func escape(_ s: String) -> String {
        var r = ""
        r.reserveCapacity(s.utf8.count)
        for ch in s {
            switch ch {
            case "&": r += "&amp;"
            case "<": r += "&lt;"
            case ">": r += "&gt;"
            case "\"": r += "&quot;"
            default: r.append(ch)
            }
        }
        return r
    }

    /// A coordinate with at most two decimals (keeps the page small).
    package static func n(_ x: Double) -> String {
        guard x.isFinite else { return "0" }
        let r = (x * 100).rounded() / 100
        return r == r.rounded() ? String(Int(r)) : String(r)
    }
}
