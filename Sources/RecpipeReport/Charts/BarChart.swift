/// Horizontal bars, one row per category and one bar per series (grouped side by side), each
/// with its number printed at its end. The table holds the same numbers.
package struct BarChart: Sendable {
    package struct Series: Sendable, Equatable {
        package var name: String
        /// One per category; NaN where the series has no value.
        package var values: [Double]
        package init(_ name: String, _ values: [Double]) {
            self.name = name
            self.values = values
        }
    }

    package var categories: [String]
    package var series: [Series]
    /// The category column's header in the table.
    package var categoryHeader: String
    package var format: @Sendable (Double) -> String
    /// Fixes the axis end (1 for shares and most metrics) instead of fitting the data.
    package var maximum: Double?
    package var axisTitle: String?
    package var width: Double = 680

    package init(
        categories: [String], series: [Series], categoryHeader: String, maximum: Double? = nil,
        axisTitle: String? = nil,
        format: @escaping @Sendable (Double) -> String = NumberText.value
    ) {
        self.categories = categories
        self.series = series
        self.categoryHeader = categoryHeader
        self.maximum = maximum
        self.axisTitle = axisTitle
        self.format = format
    }

    /// One series.
    package init(
        _ pairs: [(String, Double)], categoryHeader: String, valueHeader: String, maximum: Double? = nil,
        axisTitle: String? = nil, format: @escaping @Sendable (Double) -> String = NumberText.value
    ) {
        self.init(
            categories: pairs.map(\.0), series: [Series(valueHeader, pairs.map(\.1))], categoryHeader: categoryHeader,
            maximum: maximum, axisTitle: axisTitle, format: format)
    }

    var values: [Double] { series.flatMap(\.values).filter(\.isFinite) }

    package var table: DataTable {
        DataTable(
            columns: [categoryHeader] + series.map(\.name),
            rows: categories.indices.map { c in
                [categories[c]]
                    + series.map { s in c < s.values.count && s.values[c].isFinite ? format(s.values[c]) : "–" }
            })
    }

    package func figure(title: String, caption: String? = nil) -> Figure {
        Figure(title: title, caption: caption, svg: svg(title: title), table: table, isEmpty: values.isEmpty)
    }

    package func svg(title: String) -> SVGNode {
        let values = self.values
        guard !categories.isEmpty, !values.isEmpty else { return Axis.empty(title: title, width: width) }
        let labels = categories.map { $0.truncated(34) }
        let left = min(250, 10 + (labels.map { Axis.textWidth($0) }.max() ?? 0))
        let valueTexts = values.map(format)
        let right = 12 + (valueTexts.map { Axis.textWidth($0) }.max() ?? 0)
        var top = 8.0
        var nodes: [SVGNode] = []
        if series.count > 1 {
            let legend = Axis.legend(series.map(\.name), x: left, y: top, maxWidth: width - left - right)
            nodes.append(legend.node)
            top += legend.height + 4
        }
        let barHeight = series.count > 1 ? 14.0 : 18.0
        let groupHeight = barHeight * Double(series.count) + 8
        let plotBottom = top + groupHeight * Double(categories.count)
        let lo = min(0, values.min()!)
        let hi = max(maximum ?? values.max()!, values.max()!, 0)
        let scale = LinearScale(domain: Ticks.niceDomain(lo, hi), range: left...(width - right))
        let step = scale.tickStep()
        nodes.append(
            Axis.bottom(
                ticks: scale.ticks(), at: plotBottom, top: top, position: scale.callAsFunction,
                label: { Ticks.label($0, step: step) }, title: axisTitle, width: width))
        var bars: [SVGNode] = []
        for (c, label) in labels.enumerated() {
            let y0 = top + groupHeight * Double(c) + 4
            bars.append(
                .text(
                    label, x: left - 6, y: y0 + barHeight * Double(series.count) / 2 + 3, anchor: "end",
                    cssClass: "label"))
            for (s, ser) in series.enumerated() where c < ser.values.count && ser.values[c].isFinite {
                let v = ser.values[c]
                let x0 = scale(min(0, v)), x1 = scale(max(0, v))
                let y = y0 + barHeight * Double(s)
                bars.append(
                    .rect(
                        x: x0, y: y, width: max(x1 - x0, v == 0 ? 0 : 1), height: barHeight - 2, fill: Palette.color(s),
                        cssClass: "mark", title: "\(categories[c]) · \(ser.name): \(format(v))"))
                bars.append(.text(format(v), x: x1 + 4, y: y + barHeight - 5, cssClass: "value"))
            }
        }
        nodes.append(.group("bars", bars))
        let height = plotBottom + (axisTitle == nil ? 24 : 40)
        return .root(width: width, height: height, title: title, cssClass: "chart bar-chart", nodes)
    }
}
