import RecpipeCore
import Testing

@testable import RecpipeSpec

/// Everything is reported at once, in location order, and renders for a terminal.
@Suite struct AllProblemsTests {
    func loc(_ l: Int, _ c: Int) -> RecpipeCore.SourceLocation { TestCatalog.loc(l, c) }

    static let broken = """
        pipeline: shop
        seeds: 7
        stages:
          events: { uses: ingest, with: { path: data/events.csv } }
          clean: { uses: clean, input: evnts }
          matrix: { uses: encode, input: events, with: { target: interactions } }
          als: { uses: als, input: matrix, with: { factor: 64 } }
          segments: { uses: clustr, input: matrix }
          recs: { uses: rank, input: als, with: { top: many } }

        """

    @Test func fiveMistakesFiveLocatedDiagnostics() {
        let r = TestCatalog.load(Self.broken)
        #expect(r.spec == nil)
        #expect(
            r.diagnostics.map(\.code) == [
                "unknown-key", "unknown-stage", "unknown-param", "unknown-kind", "type-mismatch",
            ])
        #expect(r.diagnostics.map(\.location) == [loc(2, 1), loc(5, 32), loc(7, 44), loc(8, 21), loc(9, 48)])
        #expect(
            r.diagnostics.map(\.message) == [
                "unknown top-level key 'seeds'",
                "stage 'clean' refers to unknown stage 'evnts'",
                "stage 'als' (als) has no parameter 'factor'",
                "unknown stage kind 'clustr'",
                "parameter 'top' of stage 'recs' expects an integer, found a string",
            ])
        #expect(
            r.diagnostics.map(\.hint) == [
                "did you mean 'seed'?", "did you mean 'events'?", "did you mean 'factors'?", "did you mean 'cluster'?",
                nil,
            ])
        #expect(r.errors.count == 5)
        #expect(r.hasErrors)
    }

    @Test func rendersLineAndCaret() throws {
        let r = TestCatalog.load(Self.broken)
        let d = try #require(r.diagnostics.first { $0.code == "unknown-kind" })
        #expect(
            DiagnosticRenderer(sources: r.sources).render(d) == """
                p.yaml:8:21: error: unknown stage kind 'clustr'
                      segments: { uses: clustr, input: matrix }
                                        ^
                    hint: did you mean 'cluster'?
                """)
    }

    @Test func aFileUnderTheCurrentDirectoryIsShownRelativeToIt() {
        let d = Diagnostic.error(
            "lua-registration", "promote 'x': boost must be a number > 0, got 0",
            at: .init(file: "/work/shop/pipelines/rules/promotions.lua", line: 3, column: 1))
        let inside = DiagnosticRenderer(relativeTo: "/work/shop")
        #expect(
            inside.render(d)
                == "pipelines/rules/promotions.lua:3:1: error: promote 'x': boost must be a number > 0, got 0")
        #expect(DiagnosticRenderer(relativeTo: "/work/shop/").displayed("/work/shop/p.yaml") == "p.yaml")
        // Outside it, or a sibling that only shares the prefix, the path stays as it was.
        #expect(DiagnosticRenderer(relativeTo: "/work/sho").displayed(d.location!.file) == d.location!.file)
        #expect(DiagnosticRenderer(relativeTo: "/elsewhere").displayed(d.location!.file) == d.location!.file)
        #expect(inside.displayed("p.yaml") == "p.yaml")
    }

    @Test func rendersOverrideLine() {
        let r = TestCatalog.load(TestCatalog.demo, overrides: ["seed=1", "segments.k=99"])
        #expect(
            r.rendered() == """
                <--set>:2:12: error: parameter 'k' of stage 'segments' must be between 2 and 50, found 99
                    segments.k=99
                               ^
                """)
    }

    @Test func diagnosticsAreSorted() {
        let r = TestCatalog.load(Self.broken, overrides: ["nope"])
        let located = r.diagnostics.compactMap(\.location).filter { $0.file == "p.yaml" }
        #expect(located == located.sorted())
        #expect(r.diagnostics.last?.location?.file == "<--set>")
    }
}
