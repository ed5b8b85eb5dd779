import Foundation
import Testing

@testable import RecpipeReport

/// Counts `<tag … class="…mark…">` elements: the drawn data marks.
func marks(_ svg: String) -> Int { svg.components(separatedBy: "class=\"mark").count - 1 }

@Suite struct BarChartTests {
    @Test func barsCarryTheirNumbersAndTheTableMatches() {
        let chart = BarChart([("vip", 366), ("bargain_hunter", 1014)], categoryHeader: "tag", valueHeader: "users")
        let fig = chart.figure(title: "Tags")
        #expect(!fig.isEmpty)
        #expect(marks(fig.svg) == 2)
        #expect(fig.svg.contains(">1,014</text>"))
        #expect(fig.svg.contains(">bargain_hunter</text>"))
        #expect(fig.table.columns == ["tag", "users"])
        #expect(fig.table.rows == [["vip", "366"], ["bargain_hunter", "1,014"]])
        // The axis runs 0 … 1,200 in steps of 200 (nice ticks over the data).
        #expect(fig.svg.contains(">1,200</text>"))
        #expect(fig.svg.contains(">0</text>"))
    }

    @Test func longerBarForTheLargerValue() throws {
        let svg = BarChart([("a", 1), ("b", 3)], categoryHeader: "k", valueHeader: "v").svg(title: "t").render()
        let rects = svg.split(separator: "<rect").dropFirst().filter { $0.contains("class=\"mark\"") }
        let w = try rects.map { r -> Double in
            let m = try #require(r.firstMatch(of: /width="([0-9.]+)"/))
            return Double(m.1)!
        }
        #expect(w.count == 2)
        #expect(abs(w[1] / w[0] - 3) < 0.05)
    }

    @Test func groupedSeriesGetALegendAndOneColumnEach() {
        let chart = BarChart(
            categories: ["precision@10", "recall@10"],
            series: [.init("als", [0.0888, 0.2284]), .init("itemcf", [0.0821, .nan])], categoryHeader: "metric",
            maximum: 1)
        let fig = chart.figure(title: "Metrics")
        #expect(marks(fig.svg) == 3)
        #expect(fig.svg.contains("class=\"legend\""))
        #expect(fig.table.rows == [["precision@10", "0.08880", "0.08210"], ["recall@10", "0.2284", "–"]])
        // A fixed maximum of 1 puts the last tick at 1.
        #expect(fig.svg.contains(">1</text>") || fig.svg.contains(">1.0</text>"))
    }

    @Test func emptyAndAllMissingDataDrawAMarkedPlaceholder() {
        let none = BarChart([], categoryHeader: "k", valueHeader: "v").figure(title: "Nothing")
        #expect(none.isEmpty)
        #expect(none.svg.contains("chart empty"))
        #expect(none.svg.contains(">no data</text>"))
        #expect(marks(none.svg) == 0)
        let missing = BarChart([("a", .nan)], categoryHeader: "k", valueHeader: "v").figure(title: "Missing")
        #expect(missing.isEmpty)
        #expect(missing.table.rows == [["a", "–"]])
    }

    @Test func singleAndZeroValues() {
        let one = BarChart([("only", 5)], categoryHeader: "k", valueHeader: "v").figure(title: "One")
        #expect(!one.isEmpty)
        #expect(marks(one.svg) == 1)
        #expect(one.svg.contains(">5</text>"))
        let zero = BarChart([("z", 0)], categoryHeader: "k", valueHeader: "v").figure(title: "Zero")
        #expect(!zero.isEmpty)
        #expect(zero.svg.contains("width=\"0\""))
        #expect(!zero.svg.contains("NaN") && !zero.svg.contains("inf"))
    }

    @Test func textIsEscapedAndLongLabelsCut() {
        let chart = BarChart(
            [("<b>&\"x\"</b> a very long category name that goes on and on", 2)], categoryHeader: "k", valueHeader: "v")
        let svg = chart.svg(title: "T & <U>").render()
        #expect(svg.contains("<title>T &amp; &lt;U&gt;</title>"))
        #expect(svg.contains("&lt;b&gt;&amp;&quot;x&quot;&lt;/b&gt;"))
        #expect(svg.contains("…</text>"))
        #expect(!svg.contains("<b>"))
    }
}

@Suite struct HeatMapTests {
    @Test func cellsAreColouredByValueWithTheirText() {
        let map = HeatMap(rows: ["R1", "R2"], columns: ["F1", "F2"], values: [[0, 10], [5, nil]], rowHeader: "r")
        let fig = map.figure(title: "Grid")
        #expect(marks(fig.svg) == 3)
        #expect(fig.svg.contains("class=\"missing\""))
        #expect(fig.table.rows == [["R1", "0", "10"], ["R2", "5", "–"]])
        #expect(map.intensity(10) == 1)
        #expect(map.intensity(5) == 0.5)
        #expect(fig.svg.contains("fill=\"#2166ac\""))  // the largest value is the darkest blue
        #expect(fig.svg.contains("fill=\"#ffffff\""))  // zero is white
    }

    @Test func divergingColoursAroundZeroAndCustomText() {
        let map = HeatMap(
            rows: ["seg"], columns: ["a", "b"], values: [[-2, 1]], rowHeader: "s", coloring: .diverging,
            cellText: [["n 3 · 12.5", "n 1 · 4"]])
        #expect(map.intensity(-2) == -1)
        #expect(map.intensity(1) == 0.5)
        let svg = map.svg(title: "t").render()
        #expect(svg.contains(">n 3 · 12.5</text>"))
        #expect(map.table.rows == [["seg", "n 3 · 12.5", "n 1 · 4"]])
    }

    @Test func emptyAndSingleCell() {
        #expect(HeatMap(rows: [], columns: [], values: [], rowHeader: "r").figure(title: "e").isEmpty)
        #expect(HeatMap(rows: ["a"], columns: ["b"], values: [[nil]], rowHeader: "r").figure(title: "e").isEmpty)
        let one = HeatMap(rows: ["a"], columns: ["b"], values: [[3]], rowHeader: "r")
        #expect(one.intensity(3) == 1)
        #expect(marks(one.svg(title: "1").render()) == 1)
    }

    @Test func longColumnLabelsAreTurned() {
        let flat = HeatMap(rows: ["a"], columns: ["b", "c"], values: [[1, 2]], rowHeader: "r").svg(title: "t").render()
        #expect(!flat.contains("rotate("))
        let cols = (0..<12).map { "share_category_\($0)" }
        let turned = HeatMap(rows: ["a"], columns: cols, values: [cols.map { _ in 1.0 }], rowHeader: "r").svg(
            title: "t"
        ).render()
        #expect(turned.contains("rotate(-40"))
    }
}

@Suite struct LineAndHistogramTests {
    @Test func linesHaveOnePointPerCategory() {
        let chart = LineChart(
            categories: (1...10).map { "D\($0)" },
            series: [
                .init("recs", (1...10).map { 1 / Double($0) }), .init("popular", [1] + Array(repeating: 0, count: 9)),
            ],
            categoryHeader: "decile")
        let fig = chart.figure(title: "Deciles")
        #expect(marks(fig.svg) == 20)
        #expect(fig.svg.components(separatedBy: "<polyline").count - 1 == 2)
        #expect(fig.table.rows.count == 10)
        #expect(fig.table.rows[1] == ["D2", "0.5000", "0"])
    }

    @Test func emptyAndSinglePointLines() {
        #expect(LineChart(categories: [], series: [], categoryHeader: "x").figure(title: "e").isEmpty)
        let one = LineChart(categories: ["only"], series: [.init("s", [2])], categoryHeader: "x").figure(title: "1")
        #expect(!one.isEmpty)
        #expect(marks(one.svg) == 1)
        #expect(one.svg.contains(">2</text>"))
    }

    @Test func logBinsCountEveryValueAndKeepZerosApart() {
        let values: [Double] = [0, 0, 1, 1, 2, 9, 10, 11, 100, -3, .nan]
        let h = LogHistogram(values, valueName: "frequency")
        #expect(h.nonPositive == 3)
        #expect(h.missing == 1)
        #expect(h.bins.map(\.count).reduce(0, +) == 7)
        #expect(h.bins.first?.lower == 1)
        #expect(h.bins.first?.count == 2)  // 1, 1 in [1, 1.778)
        #expect(h.bins.last?.lower == 100)
        let fig = h.figure(title: "Frequency")
        #expect(fig.caption?.contains("3 users with frequency ≤ 0") == true)
        #expect(fig.table.rows.first == ["≤ 0 (not on the log axis)", "3"])
        #expect(fig.table.rows.last == ["missing", "1"])
        #expect(fig.svg.contains("(log scale)"))
        #expect(fig.svg.contains(">10</text>"))
    }

    @Test func histogramOfNothingOrOneValue() {
        #expect(LogHistogram([], valueName: "x").figure(title: "e").isEmpty)
        #expect(LogHistogram([0, 0], valueName: "x").figure(title: "e").isEmpty)
        let one = LogHistogram([42], valueName: "x")
        #expect(one.bins.count == 1)
        #expect(one.bins[0].lower <= 42 && 42 < one.bins[0].upper)
        #expect(marks(one.svg(title: "t").render()) == 1)
    }
}

@Suite struct GraphDrawingTests {
    @Test func rowsFollowTheLongestPath() {
        let g = GraphDrawing(
            nodes: ["events", "clean", "matrix", "als", "recs", "items"].map {
                .init(id: $0, detail: "k", status: "ran")
            },
            edges: [
                .init(from: "events", to: "clean"), .init(from: "clean", to: "matrix"),
                .init(from: "matrix", to: "als"),
                .init(from: "als", to: "recs"), .init(from: "matrix", to: "recs"),
                .init(from: "items", to: "recs", dashed: true),
            ])
        let layers = g.layers()
        #expect(layers == ["events": 0, "clean": 1, "matrix": 2, "als": 3, "recs": 4, "items": 0])
        #expect(g.rows().count == 5)
        let svg = g.svg(title: "DAG").render()
        #expect(marks(svg) == 6)
        #expect(svg.components(separatedBy: "class=\"edge\"").count - 1 == 5)
        #expect(svg.contains("class=\"edge after\""))
        #expect(g.table.rows.first { $0[0] == "recs" }?[2] == "als, matrix, items (after)")
    }

    @Test func emptyGraph() {
        #expect(GraphDrawing(nodes: [], edges: []).figure(title: "e").isEmpty)
    }
}
