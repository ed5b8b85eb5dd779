import RecpipeCore

@testable import RecpipeSpec

/// Small fake stage kinds, shaped like the real ones, for loader tests.
enum TestCatalog {
    static let catalog = StageCatalog([
        StageDeclaration(
            kind: "ingest", summary: "read a file",
            params: [
                ParamSpec("path", .path, required: true, doc: "file to read"),
                ParamSpec("format", .choice(["csv", "jsonl"]), default: .string("csv"), doc: "file format"),
            ],
            output: .table),
        StageDeclaration(
            kind: "clean", summary: "drop bad rows",
            inputs: [PortSpec("events", accepts: [.table], doc: "raw events")],
            params: [
                ParamSpec("drop_nulls", .list(.string), default: .list([]), doc: "columns"),
                ParamSpec("min_user_events", .int, default: .int(1), range: 0...1_000_000, doc: "minimum events"),
            ],
            output: .table),
        StageDeclaration(
            kind: "encode", summary: "table to matrix or features",
            inputs: [PortSpec("table", accepts: [.table], doc: "clean events")],
            params: [
                ParamSpec("target", .choice(["interactions", "user_features"]), required: true, doc: "what to build"),
                ParamSpec("weights", .map(.float), range: 0...100, doc: "event weights"),
            ],
            outputFor: { $0["target"]?.stringValue == "user_features" ? .features : .interactions }),
        StageDeclaration(
            kind: "als", summary: "matrix factorization",
            inputs: [PortSpec("interactions", accepts: [.interactions], doc: "user x item matrix")],
            params: [
                ParamSpec("factors", .int, default: .int(32), range: 1...1024, doc: "embedding size"),
                ParamSpec("iterations", .int, default: .int(10), range: 1...100, doc: "sweeps"),
                ParamSpec("regularization", .float, default: .double(0.1), range: 0...10, doc: "lambda"),
            ],
            output: .factors),
        StageDeclaration(
            kind: "cluster", summary: "k-means",
            inputs: [PortSpec("features", accepts: [.features], doc: "user features")],
            params: [
                ParamSpec("k", .oneOf([.int, .choice(["auto"])]), required: true, range: 2...50, doc: "segments"),
                ParamSpec("seeds", .list(.int), range: 0...1000, doc: "extra seeds"),
            ],
            output: .segments),
        StageDeclaration(
            kind: "rank", summary: "blend candidates",
            inputs: [
                PortSpec("candidates", accepts: [.factors, .candidates], multiple: true, doc: "sources"),
                PortSpec("profiles", accepts: [.segments, .profiles], required: false, doc: "profiles"),
            ],
            params: [
                ParamSpec("top", .int, default: .int(10), range: 1...1000, doc: "list length"),
                ParamSpec("blend", .map(.float), doc: "source weights"),
                ParamSpec("extra", .any, doc: "anything"),
                ParamSpec("label", .string, doc: "a label"),
            ],
            output: .recommendations,
            check: { stage, _ in
                // Every blend key must name a candidate source.
                let sources = Set(stage.inputs["candidates"] ?? [])
                return (stage.params["blend"]?.mapValue ?? []).filter { !sources.contains($0.key) }.map {
                    .error(
                        "unknown-source", "blend weight '\($0.key)' of stage '\(stage.name)' names no candidate source",
                        at: stage.paramLocations["blend"])
                }
            }),
    ])

    /// A valid pipeline using every kind above.
    static let demo = """
        pipeline: demo
        vars:
          data: data/demo
          top_n: 20
        stages:
          events:
            uses: ingest
            with:
              path: ${vars.data}/events.csv
          clean:
            uses: clean
            input: events
            with: { drop_nulls: [user_id, item_id], min_user_events: 2 }
          matrix:
            uses: encode
            input: clean
            with: { target: interactions, weights: { view: 1, cart: 3 } }
          features:
            uses: encode
            input: clean
            with: { target: user_features }
          segments:
            uses: cluster
            input: features
            with: { k: 8 }
          als:
            uses: als
            input: matrix
            with: { factors: 64 }
          recs:
            uses: rank
            inputs: { candidates: [als], profiles: segments }
            with: { top: "${vars.top_n}", blend: { als: 1 } }

        """

    static func load(_ text: String, overrides: [String] = []) -> PipelineLoadResult {
        PipelineLoader.load(text: text, file: "p.yaml", baseDirectory: "/base", overrides: overrides, catalog: catalog)
    }

    static func loc(_ line: Int, _ column: Int, file: String = "p.yaml") -> SourceLocation {
        SourceLocation(file: file, line: line, column: column)
    }
}
