/// A pipeline DAG drawn top to bottom: each stage in the row of its longest path from a source,
/// ordered within the row by its parents' positions (fewer crossings), coloured by status, with
/// data edges solid and order-only (`after`) edges dashed.
package struct GraphDrawing: Sendable {
    package struct Node: Sendable, Equatable {
        package var id: String
        package var detail: String
        /// A CSS-safe status word (`ran`, `cached`, `failed`, `skipped`, `not_selected` …).
        package var status: String
        package init(id: String, detail: String, status: String) {
            self.id = id
            self.detail = detail
            self.status = status
        }
    }

    package struct Edge: Sendable, Equatable {
        package var from: String
        package var to: String
        package var dashed: Bool
        package init(from: String, to: String, dashed: Bool = false) {
            self.from = from
            self.to = to
            self.dashed = dashed
        }
    }

    package var nodes: [Node]
    package var edges: [Edge]
    package var width: Double = 680

    package init(nodes: [Node], edges: [Edge]) {
        self.nodes = nodes
        self.edges = edges
    }

    /// Each node's row: the length of the longest path reaching it. O(nodes × edges) at worst.
    package func layers() -> [String: Int] {
        var layer = Dictionary(uniqueKeysWithValues: nodes.map { ($0.id, 0) })
        let known = edges.filter { layer[$0.from] != nil && layer[$0.to] != nil && $0.from != $0.to }
        for _ in 0..<nodes.count {
            var changed = false
            for e in known where layer[e.to]! < layer[e.from]! + 1 {
                layer[e.to] = layer[e.from]! + 1
                changed = true
            }
            if !changed { break }
        }
        return layer
    }

    /// Rows of node indices, each ordered by the mean position of the node's parents in the rows above.
    package func rows() -> [[Int]] {
        let layer = layers()
        let depth = (layer.values.max() ?? -1) + 1
        var rows = [[Int]](repeating: [], count: depth)
        for (i, n) in nodes.enumerated() { rows[layer[n.id]!].append(i) }
        var position: [String: Double] = [:]
        for r in rows.indices {
            if r > 0 {
                rows[r].sort { a, b in
                    let pa = parentMean(nodes[a].id, position), pb = parentMean(nodes[b].id, position)
                    return pa != pb ? pa < pb : a < b
                }
            }
            for (k, i) in rows[r].enumerated() { position[nodes[i].id] = Double(k) / Double(max(1, rows[r].count - 1)) }
        }
        return rows
    }

    private func parentMean(_ id: String, _ position: [String: Double]) -> Double {
        let ps = edges.filter { $0.to == id }.compactMap { position[$0.from] }
        return ps.isEmpty ? 0.5 : ps.reduce(0, +) / Double(ps.count)
    }

    package var table: DataTable {
        let layer = layers()
        return DataTable(
            columns: ["stage", "kind", "reads from", "row"],
            rows: nodes.map { n in
                let from = edges.filter { $0.to == n.id }.map { $0.dashed ? "\($0.from) (after)" : $0.from }
                return [n.id, n.detail, from.isEmpty ? "–" : from.joined(separator: ", "), String(layer[n.id]! + 1)]
            }, numeric: [false, false, false, true])
    }

    package func figure(title: String, caption: String? = nil) -> Figure {
        Figure(title: title, caption: caption, svg: svg(title: title), table: table, isEmpty: nodes.isEmpty)
    }

    package func svg(title: String) -> SVGNode {
        guard !nodes.isEmpty else { return Axis.empty(title: title, width: width) }
        let rows = rows()
        let widest = rows.map(\.count).max() ?? 1
        let gap = 10.0, rowHeight = 64.0, boxHeight = 36.0
        let boxWidth = min(130, (width - 20 - gap * Double(widest - 1)) / Double(widest))
        var center: [String: (x: Double, y: Double)] = [:]
        for (r, row) in rows.enumerated() {
            let total = Double(row.count) * boxWidth + Double(row.count - 1) * gap
            let x0 = (width - total) / 2
            for (k, i) in row.enumerated() {
                center[nodes[i].id] = (
                    x0 + Double(k) * (boxWidth + gap) + boxWidth / 2, 12 + Double(r) * rowHeight + boxHeight / 2
                )
            }
        }
        var edgeNodes: [SVGNode] = []
        for e in edges {
            guard let a = center[e.from], let b = center[e.to] else { continue }
            let y1 = a.y + boxHeight / 2, y2 = b.y - boxHeight / 2
            let mid = (y1 + y2) / 2
            let d =
                "M\(SVGNode.n(a.x)),\(SVGNode.n(y1)) C\(SVGNode.n(a.x)),\(SVGNode.n(mid)) \(SVGNode.n(b.x)),\(SVGNode.n(mid)) \(SVGNode.n(b.x)),\(SVGNode.n(y2 - 3))"
            edgeNodes.append(
                SVGNode("path", [("d", d), ("class", e.dashed ? "edge after" : "edge"), ("marker-end", "url(#arrow)")]))
        }
        let marker = SVGNode(
            "defs",
            children: [
                SVGNode(
                    "marker",
                    [
                        ("id", "arrow"), ("viewBox", "0 0 8 8"), ("refX", "7"), ("refY", "4"), ("markerWidth", "7"),
                        ("markerHeight", "7"), ("orient", "auto"),
                    ],
                    children: [SVGNode("path", [("d", "M0,0 L8,4 L0,8 z"), ("class", "arrow-head")])])
            ])
        var boxes: [SVGNode] = []
        let chars = Int(boxWidth / 7)
        for n in nodes {
            guard let c = center[n.id] else { continue }
            var box = SVGNode.rect(
                x: c.x - boxWidth / 2, y: c.y - boxHeight / 2, width: boxWidth, height: boxHeight, fill: "#ffffff",
                cssClass: "mark node status-\(n.status)", title: "\(n.id) (\(n.detail)): \(n.status)")
            box.attributes.append(("rx", "5"))
            boxes.append(box)
            boxes.append(.text(n.id.truncated(chars), x: c.x, y: c.y - 2, anchor: "middle", cssClass: "node-name"))
            boxes.append(
                .text(
                    "\(n.detail) · \(n.status)".truncated(chars + 4), x: c.x, y: c.y + 12, anchor: "middle",
                    cssClass: "node-detail"))
        }
        let height = 12 + Double(rows.count - 1) * rowHeight + boxHeight + 14
        return .root(
            width: width, height: height, title: title, cssClass: "chart dag",
            [marker, .group("edges", edgeNodes), .group("nodes", boxes)])
    }
}
