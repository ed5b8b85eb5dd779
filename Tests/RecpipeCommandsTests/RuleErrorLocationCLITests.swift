import Foundation
import RecpipeTestSupport
import Testing

/// Issues 20.12 and 12.6 (Lua parts): each error prints its location once, at the right place.
@Suite struct RuleErrorLocationCLITests {
    @Test func rankRuleErrorsPrintTheirLocationOnce() async throws {
        let filters =
            "filter(\"ok\", function(u, item) return true end)\nfilter(\"bad\", function(u, item)\n  return item.category > 0\nend)\n"
        let p = RuleIsolationCLITests.makePipeline(filters: filters, onError: "fail")
        let r = await recpipe("run", p)
        #expect(r.code != 0)
        #expect(
            r.err.contains("filters.lua:3:1: attempt to compare number with string (rule 'bad', user 'U1', item 'A')"),
            "\(r.err)")
        #expect(!r.err.contains("filters.lua:3: attempt"), "\(r.err)")
    }

    @Test func syntaxErrorsHaveOneLocationAndTheTokensColumn() async throws {
        let p = RuleIsolationCLITests.makePipeline(filters: "-- filters\nlocal total = price * * 2\n", onError: "fail")
        let validate = await recpipe("validate", p)
        #expect(validate.code == 2)
        #expect(validate.err.contains("filters.lua:2:23: error: unexpected symbol near '*'"), "\(validate.err)")
        #expect(!validate.err.contains("filters.lua:2: unexpected"), "\(validate.err)")
        let run = await recpipe("run", p)
        #expect(run.code != 0)
        #expect(run.err.contains("filters.lua:2:23: error: unexpected symbol near '*'"), "\(run.err)")
        #expect(!run.err.contains("filters.lua:2: unexpected"), "\(run.err)")
    }
}
