import RecpipeCore
import Testing

@testable import RecpipeSpec

/// Parameter names, types, ranges, choices, defaults and declaration checks.
@Suite struct ParamCheckTests {
    func loc(_ l: Int, _ c: Int) -> RecpipeCore.SourceLocation { TestCatalog.loc(l, c) }

    /// A pipeline `e (ingest) -> c (clean) -> f (encode user_features) -> s (cluster WITH)`,
    /// whose `s` stage is on line 6 with the `with:` mapping starting at column 39.
    func cluster(_ with: String) -> PipelineLoadResult {
        TestCatalog.load(
            """
            pipeline: p
            stages:
              e: { uses: ingest, with: { path: x } }
              c: { uses: clean, input: e }
              f: { uses: encode, input: c, with: { target: user_features } }
              s: { uses: cluster, input: f, with: \(with) }

            """)
    }

    func one(_ r: PipelineLoadResult) throws -> Diagnostic {
        #expect(r.diagnostics.count == 1, "\(r.diagnostics)")
        #expect(r.spec == nil)
        return try #require(r.diagnostics.first)
    }

    @Test func intParamAcceptsInt() throws {
        let r = cluster("{ k: 8, seeds: [1, 2] }")
        #expect(r.diagnostics.isEmpty)
        #expect(r.spec?.stage("s")?.params == ["k": .int(8), "seeds": .list([.int(1), .int(2)])])
        #expect(r.spec?.stage("s")?.paramLocations == ["k": loc(6, 44), "seeds": loc(6, 54)])
    }

    @Test func wrongTypeMessage() throws {
        let d = try one(cluster("{ k: [3] }"))
        #expect(d.code == "type-mismatch")
        #expect(d.message == "parameter 'k' of stage 's' expects an integer or one of auto, found a list")
        #expect(d.location == loc(6, 44))
    }

    @Test func stringForIntWithQuoteHint() throws {
        let r = TestCatalog.load(
            "pipeline: p\nstages:\n  e: { uses: ingest, with: { path: x } }\n  c: { uses: clean, input: e, with: { min_user_events: \"3\" } }\n"
        )
        let d = try one(r)
        #expect(d.message == "parameter 'min_user_events' of stage 'c' expects an integer, found a string")
        #expect(d.hint == "remove the quotes to make it a number: 3")
        #expect(d.location == loc(4, 56))
    }

    @Test(arguments: ["2.5", "2.0"]) func nonIntegerRejectedForInt(value: String) throws {
        let r = TestCatalog.load(
            "pipeline: p\nstages:\n  e: { uses: ingest, with: { path: x } }\n  c: { uses: clean, input: e, with: { min_user_events: \(value) } }\n"
        )
        let d = try one(r)
        #expect(
            d.message
                == "parameter 'min_user_events' of stage 'c' expects an integer, found a non-integer number (\(value == "2.0" ? "2" : value))"
        )
    }

    @Test func floatAcceptsIntAndStoresDouble() throws {
        let r = TestCatalog.load(
            "pipeline: p\nstages:\n  e: { uses: ingest, with: { path: x } }\n  m: { uses: encode, input: e, with: { target: interactions } }\n  a: { uses: als, input: m, with: { regularization: 1 } }\n"
        )
        #expect(r.diagnostics.isEmpty)
        #expect(r.spec?.stage("a")?.params["regularization"] == .double(1))
    }

    @Test func outOfRange() throws {
        let d = try one(cluster("{ k: 1 }"))
        #expect(d.code == "out-of-range")
        #expect(d.message == "parameter 'k' of stage 's' must be between 2 and 50, found 1")
        #expect(d.location == loc(6, 44))
    }

    @Test func outOfRangeInsideList() throws {
        let d = try one(cluster("{ k: 3, seeds: [1, 2000, 3] }"))
        #expect(d.code == "out-of-range")
        #expect(d.message == "parameter 'seeds[1]' of stage 's' must be between 0 and 1000, found 2000")
        #expect(d.location == loc(6, 58))
    }

    @Test func outOfRangeAndTypeInsideMap() {
        let r = TestCatalog.load(
            "pipeline: p\nstages:\n  e: { uses: ingest, with: { path: x } }\n  m: { uses: encode, input: e, with: { target: interactions, weights: { view: -1, cart: x } } }\n"
        )
        #expect(r.diagnostics.map(\.code) == ["out-of-range", "type-mismatch"])
        #expect(
            r.diagnostics.map(\.message) == [
                "parameter 'weights.view' of stage 'm' must be between 0 and 100, found -1",
                "parameter 'weights.cart' of stage 'm' expects a number, found a string",
            ])
        #expect(r.diagnostics.map(\.location) == [loc(4, 79), loc(4, 89)])
    }

    @Test func oneOfChoiceAccepted() {
        let r = cluster("{ k: auto }")
        #expect(r.diagnostics.isEmpty)
        #expect(r.spec?.stage("s")?.params["k"] == .string("auto"))
    }

    @Test func oneOfChoiceMisspelledGetsHint() throws {
        let d = try one(cluster("{ k: atuo }"))
        #expect(d.code == "invalid-choice")
        #expect(d.message == "parameter 'k' of stage 's' must be one of auto; found 'atuo'")
        #expect(d.hint == "did you mean 'auto'?")
    }

    @Test func choiceNotInList() throws {
        let r = TestCatalog.load(
            "pipeline: p\nstages:\n  e: { uses: ingest, with: { path: x } }\n  m: { uses: encode, input: e, with: { target: interaction } }\n"
        )
        let d = try one(r)
        #expect(d.code == "invalid-choice")
        #expect(
            d.message
                == "parameter 'target' of stage 'm' must be one of interactions, user_features; found 'interaction'")
        #expect(d.hint == "did you mean 'interactions'?")
        #expect(d.location == loc(4, 48))
    }

    @Test func listPromotesSingleScalar() {
        let r = TestCatalog.load(
            "pipeline: p\nstages:\n  e: { uses: ingest, with: { path: x } }\n  c: { uses: clean, input: e, with: { drop_nulls: user_id } }\n"
        )
        #expect(r.diagnostics.isEmpty)
        #expect(r.spec?.stage("c")?.params["drop_nulls"] == .list([.string("user_id")]))
    }

    @Test func listElementWrongType() throws {
        let r = TestCatalog.load(
            "pipeline: p\nstages:\n  e: { uses: ingest, with: { path: x } }\n  c: { uses: clean, input: e, with: { drop_nulls: [a, 5] } }\n"
        )
        let d = try one(r)
        #expect(d.message == "parameter 'drop_nulls[1]' of stage 'c' expects a string, found an integer")
        #expect(d.hint == "quote it to make it a string: \"5\"")
        #expect(d.location == loc(4, 55))
    }

    @Test func mapParamRejectsList() throws {
        let r = TestCatalog.load(
            "pipeline: p\nstages:\n  e: { uses: ingest, with: { path: x } }\n  m: { uses: encode, input: e, with: { target: interactions, weights: [1] } }\n"
        )
        let d = try one(r)
        #expect(d.message == "parameter 'weights' of stage 'm' expects a mapping of name: float, found a list")
    }

    @Test func explicitNullRejectedWithDefaultHint() throws {
        let r = TestCatalog.load("pipeline: p\nstages:\n  e: { uses: ingest, with: { path: x, format: } }\n")
        let d = try one(r)
        #expect(d.message == "parameter 'format' of stage 'e' expects one of csv, jsonl, found null")
        #expect(d.hint == "remove the line to use the default (csv)")
    }

    @Test func anyAcceptsAnything() {
        let r = TestCatalog.load(
            "pipeline: p\nstages:\n  a: { uses: ingest, with: { path: x } }\n  r: { uses: rank, input: a, with: { extra: { x: [1, null] } } }\n"
        )
        #expect(r.diagnostics.map(\.code) == ["artifact-mismatch"])
    }

    @Test func unknownParamWithHint() throws {
        let r = TestCatalog.load(
            "pipeline: p\nstages:\n  e: { uses: ingest, with: { path: x } }\n  m: { uses: encode, input: e, with: { target: interactions } }\n  a:\n    uses: als\n    input: m\n    with:\n      factor: 8\n"
        )
        let d = try one(r)
        #expect(d.code == "unknown-param")
        #expect(d.message == "stage 'a' (als) has no parameter 'factor'")
        #expect(d.hint == "did you mean 'factors'?")
        #expect(d.location == loc(9, 7))
    }

    @Test func missingRequiredParam() throws {
        let r = TestCatalog.load("pipeline: p\nstages:\n  e: { uses: ingest }\n")
        let d = try one(r)
        #expect(d.code == "missing-required")
        #expect(d.message == "stage 'e' (ingest) is missing required parameter 'path'")
        #expect(d.hint == "add `path: <path>` under `with:` (file to read)")
        #expect(d.location == loc(3, 3))
    }

    @Test func stringParamFromNumberNeedsQuotes() throws {
        let r = TestCatalog.load("pipeline: p\nstages:\n  a: { uses: ingest, with: { path: 12 } }\n")
        let d = try one(r)
        #expect(d.message == "parameter 'path' of stage 'a' expects a path (a string), found an integer")
        #expect(d.hint == "quote it to make it a string: \"12\"")
    }

    @Test func declarationCheckRunsOnCleanStages() throws {
        let text = TestCatalog.demo.replacingOccurrences(of: "blend: { als: 1 }", with: "blend: { alz: 1 }")
        let r = TestCatalog.load(text)
        let d = try one(r)
        #expect(d.code == "unknown-source")
        #expect(d.message == "blend weight 'alz' of stage 'recs' names no candidate source")
        #expect(d.location == loc(33, 42))
    }

    @Test func declarationCheckSkippedWhenStageHasErrors() throws {
        let text = TestCatalog.demo.replacingOccurrences(
            of: "top: \"${vars.top_n}\", blend: { als: 1 }", with: "top: 0, blend: { alz: 1 }")
        let d = try one(TestCatalog.load(text))
        #expect(d.code == "out-of-range")
    }
}

@Suite struct ParamCheckerDirectTests {
    func check(_ value: ParamValue, _ spec: ParamSpec) -> (ParamValue?, [String]) {
        var ds: [Diagnostic] = []
        let out = ParamChecker(stage: "s", spec: spec).check(
            LocatedValue(lifting: value, at: TestCatalog.loc(1, 1)), into: &ds)
        return (out, ds.map(\.message))
    }

    @Test func openRangesReadNaturally() {
        #expect(
            check(.int(-1), ParamSpec("n", .int, range: 0...Double.infinity, doc: "")).1
                == ["parameter 'n' of stage 's' must be at least 0, found -1"])
        #expect(
            check(.double(2.5), ParamSpec("x", .float, range: -Double.infinity...1, doc: "")).1
                == ["parameter 'x' of stage 's' must be at most 1, found 2.5"])
        #expect(
            check(.double(0.5), ParamSpec("x", .float, range: 0.25...0.375, doc: "")).1
                == ["parameter 'x' of stage 's' must be between 0.25 and 0.375, found 0.5"])
    }

    @Test func listOfFloatsConvertsEachAndChecksRange() {
        let spec = ParamSpec("w", .list(.float), range: 0...1, doc: "")
        #expect(check(.list([.int(1), .double(0.5)]), spec).0 == .list([.double(1), .double(0.5)]))
        #expect(check(.list([.int(2)]), spec).1 == ["parameter 'w[0]' of stage 's' must be between 0 and 1, found 2"])
        #expect(check(.int(1), spec).0 == .list([.double(1)]))
    }

    @Test func boolAndPhrases() {
        #expect(
            check(.string("yes"), ParamSpec("b", .bool, doc: "")).1
                == ["parameter 'b' of stage 's' expects a boolean (true or false), found a string"])
        #expect(ParamChecker.phrase(.list(.int)) == "a list of int values")
        #expect(ParamChecker.phrase(.oneOf([.int, .choice(["auto", "none"])])) == "an integer or one of auto, none")
    }
}
