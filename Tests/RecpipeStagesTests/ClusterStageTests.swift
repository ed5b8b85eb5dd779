import Foundation
import RecpipeCore
import RecpipeData
import RecpipeEngine
import RecpipeSpec
import Testing

@testable import RecpipeStages

@Suite struct ClusterStageTests {
    /// Two obvious groups: a, b, c near (0, 0) and d, e, f near (10, 10).
    static let twoGroups = Table.assemble([
        .strings("user_id", ["a", "b", "c", "d", "e", "f"]),
        .doubles("x", [0, 0, 1, 10, 10, 11]),
        .doubles("y", [0, 1, 0, 10, 11, 10]),
    ])

    static func run(_ table: Table, _ params: [String: ParamValue]) async throws -> (Segments, StageOutput) {
        var p: [String: ParamValue] = [
            "k": .int(2), "n_init": .int(3), "max_iter": .int(300), "tol": .double(1e-4), "algorithm": .string("auto"),
            "scale": .string("standard"), "k_range": .list([.int(2), .int(10)]), "sample_size": .int(5000),
        ]
        for (k, v) in params { p[k] = v }
        let features = FeatureSet(table: table, idColumn: "user_id")
        let ctx = StageHarness.context("cluster", params: p, inputs: ["features": [("features", features)]])
        let out = try await ClusterStage().run(ctx)
        return (out.artifact as! Segments, out)
    }

    @Test(arguments: ["none", "standard"])
    func twoClustersComeOutExact(scale: String) async throws {
        let (s, out) = try await Self.run(Self.twoGroups, ["scale": .string(scale)])
        #expect(s.users == ["a", "b", "c", "d", "e", "f"])
        let l = s.labels
        #expect(l[0] == l[1] && l[1] == l[2] && l[3] == l[4] && l[4] == l[5] && l[0] != l[3])
        #expect(s.sizes == [3, 3])
        #expect(s.featureNames == ["x", "y"])
        // Centroids in original units whatever the scaling.
        let low = Int(l[0]), high = Int(l[3])
        #expect(abs(s.centroids[low * 2] - 1.0 / 3) < 1e-9 && abs(s.centroids[low * 2 + 1] - 1.0 / 3) < 1e-9)
        #expect(abs(s.centroids[high * 2] - 31.0 / 3) < 1e-9 && abs(s.centroids[high * 2 + 1] - 31.0 / 3) < 1e-9)
        if scale == "none" {
            #expect(abs(s.inertia - 8.0 / 3) < 1e-9)
            #expect(s.centroidsScaled == s.centroids)
        }
        #expect(s.names[low].hasPrefix("low ") && s.names[high].hasPrefix("high "))
        #expect(s.names[low] != s.names[high])
        #expect(out.counters.contains(.init("empty_cluster_reseeds", 0)))
        // The profile table note: header and one line per segment.
        let profile = try #require(out.notes.first { $0.hasPrefix("segment") })
        #expect(profile.split(separator: "\n").count == 3)
        #expect(profile.contains("50.0%"))
    }

    @Test func sameSeedSameSegments() async throws {
        let a = try await Self.run(Self.twoGroups, ["seed": .int(7)]).0
        let b = try await Self.run(Self.twoGroups, ["seed": .int(7)]).0
        #expect(a == b)
    }

    @Test func kLargerThanDistinctPointsIsAnError() async throws {
        let t = Table.assemble([.strings("user_id", ["a", "b", "c", "d"]), .doubles("x", [1, 1, 2, 3])])
        let text = await RecommendFixtures.errorText { _ = try await Self.run(t, ["k": .int(4)]) }
        #expect(text.contains("k = 4 but only 3 distinct points"))
    }

    @Test func constantColumnIsWarnedAbout() async throws {
        let t = try Self.twoGroups.appending(.doubles("c", [7, 7, 7, 7, 7, 7]))
        let (s, out) = try await Self.run(t, [:])
        #expect(s.sizes == [3, 3])
        #expect(out.warnings.contains { $0.contains("column 'c' is constant (7)") })
    }

    @Test func defaultColumnsSkipScoresScaledCopiesAndText() async throws {
        let t = try Self.twoGroups
            .appending(.ints("r_score", [1, 2, 3, 4, 5, 1])).appending(.doubles("x_scaled", [0, 0, 0, 1, 1, 1]))
            .appending(.strings("rfm_segment", ["A", "A", "A", "B", "B", "B"])).appending(
                .ints("gender_label", [0, 1, 0, 1, 0, 1]))
        let (s, _) = try await Self.run(t, [:])
        #expect(s.featureNames == ["x", "y"])
    }

    @Test func unknownOrTextColumnsAreErrors() async throws {
        let unknown = await RecommendFixtures.errorText {
            _ = try await Self.run(Self.twoGroups, ["columns": .list([.string("z")])])
        }
        #expect(unknown.contains("unknown column 'z'"))
        let text = await RecommendFixtures.errorText {
            _ = try await Self.run(Self.twoGroups, ["columns": .list([.string("user_id")])])
        }
        #expect(text.contains("column 'user_id' is text"))
    }

    @Test func autoKChoosesBySilhouette() async throws {
        let t = Table.assemble([
            .strings("user_id", (0..<9).map { "u\($0)" }),
            .doubles("x", [0, 0.5, 0, 10, 10.5, 10, 0, 0.5, 0]),
            .doubles("y", [0, 0, 0.5, 0, 0, 0.5, 10, 10, 10.5]),
        ])
        let (s, out) = try await Self.run(
            t, ["k": .string("auto"), "k_range": .list([.int(2), .int(4)]), "scale": .string("none")])
        #expect(s.k == 3)
        #expect(s.sizes == [3, 3, 3])
        #expect(out.notes.contains { $0.hasPrefix("k: auto chose 3") })
    }

    @Test func tableInputIsAccepted() async throws {
        let ctx = StageHarness.context(
            "cluster", params: ["k": .int(2), "scale": .string("none"), "n_init": .int(1)],
            inputs: ["features": [("t", Self.twoGroups)]])
        let out = try await ClusterStage().run(ctx)
        #expect((out.artifact as! Segments).sizes == [3, 3])
    }
}
