import RecpipeData
import Testing

@testable import RecpipeStages

/// The metric part of `recpipe run --diff` on hand-made `evaluate` tables.
@Suite struct MetricChangeTests {
    /// A metrics table (model, metric, group, value), as `evaluate` writes it.
    func metrics(_ rows: [(String, String, String, Double)]) -> Table {
        .assemble([
            .strings("model", rows.map(\.0)), .strings("metric", rows.map(\.1)), .strings("group", rows.map(\.2)),
            .doubles("value", rows.map(\.3)),
        ])
    }

    var before: Table {
        metrics([
            ("als_eval", "precision@10", "all", 0.0894), ("als_eval", "recall@10", "all", 0.2),
            ("als_eval", "users_evaluated", "all", 950), ("als_eval", "precision@10", "young", 0.5),
            ("cf", "ndcg@10", "all", 0.3),
        ])
    }

    var after: Table {
        metrics([
            ("als_eval", "precision@10", "all", 0.0901), ("als_eval", "recall@10", "all", 0.1875),
            ("als_eval", "users_evaluated", "all", 952), ("als_eval", "precision@10", "young", 0.9),
            ("pop", "hit_rate@10", "all", 0.25),
        ])
    }

    @Test func comparesTheAllGroupInTheOrderOfTheNewResult() {
        #expect(
            MetricChange.compare(before: before, after: after) == [
                .init(model: "als_eval", metric: "precision@10", before: 0.0894, after: 0.0901),
                .init(model: "als_eval", metric: "recall@10", before: 0.2, after: 0.1875),
                .init(model: "als_eval", metric: "users_evaluated", before: 950, after: 952),
                .init(model: "pop", metric: "hit_rate@10", before: nil, after: 0.25),
                .init(model: "cf", metric: "ndcg@10", before: 0.3, after: nil),
            ])
        #expect(
            MetricChange.compare(before: before, after: after, group: "young")
                == [.init(model: "als_eval", metric: "precision@10", before: 0.5, after: 0.9)])
    }

    @Test func rendersBeforeAfterAndTheChange() {
        #expect(
            MetricChange.report(stage: "quality", before: before, after: after, cached: false) == """
                metric change of 'quality' (before → after):
                  quality: als_eval precision@10 0.0894 → 0.0901 (+0.0007)
                  quality: als_eval recall@10 0.2000 → 0.1875 (-0.0125)
                  quality: als_eval users_evaluated 950 → 952 (+2)
                  quality: pop hit_rate@10 — → 0.2500
                  quality: cf ndcg@10 0.3000 → —
                """)
    }

    @Test func sameMetricsAreUnchanged() {
        #expect(
            MetricChange.report(stage: "quality", before: before, after: before, cached: false)
                == "metric change of 'quality': unchanged (identical metrics)")
        #expect(
            MetricChange.report(stage: "quality", before: before, after: after, cached: true)
                == "metric change of 'quality': unchanged (the stage was reused from the cache)")
        let partly = metrics([("m", "precision@10", "all", 0.5), ("m", "recall@10", "all", 0.25)])
        let moved = metrics([("m", "precision@10", "all", 0.5), ("m", "recall@10", "all", 0.5)])
        #expect(
            MetricChange.report(stage: "q", before: partly, after: moved, cached: false) == """
                metric change of 'q' (before → after):
                  q: m recall@10 0.2500 → 0.5000 (+0.2500)
                  (1 other metric unchanged)
                """)
        #expect(
            MetricChange(model: "m", metric: "map@10", before: 0.5, after: 0.5).line
                == "m map@10 0.5000 → 0.5000 (unchanged)")
    }

    @Test func firstResultAndMissingResult() {
        #expect(
            MetricChange.report(
                stage: "quality", before: nil, after: metrics([("m", "map@10", "all", 0.125)]), cached: false)
                    == """
                    metric change of 'quality': no previous result to compare with; current metrics:
                      quality: m map@10 0.1250
                    """)
        #expect(
            MetricChange.report(stage: "quality", before: nil, after: nil, cached: false)
                == "metric change of 'quality': no result yet (the stage did not run)")
        // A table that is not a metrics table contributes no rows.
        #expect(MetricChange.compare(before: Table(), after: Table()).isEmpty)
    }
}
