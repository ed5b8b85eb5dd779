/// Lines over ordered categories (deciles, days …), one per series, with a dot and its number at
/// every point when there are few points. The table holds the same numbers.
package struct LineChart: Sendable {
    package var categories: [String]
    package var series: [BarChart.Series]
    package var categoryHeader: String
    package var format: @Sendable (Double) -> String
    package var axisFormat: @Sendable (Double, Double) -> String
    package var xTitle: String?
    package var width: Double = 680
    package var height: Double = 260

    package init(
        categories: [String], series: [BarChart.Series], categoryHeader: String, xTitle: String? = nil,
        format: @escaping @Sendable (Double) -> String = NumberText.value,
        axisFormat: @escaping @Sendable (Double, Double) -> String = { Ticks.label($0, step: $1) }
    ) {
        self.categories = categories
        self.series = series
        self.categoryHeader = categoryHeader
        self.xTitle = xTitle
        self.format = format
        self.axisFormat = axisFormat
    }

    package var table: DataTable {
        BarChart(categories: categories, series: series, categoryHeader: categoryHeader, format: format).table
    }

    package func figure(title: String, caption: String? = nil) -> Figure {
        let empty = categories.isEmpty || !series.contains { $0.values.contains(where: \.isFinite) }
        return Figure(title: title, caption: caption, svg: svg(title: title), table: table, isEmpty: empty)
    }

    package func svg(title: String) -> SVGNode {
        let values = series.flatMap(\.values).filter(\.isFinite)
        guard !categories.isEmpty, !values.isEmpty else { return Axis.empty(title: title, width: width) }
        let legend = Axis.legend(series.map(\.name), x: 56, y: 8, maxWidth: width - 70)
        let top = 8 + legend.height + 8
        let bottom = height - (xTitle == nil ? 26 : 42)
        let left = 56.0, right = width - 14
        let y = LinearScale(covering: values, range: top...bottom, inverted: true)
        let step = y.tickStep()
        let x = BandScale(count: categories.count, range: left...right, padding: 0)
        var nodes: [SVGNode] = [legend.node]
        nodes.append(
            Axis.left(
                ticks: y.ticks(), at: left, right: right, position: y.callAsFunction, label: { axisFormat($0, step) }))
        var xAxis: [SVGNode] = [.line(x1: left, y1: bottom, x2: right, y2: bottom, cssClass: "axis")]
        let every = max(1, Int((Double(categories.count) * 60 / (right - left)).rounded(.up)))
        for (i, c) in categories.enumerated() where i % every == 0 {
            xAxis.append(
                .text(c.truncated(12), x: x.center(i), y: bottom + 16, anchor: "middle", cssClass: "tick-label"))
        }
        if let xTitle {
            xAxis.append(.text(xTitle, x: (left + right) / 2, y: bottom + 34, anchor: "middle", cssClass: "axis-title"))
        }
        nodes.append(.group("x-axis", xAxis))
        let labelled = categories.count * series.count <= 40
        for (s, ser) in series.enumerated() {
            let points = ser.values.indices.filter { $0 < categories.count && ser.values[$0].isFinite }
            let path = points.map { "\(SVGNode.n(x.center($0))),\(SVGNode.n(y(ser.values[$0])))" }.joined(
                separator: " ")
            var marks: [SVGNode] = [
                SVGNode(
                    "polyline", [("points", path), ("fill", "none"), ("stroke", Palette.color(s)), ("class", "line")])
            ]
            for i in points {
                let v = ser.values[i]
                marks.append(
                    SVGNode(
                        "circle",
                        [
                            ("cx", SVGNode.n(x.center(i))), ("cy", SVGNode.n(y(v))), ("r", "3.5"),
                            ("fill", Palette.color(s)), ("class", "mark"),
                        ],
                        children: [SVGNode("title", text: "\(ser.name) · \(categories[i]): \(format(v))")]))
                if labelled && series.count == 1 {
                    marks.append(.text(format(v), x: x.center(i), y: y(v) - 8, anchor: "middle", cssClass: "value"))
                }
            }
            nodes.append(.group("series", marks))
        }
        return .root(width: width, height: height, title: title, cssClass: "chart line-chart", nodes)
    }
}
