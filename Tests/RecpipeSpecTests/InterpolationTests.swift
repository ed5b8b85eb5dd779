import RecpipeCore
import Testing

@testable import RecpipeSpec

/// `${vars.NAME}` expansion in `with:` and in `vars:`.
@Suite struct InterpolationTests {
    func loc(_ l: Int, _ c: Int) -> RecpipeCore.SourceLocation { TestCatalog.loc(l, c) }

    func valid(vars: String, with: String) throws -> StageSpec {
        let r = TestCatalog.load(
            """
            pipeline: p
            vars: \(vars)
            stages:
              e: { uses: ingest, with: { path: x } }
              m: { uses: encode, input: e, with: { target: interactions } }
              f: { uses: als, input: m }
              r: { uses: rank, input: f, with: \(with) }

            """)
        #expect(r.diagnostics.isEmpty, "\(r.diagnostics)")
        return try #require(r.spec?.stage("r"))
    }

    @Test func exactReferenceKeepsType() throws {
        let r = try valid(vars: "{ n: 20, l: [1, 2] }", with: "{ top: \"${vars.n}\", extra: \"${vars.l}\" }")
        #expect(r.params["top"] == .int(20))
        #expect(r.params["extra"] == .list([.int(1), .int(2)]))
        #expect(r.paramLocations["top"] == loc(7, 43))
    }

    @Test func plainUnquotedReferenceInBlockStyle() throws {
        let r = TestCatalog.load(
            "pipeline: p\nvars:\n  data: /d\nstages:\n  e:\n    uses: ingest\n    with:\n      path: ${vars.data}/e.csv\n"
        )
        #expect(r.spec?.stage("e")?.params["path"] == .string("/d/e.csv"))
    }

    @Test func stringSubstitutionAndEscape() throws {
        let r = try valid(vars: "{ n: 20, who: shop }", with: "{ label: \"${vars.who}-top${vars.n} costs $${x}\" }")
        #expect(r.params["label"] == .string("shop-top20 costs ${x}"))
    }

    @Test func nestedInterpolationInsideMapsAndLists() throws {
        let r = try valid(
            vars: "{ w: 0.7, src: f }",
            with: "{ blend: { f: \"${vars.w}\" }, extra: [\"${vars.src}\", \"x${vars.w}\"] }")
        #expect(r.params["blend"] == .map([.init(key: "f", value: .double(0.7))]))
        #expect(r.params["extra"] == .list([.string("f"), .string("x0.7")]))
    }

    @Test func varsUseEarlierVars() throws {
        let r = TestCatalog.load(
            "pipeline: p\nvars:\n  root: /data\n  events: ${vars.root}/events.csv\nstages:\n  e: { uses: ingest, with: { path: \"${vars.events}\" } }\n"
        )
        #expect(r.diagnostics.isEmpty)
        #expect(r.spec?.vars.last?.value == .string("/data/events.csv"))
        #expect(r.spec?.stage("e")?.params["path"] == .string("/data/events.csv"))
    }

    @Test func varUsingLaterVarIsError() throws {
        let r = TestCatalog.load(
            "pipeline: p\nvars:\n  events: ${vars.root}/events.csv\n  root: /data\nstages:\n  e: { uses: ingest, with: { path: x } }\n"
        )
        #expect(r.diagnostics.count == 1)
        let d = try #require(r.diagnostics.first)
        #expect(d.code == "unknown-var")
        #expect(d.hint == "a var can only use vars declared above it; move 'root' up")
        #expect(d.location == loc(3, 11))
    }

    @Test func typedVarMustStillMatchParamType() throws {
        let r = TestCatalog.load(
            "pipeline: p\nvars: { n: many }\nstages:\n  e: { uses: ingest, with: { path: x } }\n  c: { uses: clean, input: e, with: { min_user_events: \"${vars.n}\" } }\n"
        )
        #expect(
            r.diagnostics.map(\.message) == [
                "parameter 'min_user_events' of stage 'c' expects an integer, found a string"
            ])
        #expect(r.diagnostics.first?.location == loc(5, 56))
    }

    @Test func unknownVarWithHint() throws {
        let r = TestCatalog.load(
            "pipeline: p\nvars: { top_n: 5 }\nstages:\n  e: { uses: ingest, with: { path: \"${vars.topn}\" } }\n")
        #expect(r.diagnostics.count == 1)
        let d = try #require(r.diagnostics.first)
        #expect(d.code == "unknown-var")
        #expect(d.message == "unknown variable 'topn' in \"${vars.topn}\"")
        #expect(d.hint == "did you mean 'top_n'?")
        #expect(d.location == loc(4, 36))
    }

    @Test func unknownVarWithoutVars() throws {
        let r = TestCatalog.load("pipeline: p\nstages:\n  e: { uses: ingest, with: { path: \"${vars.x}\" } }\n")
        #expect(r.diagnostics.first?.hint == "declare it under `vars:`")
    }

    @Test func badInterpolations() {
        let r = TestCatalog.load(
            "pipeline: p\nstages:\n  e: { uses: ingest, with: { path: \"${env.HOME}\" } }\n  f: { uses: ingest, with: { path: \"${vars.x\" } }\n"
        )
        #expect(r.diagnostics.map(\.code) == ["bad-interpolation", "bad-interpolation"])
        #expect(
            r.diagnostics.map(\.message) == [
                "cannot interpolate '${env.HOME}' in \"${env.HOME}\": only `${vars.NAME}` is supported",
                "unterminated '${' in \"${vars.x\"",
            ])
        // A failed expansion does not also report the parameter as missing.
        #expect(!r.diagnostics.contains { $0.code == "missing-required" })
    }

    @Test func interpolatorDirect() {
        let i = Interpolator(vars: ["a": .int(1), "s": .string("x")])
        var ds: [Diagnostic] = []
        let at = TestCatalog.loc(1, 1)
        func run(_ s: String) -> ParamValue? { i.expand(LocatedValue(.scalar(.string(s)), at: at), into: &ds)?.value }
        #expect(run("${vars.a}") == .int(1))
        #expect(run("${vars.a}${vars.s}") == .string("1x"))
        #expect(run("no refs") == .string("no refs"))
        #expect(run("$${vars.a}") == .string("${vars.a}"))
        #expect(run("$$") == .string("$$"))
        #expect(ds.isEmpty)
    }
}
