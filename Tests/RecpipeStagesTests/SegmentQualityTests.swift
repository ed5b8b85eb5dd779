import Foundation
import RecpipeAlgorithms
import RecpipeCore
import RecpipeData
import RecpipeEngine
import RecpipeSpec
import Testing

@testable import RecpipeStages

/// Segments that mean something (#12.5): skewed shop figures, a dominant-segment guard for
/// `k: auto`, transforms, names and the per-segment summary.
@Suite struct SegmentQualityTests {
    /// 100 small customers (spend 15–25), 100 regular ones (spend 1,500–2,500) and two
    /// wholesalers at 5,000,000: raw, the wholesalers are the only thing k-means sees.
    static let skewed: Table = {
        var ids: [String] = [], spend: [Double] = [], orders: [Double] = [], rfm: [String] = []
        for i in 0..<100 {
            ids.append(String(format: "a%03d", i)); spend.append(15 + Double(i % 11)); orders.append(1 + Double(i % 2));
            rfm.append("Hibernating")
        }
        for i in 0..<100 {
            ids.append(String(format: "b%03d", i)); spend.append(1_500 + Double(i * 10));
            orders.append(20 + Double(i % 10))
            rfm.append(i % 4 == 0 ? "Loyal" : "Champions")
        }
        for i in 0..<2 { ids.append("w\(i)"); spend.append(5_000_000); orders.append(500); rfm.append("Champions") }
        return .assemble([
            .strings("user_id", ids), .doubles("monetary", spend), .doubles("orders", orders),
            .strings("rfm_segment", rfm),
        ])
    }()

    static func run(_ params: [String: ParamValue]) async throws -> (Segments, StageOutput) {
        var p: [String: ParamValue] = [
            "k": .string("auto"), "k_range": .list([.int(2), .int(4)]), "n_init": .int(3), "scale": .string("standard"),
        ]
        for (k, v) in params { p[k] = v }
        let ctx = StageHarness.context(
            "cluster", params: p, inputs: ["features": [("features", FeatureSet(table: skewed, idColumn: "user_id"))]])
        let out = try await ClusterStage().run(ctx)
        return (out.artifact as! Segments, out)
    }

    static func largestShare(_ s: Segments) -> Double { Double(s.sizes.max()!) / Double(s.users.count) }

    @Test func rawAutoKSplitsOffTheOutliersWhenNothingRefusesIt() async throws {
        // What the issue saw: the best silhouette is the wholesalers against everyone else.
        let (s, _) = try await Self.run(["max_share": .double(1), "k_range": .list([.int(2), .int(2)])])
        #expect(Self.largestShare(s) > 0.98)
    }

    @Test func aDominantSegmentIsRefusedAndTheReasonGiven() async throws {
        await #expect {
            _ = try await Self.run(["k_range": .list([.int(2), .int(2)])])
        } throws: { e in
            let m = "\(e)"
            return m.contains("every k tried puts more than 90% of the rows in one segment (k=2: 99%)")
                && m.contains("log1p")
        }
    }

    @Test func log1pGivesSegmentsThatMeanSomething() async throws {
        let (s, out) = try await Self.run(["transform": .string("log1p")])
        #expect(Self.largestShare(s) <= 0.9)
        let note = out.notes.first { $0.hasPrefix("k: auto chose") } ?? ""
        #expect(note.contains("the highest silhouette among k whose largest segment holds at most 90%"), "\(note)")
        #expect(out.notes.contains { $0.contains("transform monetary: log1p, orders: log1p") })
        // The small customers are one segment, and its mean spend is in euros, not log units.
        let small = Int(s.labels[0])
        #expect(s.sizes[small] == 100)
        #expect(abs(s.centroids[small * 2] - 19.95) < 1e-9)
    }

    @Test func perColumnTransformsAndUnknownColumns() async throws {
        let (s, _) = try await Self.run([
            "transform": .map([
                .init(key: "monetary", value: .string("quantile")), .init(key: "orders", value: .string("quantile")),
            ])
        ])
        #expect(Self.largestShare(s) <= 0.9)
        await #expect {
            _ = try await Self.run(["transform": .map([.init(key: "monetry", value: .string("log1p"))])])
        } throws: { e in
            "\(e)".contains("transform names column 'monetry'") && "\(e)".contains("did you mean 'monetary'?")
        }
    }

    @Test func namesFromYAMLAndTheSummaryExport() async throws {
        let (auto, _) = try await Self.run(["transform": .string("log1p"), "k": .int(2)])
        let generated = auto.names
        let (s, out) = try await Self.run([
            "transform": .string("log1p"), "k": .int(2),
            "names": .map([.init(key: generated[0], value: .string("Regulars"))]),
        ])
        #expect(s.names == ["Regulars", generated[1]])
        let (listed, _) = try await Self.run([
            "transform": .string("log1p"), "k": .int(2), "names": .list([.string("A"), .string("B")]),
        ])
        #expect(listed.names == ["A", "B"])
        await #expect {
            _ = try await Self.run(["transform": .string("log1p"), "k": .int(2), "names": .list([.string("A")])])
        } throws: { e in "\(e)".contains("names lists 1 names for 2 segments") }
        await #expect {
            _ = try await Self.run([
                "transform": .string("log1p"), "k": .int(2), "names": .map([.init(key: "nope", value: .string("X"))]),
            ])
        } throws: { e in "\(e)".contains("no segment is called 'nope'") && "\(e)".contains(generated[0]) }
        // The summary: size, share, means, RFM mix — written by export as <stage>.summary.
        let extras = s.extraExports()
        #expect(extras.map(\.suffix) == ["summary"])
        let summary = extras[0].table
        #expect(summary.columnNames == ["segment", "name", "size", "share", "monetary", "orders", "rfm_mix"])
        let small = Int(s.labels[0])
        #expect(summary.column(named: "rfm_mix")!.value(small) == .string("Hibernating 100%"))
        #expect(summary.column(named: "rfm_mix")!.value(1 - small) == .string("Champions 75%, Loyal 25%"))
        #expect(out.notes.contains { $0.contains("rfm mix") })
        // The summary survives the cache.
        var w = ByteWriter()
        s.encode(into: &w)
        var r = ByteReader(w.bytes)
        #expect(try Segments(decoding: &r) == s)
    }

    @Test func aFixedKWithADominantSegmentWarns() async throws {
        let (_, out) = try await Self.run(["k": .int(2)])
        #expect(
            out.warnings.contains { $0.contains("one segment holds 200 of 202 users (99%), more than max_share 90%") })
    }

    @Test func quantileAndLog1pTransforms() {
        #expect(ColumnTransform.quantile.apply([3, 1, 2, 2]) == [1, 0, 0.5, 0.5])
        #expect(ColumnTransform.log1p.apply([0, -1]) == [0, -log1p(1)])
        #expect(ColumnTransform.none.apply([5]) == [5])
    }
}
