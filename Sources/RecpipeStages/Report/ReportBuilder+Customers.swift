import Foundation
import RecpipeData
import RecpipeEngine
import RecpipeReport

extension ReportBuilder {
    // MARK: - Customers

    static func customersSection(_ s: ReportSources) -> ReportPage.Section {
        var blocks: [ReportPage.Block] = []
        for stage in s.stages(kind: "cluster") {
            guard let seg = s.artifact(stage.name, as: Segments.self) else { continue }
            blocks += segmentBlocks(seg, stage: stage.name)
        }
        // The profile table (tag stage), else the user features (encode) for RFM figures.
        let profileStage =
            s.stages(kind: "tag").first?.name
            ?? s.stages(kind: "encode").first { s.artifact($0.name) is FeatureSet }?.name
        let profiles: Table? = profileStage.flatMap { name in
            switch s.artifact(name) {
            case let t as Table: t
            case let f as FeatureSet: f.table
            default: nil
            }
        }
        if let profiles, let profileStage {
            blocks += rfmBlocks(profiles, stage: profileStage)
            blocks += tagBlocks(profiles, stage: profileStage)
            blocks += distributionBlocks(profiles, stage: profileStage)
        }
        if blocks.isEmpty, let why = s.withoutResult(kinds: ["tag", "cluster"]) {
            blocks.append(.notes(["no customer profiles to show: \(why)"], warning: true))
        } else if blocks.isEmpty {
            blocks.append(
                .notes([
                    "this pipeline has no customer profiles: add an `encode` stage with `target: user_features` (RFM), "
                        + "a `cluster` stage (segments) and a `tag` stage (Lua tags) to see them here"
                ]))
        }
        return .init(
            id: "customers", title: "Customers",
            intro: "Who the customers are: segments, RFM scores, tags and how recency, frequency and spend are spread.",
            blocks: blocks)
    }

    static func segmentBlocks(_ seg: Segments, stage: String) -> [ReportPage.Block] {
        guard seg.k > 0, !seg.users.isEmpty else {
            return [.notes(["\(stage): no segments (no users were clustered)"], warning: true)]
        }
        let labels = (0..<seg.k).map { "\($0) " + (seg.names[$0].isEmpty ? "segment \($0)" : seg.names[$0]) }
        let total = Double(seg.users.count)
        var sizes = BarChart(
            labels.indices.map { (labels[$0], Double(seg.sizes[$0])) }, categoryHeader: "segment", valueHeader: "users",
            format: { NumberText.count(Int($0)) })
        sizes.format = { v in "\(NumberText.count(Int(v))) (\(NumberText.percent(v / total)))" }
        var blocks: [ReportPage.Block] = [
            .figure(
                sizes.figure(
                    title: "Segments — \(stage)",
                    caption:
                        "Users per k-means segment (k = \(seg.k)) and their share of \(NumberText.count(seg.users.count)) users."
                ))
        ]
        let d = seg.featureNames.count
        if d > 0 {
            let heat = HeatMap(
                rows: labels, columns: seg.featureNames,
                values: (0..<seg.k).map { c in (0..<d).map { Optional(seg.centroidsScaled[c * d + $0]) } },
                rowHeader: "segment", coloring: .diverging, format: { String(format: "%.2f", $0) })
            // The segment summary (what `export` writes as `<stage>.summary`), with each segment's RFM mix.
            let mix = seg.rfmMix.count == seg.k
            let original = DataTable(
                columns: ["segment", "users"] + seg.featureNames + (mix ? ["RFM mix"] : []),
                rows: (0..<seg.k).map { c in
                    [labels[c], NumberText.count(seg.sizes[c])]
                        + (0..<d).map { NumberText.value(seg.centroids[c * d + $0]) }
                        + (mix ? [seg.rfmMix[c]] : [])
                },
                numeric: [false, true] + seg.featureNames.map { _ in true } + (mix ? [false] : []))
            blocks.append(
                .figure(
                    heat.figure(
                        title: "Segment profiles — \(stage)",
                        caption:
                            "Mean of each clustering feature per segment, in the scaled units k-means used (0 = all users' mean; red above, blue below)."
                    )))
            blocks.append(.table("Segment summary in the features' own units — \(stage)", original))
        }
        return blocks
    }

    // MARK: - RFM

    static func rfmBlocks(_ t: Table, stage: String) -> [ReportPage.Block] {
        guard let rc = t.columnIndex("r_score"), let fc = t.columnIndex("f_score") else { return [] }
        let mc = t.columnIndex("monetary")
        var count = [[Int]](repeating: [Int](repeating: 0, count: 5), count: 5)
        var spend = [[Double]](repeating: [Double](repeating: 0, count: 5), count: 5)
        var outside = 0
        for r in 0..<t.rowCount {
            guard let rs = t.int(row: r, col: rc), let fs = t.int(row: r, col: fc), (1...5).contains(rs),
                (1...5).contains(fs)
            else {
                outside += 1
                continue
            }
            count[5 - Int(rs)][Int(fs) - 1] += 1
            spend[5 - Int(rs)][Int(fs) - 1] += mc.flatMap { t.double(row: r, col: $0) } ?? 0
        }
        func cell(_ i: Int, _ j: Int) -> String {
            let n = count[i][j]
            guard n > 0, mc != nil else { return NumberText.count(n) }
            let mean: Double = spend[i][j] / Double(n)
            return NumberText.count(n) + " · " + NumberText.fixed(mean, decimals: 0)
        }
        let cellText: [[String]] = (0..<5).map { i in (0..<5).map { j in cell(i, j) } }
        let grid = HeatMap(
            rows: (1...5).reversed().map { "R \($0)" }, columns: (1...5).map { "F \($0)" },
            values: count.map { $0.map { Optional(Double($0)) } }, rowHeader: "recency score", cellText: cellText)
        var blocks: [ReportPage.Block] = [
            .figure(
                grid.figure(
                    title: "R × F grid — \(stage)",
                    caption:
                        "Users per recency score (rows, 5 = most recent) and frequency score (columns, 5 = most frequent)"
                        + (mc == nil ? "." : "; each cell: users · mean monetary.")
                        + (outside > 0 ? " \(NumberText.count(outside)) users without scores are not in the grid." : "")
                ))
        ]
        if let sc = t.columnIndex("rfm_segment") {
            var groups: [String: (n: Int, r: Double, f: Double, m: Double)] = [:]
            let rec = t.columnIndex("recency_days"), freq = t.columnIndex("frequency")
            for r in 0..<t.rowCount {
                let name = t.string(row: r, col: sc) ?? "(none)"
                var g = groups[name] ?? (0, 0, 0, 0)
                g.n += 1
                g.r += rec.flatMap { t.double(row: r, col: $0) } ?? 0
                g.f += freq.flatMap { t.double(row: r, col: $0) } ?? 0
                g.m += mc.flatMap { t.double(row: r, col: $0) } ?? 0
                groups[name] = g
            }
            let ordered = groups.sorted { $0.value.n > $1.value.n || ($0.value.n == $1.value.n && $0.key < $1.key) }
            let total = Double(t.rowCount)
            var chart = BarChart(
                ordered.map { ($0.key, Double($0.value.n)) }, categoryHeader: "RFM segment", valueHeader: "users")
            chart.format = { v in "\(NumberText.count(Int(v))) (\(NumberText.percent(v / max(1, total))))" }
            var fig = chart.figure(
                title: "Named RFM segments — \(stage)",
                caption: "Users per classic RFM segment (from the R, F and M scores).")
            fig.table = DataTable(
                columns: ["RFM segment", "users", "share", "mean recency (days)", "mean frequency", "mean monetary"],
                rows: ordered.map { e in
                    let n = Double(e.value.n)
                    return [
                        e.key, NumberText.count(e.value.n), NumberText.percent(n / total),
                        NumberText.fixed(e.value.r / n, decimals: 1),
                        NumberText.fixed(e.value.f / n, decimals: 2), NumberText.fixed(e.value.m / n, decimals: 2),
                    ]
                })
            blocks.append(.figure(fig))
        }
        return blocks
    }

    // MARK: - Tags

    static func tagBlocks(_ t: Table, stage: String, limit: Int = 12) -> [ReportPage.Block] {
        guard let lists = TagColumn.rows(of: t) else { return [] }
        var counts: [String: Int] = [:]
        for tags in lists {
            for tag in Set(tags) { counts[tag, default: 0] += 1 }
        }
        guard !counts.isEmpty else {
            return [
                .notes(
                    [
                        "\(stage): no user got a tag (\(NumberText.count(t.rowCount)) users; check the rules in the tag stage's script)"
                    ], warning: true)
            ]
        }
        let ordered = counts.sorted { $0.value > $1.value || ($0.value == $1.value && $0.key < $1.key) }
        let untagged = lists.count { $0.isEmpty }
        let chart = BarChart(
            ordered.prefix(25).map { ($0.key, Double($0.value)) }, categoryHeader: "tag", valueHeader: "users",
            format: { NumberText.count(Int($0)) })
        var blocks: [ReportPage.Block] = [
            .figure(
                chart.figure(
                    title: "Tags — \(stage)",
                    caption:
                        "Users per tag; \(NumberText.count(untagged)) of \(NumberText.count(t.rowCount)) users have no tag."
                        + (ordered.count > 25 ? " The 25 most common of \(ordered.count) tags." : "")))
        ]
        let top = ordered.prefix(limit).map(\.key)
        if top.count > 1 {
            let index = Dictionary(uniqueKeysWithValues: top.enumerated().map { ($1, $0) })
            var both = [[Int]](repeating: [Int](repeating: 0, count: top.count), count: top.count)
            for tags in lists {
                let ids = Set(tags.compactMap { index[$0] })
                for a in ids { for b in ids { both[a][b] += 1 } }
            }
            let heat = HeatMap(
                rows: top, columns: top, values: both.map { $0.map { Optional(Double($0)) } }, rowHeader: "tag",
                format: { NumberText.count(Int($0)) })
            blocks.append(
                .figure(
                    heat.figure(
                        title: "Tag overlaps — \(stage)",
                        caption: "Users carrying both tags (the diagonal: the tag alone)"
                            + (ordered.count > limit ? "; the \(limit) most common tags." : "."))))
        }
        return blocks
    }

    // MARK: - Distributions

    static func distributionBlocks(_ t: Table, stage: String) -> [ReportPage.Block] {
        [("recency_days", "recency (days)"), ("frequency", "frequency (orders)"), ("monetary", "monetary (spend)")]
            .compactMap { col, label in
                guard let c = t.columnIndex(col) else { return nil }
                var values: [Double] = []
                values.reserveCapacity(t.rowCount)
                for r in 0..<t.rowCount { values.append(t.double(row: r, col: c) ?? .nan) }
                let h = LogHistogram(values, valueName: label)
                guard !h.bins.isEmpty else {
                    return .notes([
                        "\(stage): no user has a \(label) above 0 (\(NumberText.count(values.count)) users), so there is no distribution to draw"
                    ])
                }
                return .figure(
                    h.figure(
                        title: "Distribution of \(label) — \(stage)",
                        caption: "Users per range, on a log axis (four ranges per factor of ten)."))
            }
    }
}
