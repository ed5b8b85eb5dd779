import Foundation

/// A distribution on a log axis: positive values counted in bins of equal width in log10 (four
/// per decade), drawn as columns over a logarithmic x axis. Zero and negative values cannot sit
/// on such an axis: they are counted apart and shown in the caption and the table, never dropped.
package struct LogHistogram: Sendable {
    package struct Bin: Sendable, Equatable {
        package var lower: Double
        package var upper: Double
        package var count: Int
    }

    package var bins: [Bin]
    /// Values ≤ 0 (not drawn on the log axis).
    package var nonPositive: Int
    /// NaN and infinite values.
    package var missing: Int
    package var valueName: String
    package var countName: String
    package var width: Double = 680
    package var height: Double = 220

    /// Bins `values`; `binsPerDecade` sets the resolution. O(n).
    package init(_ values: [Double], valueName: String, countName: String = "users", binsPerDecade: Int = 4) {
        self.valueName = valueName
        self.countName = countName
        let finite = values.filter(\.isFinite)
        missing = values.count - finite.count
        let positive = finite.filter { $0 > 0 }
        nonPositive = finite.count - positive.count
        guard let lo = positive.min(), let hi = positive.max() else {
            bins = []
            return
        }
        let per = Double(max(1, binsPerDecade))
        // Bin k covers [10^(k/per), 10^((k+1)/per)); the small epsilon keeps exact powers in their own bin.
        let index: (Double) -> Int = { Int((log10($0) * per + 1e-9).rounded(.down)) }
        let k0 = index(lo), k1 = index(hi)
        var counts = [Int](repeating: 0, count: k1 - k0 + 1)
        for v in positive { counts[index(v) - k0] += 1 }
        bins = counts.indices.map { i in
            Bin(
                lower: Ticks.clean(pow(10, Double(k0 + i) / per)),
                upper: Ticks.clean(pow(10, Double(k0 + i + 1) / per)), count: counts[i])
        }
    }

    package var table: DataTable {
        var rows = bins.map {
            [NumberText.value($0.lower) + " – " + NumberText.value($0.upper), NumberText.count($0.count)]
        }
        if nonPositive > 0 { rows.insert(["≤ 0 (not on the log axis)", NumberText.count(nonPositive)], at: 0) }
        if missing > 0 { rows.append(["missing", NumberText.count(missing)]) }
        return DataTable(columns: [valueName, countName], rows: rows)
    }

    package func figure(title: String, caption: String? = nil) -> Figure {
        var text = caption ?? ""
        if nonPositive > 0 {
            text +=
                (text.isEmpty ? "" : " ")
                + "\(NumberText.count(nonPositive)) \(countName) with \(valueName) ≤ 0 are not on the log axis (first row of the table)."
        }
        return Figure(
            title: title, caption: text.isEmpty ? nil : text, svg: svg(title: title), table: table,
            isEmpty: bins.isEmpty)
    }

    package func svg(title: String) -> SVGNode {
        guard let first = bins.first, let last = bins.last else { return Axis.empty(title: title, width: width) }
        let left = 56.0, right = width - 14, top = 10.0, bottom = height - 42
        let x = LogScale(domain: first.lower...last.upper, range: left...right)
        let y = LinearScale(covering: bins.map { Double($0.count) }, range: top...bottom, inverted: true)
        let step = y.tickStep()
        var nodes: [SVGNode] = [
            Axis.left(
                ticks: y.ticks(), at: left, right: right, position: y.callAsFunction,
                label: { Ticks.label($0, step: step) }),
            Axis.bottom(
                ticks: x.ticks(), at: bottom, top: top, position: x.callAsFunction, label: { NumberText.value($0) },
                title: "\(valueName) (log scale)", width: width),
        ]
        var columns: [SVGNode] = []
        for b in bins where b.count > 0 {
            let x0 = x(b.lower), x1 = x(b.upper)
            columns.append(
                .rect(
                    x: x0 + 0.5, y: y(Double(b.count)), width: x1 - x0 - 1, height: bottom - y(Double(b.count)),
                    fill: Palette.color(0), cssClass: "mark",
                    title:
                        "\(valueName) \(NumberText.value(b.lower)) – \(NumberText.value(b.upper)): \(NumberText.count(b.count)) \(countName)"
                ))
        }
        nodes.append(.group("bars", columns))
        return .root(width: width, height: height, title: title, cssClass: "chart histogram", nodes)
    }
}
