import RecpipeCore
import Testing

@testable import RecpipeSpec

/// `--set KEY=VALUE` overrides, valid and invalid.
@Suite struct OverrideTests {
    func set(_ l: Int, _ c: Int) -> RecpipeCore.SourceLocation { TestCatalog.loc(l, c, file: "<--set>") }

    func load(_ overrides: [String]) -> PipelineLoadResult { TestCatalog.load(TestCatalog.demo, overrides: overrides) }

    @Test func validOverrides() throws {
        let r = load([
            "vars.top_n=50", "vars.data=/other", "seed=7", "as_of=2024-06-30", "segments.k=12",
            "als.regularization=1", "matrix.weights={view: 2, cart: 4}", "clean.drop_nulls=[user_id]",
            "recs.label=hello world",
        ])
        #expect(r.diagnostics.isEmpty, "\(r.diagnostics)")
        let spec = try #require(r.spec)
        #expect(spec.seed == 7)
        #expect(spec.asOf == "2024-06-30")
        #expect(spec.vars == [.init(key: "data", value: .string("/other")), .init(key: "top_n", value: .int(50))])
        #expect(spec.stage("events")?.params["path"] == .string("/other/events.csv"))
        #expect(spec.stage("recs")?.params["top"] == .int(50))
        #expect(spec.stage("segments")?.params["k"] == .int(12))
        #expect(spec.stage("segments")?.paramLocations["k"] == set(5, 12))
        #expect(spec.stage("als")?.params["regularization"] == .double(1))
        #expect(
            spec.stage("matrix")?.params["weights"]
                == .map([.init(key: "view", value: .double(2)), .init(key: "cart", value: .double(4))]))
        #expect(spec.stage("clean")?.params["drop_nulls"] == .list([.string("user_id")]))
        #expect(spec.stage("recs")?.params["label"] == .string("hello world"))
    }

    @Test func nestedKeySetsOneEntryOfAMapping() throws {
        let r = load(["matrix.weights.cart=5", "matrix.weights.purchase=9", "recs.blend.als=0.5"])
        #expect(r.diagnostics.isEmpty, "\(r.diagnostics)")
        let spec = try #require(r.spec)
        // Written entries keep their order; a new key is appended.
        #expect(
            spec.stage("matrix")?.params["weights"]
                == .map([
                    .init(key: "view", value: .double(1)), .init(key: "cart", value: .double(5)),
                    .init(key: "purchase", value: .double(9)),
                ]))
        #expect(spec.stage("recs")?.params["blend"] == .map([.init(key: "als", value: .double(0.5))]))
    }

    @Test func nestedKeyValueIsCheckedAtTheOverride() throws {
        let r = load(["matrix.weights.cart=500"])
        #expect(r.diagnostics.count == 1)
        #expect(r.diagnostics.first?.location == set(1, 21))
        #expect(r.diagnostics.first?.message.contains("500") == true)
    }

    @Test func nestedKeyIntoANonMappingIsAnError() throws {
        let r = load(["segments.k.x=3", "matrix.weights.=1"])
        #expect(
            r.diagnostics.map(\.message) == [
                "override 'segments.k.x=3': cannot set key 'x': the parameter is an integer, not a mapping",
                "override 'matrix.weights.=1': 'weights.' has an empty key",
            ])
        #expect(
            r.diagnostics.map(\.hint) == [
                "set the whole value instead: --set segments.k=VALUE",
                "write STAGE.PARAM.KEY=VALUE, or set the whole value: --set matrix.weights=VALUE",
            ])
        #expect(r.diagnostics.map(\.location) == [set(1, 1), set(2, 1)])
    }

    @Test func lastOverrideWins() throws {
        let r = load(["segments.k=3", "segments.k=auto"])
        #expect(try #require(r.spec).stage("segments")?.params["k"] == .string("auto"))
    }

    @Test func overrideValueIsTypeChecked() throws {
        let r = load(["segments.k=1"])
        #expect(r.diagnostics.map(\.message) == ["parameter 'k' of stage 'segments' must be between 2 and 50, found 1"])
        #expect(r.diagnostics.first?.location == set(1, 12))
    }

    @Test func unknownVar() throws {
        let r = load(["vars.topn=5"])
        let d = try #require(r.diagnostics.first)
        #expect(r.diagnostics.count == 1)
        #expect(d.code == "bad-override")
        #expect(d.message == "override 'vars.topn=5' sets var 'topn', which the pipeline does not declare")
        #expect(d.hint == "did you mean 'top_n'?")
        #expect(d.location == set(1, 1))
    }

    @Test func unknownStageAndParam() {
        let r = load(["segmnts.k=3", "als.factor=8"])
        #expect(r.diagnostics.map(\.code) == ["bad-override", "bad-override"])
        #expect(
            r.diagnostics.map(\.message) == [
                "override 'segmnts.k=3' names stage 'segmnts', which the pipeline does not have",
                "override 'als.factor=8' sets parameter 'factor', which stage 'als' (als) does not have",
            ])
        #expect(r.diagnostics.map(\.hint) == ["did you mean 'segments'?", "did you mean 'factors'?"])
        #expect(r.diagnostics.map(\.location) == [set(1, 1), set(2, 1)])
    }

    @Test(arguments: [
        ("top_n", "override 'top_n' is not KEY=VALUE"),
        ("=5", "override '=5' is not KEY=VALUE"),
        ("pipeline=x", "override 'pipeline=x' sets 'pipeline', which cannot be overridden"),
        ("vars=1", "override 'vars=1' sets 'vars', which cannot be overridden"),
        ("sed=1", "override 'sed=1' sets 'sed', which cannot be overridden"),
    ])
    func malformed(text: String, message: String) throws {
        let r = load([text])
        #expect(r.diagnostics.count == 1)
        let d = try #require(r.diagnostics.first)
        #expect(d.code == "bad-override")
        #expect(d.message == message)
        #expect(d.location == set(1, 1))
        #expect(r.spec == nil)
    }

    @Test func sedHintsSeed() {
        #expect(
            load(["sed=1"]).diagnostics.first?.hint
                == "did you mean 'seed'? (use vars.NAME=VALUE, seed=N, as_of=YYYY-MM-DD, STAGE.PARAM=VALUE or STAGE.PARAM.KEY=VALUE)"
        )
    }

    @Test func badSeedDateAndFlowValue() {
        let r = load(["seed=abc", "as_of=2024-13-01", "clean.drop_nulls=[a, b"])
        #expect(r.diagnostics.map(\.code) == ["bad-override", "bad-override", "bad-override"])
        #expect(
            r.diagnostics.map(\.message) == [
                "override 'seed=abc': seed expects an integer, found a string",
                "override 'as_of=2024-13-01': as_of expects a date YYYY-MM-DD, found '2024-13-01'",
                "cannot parse the value of override 'clean.drop_nulls=[a, b': YAML syntax error: did not find expected ',' or ']' (while parsing a flow sequence started at line 1)",
            ])
        #expect(r.diagnostics.map(\.location) == [set(1, 6), set(2, 7), set(3, 18)])
    }

    @Test func overrideParsesPlainScalars() {
        let (overrides, ds) = Override.parse(["a.b=true", "a.c=-3", "a.d=.5", "a.e=", "a.f=x=y", "a.g= 7 "])
        #expect(ds.isEmpty)
        #expect(overrides.map(\.value.value) == [.bool(true), .int(-3), .double(0.5), .null, .string("x=y"), .int(7)])
        #expect(overrides.map(\.target) == ["b", "c", "d", "e", "f", "g"].map { .param(stage: "a", param: $0) })
    }

    @Test func overrideDiagnosticsSortAfterFileOnes() {
        let text = TestCatalog.demo.replacingOccurrences(of: "{ k: 8 }", with: "{ k: 1 }")
        let r = TestCatalog.load(text, overrides: ["seed=x"])
        #expect(r.diagnostics.map { $0.location?.file } == ["p.yaml", "<--set>"])
    }
}
