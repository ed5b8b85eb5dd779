import Foundation
import RecpipeTestSupport
import Testing

/// The shipped demo pipeline on the demo shop's data passes `--strict` (issue 13): no rule that
/// does nothing (the old `not_purchased` filter duplicated `exclude_seen` and warned every run),
/// no warning at all, and its evaluation scores the production models and the rank plan.
@Suite struct ShippedPipelineTests {
    static let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().path

    @Test func theDemoPassesStrictWithoutAWarning() async throws {
        let dir = TestSupport.temporaryDirectory("shipped-demo")
        let fm = FileManager.default
        try fm.createDirectory(atPath: dir + "/pipelines", withIntermediateDirectories: true)
        try fm.copyItem(atPath: Self.repo + "/pipelines/demo.yaml", toPath: dir + "/pipelines/demo.yaml")
        try fm.copyItem(atPath: Self.repo + "/pipelines/rules", toPath: dir + "/pipelines/rules")
        try fm.copyItem(atPath: Self.repo + "/pipelines/plugins", toPath: dir + "/pipelines/plugins")
        let data = await recpipe("demo-data", "--out", dir + "/data/demo")
        #expect(data.code == 0, "\(data.err)")
        let r = await recpipe("run", dir + "/pipelines/demo.yaml", "--strict")
        #expect(r.code == 0, "\(r.err)")
        #expect(!r.err.lowercased().contains("warning"), "\(r.err)")
        #expect(!r.out.lowercased().contains("warning"), "\(r.out)")
        // The evaluation refits the served models and the rank plan, and scores each.
        for stage in ["quality.itemcf", "quality.als", "quality.popular", "quality.recs"] {
            #expect(
                r.out.split(separator: "\n").contains { $0.hasPrefix(stage + " ") && $0.contains(" ran ") }, "\(r.out)")
        }
        for model in ["itemcf: precision@10 ", "als: precision@10 ", "recs: precision@10 "] {
            #expect(r.out.contains("\n" + model), "\(r.out)")
        }
        // The refitted rank blends `together`: its baskets and the rank's profiles are re-derived
        // from `clean` without the held-out pairs (#16), so nothing is left optimistic.
        for stage in [
            "quality.clean", "quality.features", "quality.segments", "quality.profiles", "quality.basket_lines",
            "quality.baskets", "quality.together",
        ] {
            #expect(
                r.out.split(separator: "\n").contains { $0.hasPrefix(stage + " ") && $0.contains(" ran ") }, "\(r.out)")
        }
        #expect(
            r.out.split(separator: "\n").contains {
                $0.hasPrefix("quality.clean ") && $0.contains(" drop_held_out ") && $0.contains(" rows_held_out ")
            }, "\(r.out)")
        #expect(
            r.out.contains(
                "\nquality.recs: 'profiles', 'baskets' re-derived on the train part too, from the events without the "
                    + "held-out pairs: 'quality.clean' ("), "\(r.out)")
        #expect(!r.out.contains("optimistic"), "\(r.out)")
        #expect(r.out.contains("models_with_unrefitted_inputs 0"), "\(r.out)")
        // Before: every demo run warned about it and --strict failed.
        #expect(!r.out.contains("not_purchased"))
    }
}
