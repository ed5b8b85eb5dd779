import Foundation
import Testing

@testable import RecpipeScripting

@Suite struct RuleTestRunnerTests {
    static let rules = """
        tag("vip", function(u) return u.monetary >= 500 and u.recency_days < 30 end)
        tag("churn_risk", function(u) return u.recency_days > 90 or u.monetary > 550 end)
        filter("in_stock", function(u, item) return item.stock > 0 end)
        filter("not_purchased", function(u, item) return not u:purchased(item.id) end)
        promote{ name = "winter-coats", boost = 1.3, when = function(u, item) return item.category == "coats" end }
        """

    static func report(_ tests: String, userFields: [String]? = nil) throws -> RuleTestReport {
        try RuleTestRunner.run(
            rules: rules, rulesFile: "rules/tags.lua", tests: tests, testsFile: "rules/tags_test.lua",
            context: Fixture.context, userFields: userFields)
    }

    @Test func passingCases() throws {
        let report = try Self.report(
            """
            case{ name = "vip spends", user = { monetary = 500, recency_days = 3 }, expect_tags = { "vip" } }
            case{ name = "nobody", user = { monetary = 10, recency_days = 3 }, expect_tags = {} }
            case{ name = "out of stock", user = { monetary = 1, recency_days = 1 }, item = { id = "A", stock = 0 },
                  expect_filter = { in_stock = false, not_purchased = true } }
            case{ name = "bought it", user = {}, purchased = { "A" }, item = { id = "A", stock = 3 },
                  expect_filter = { in_stock = true, not_purchased = false } }
            case{ name = "coats", user = {}, item = { category = "coats" }, expect_when = { ["winter-coats"] = true } }
            """)
        #expect(report.allPassed)
        #expect(report.results.map(\.name) == ["vip spends", "nobody", "out of stock", "bought it", "coats"])
        #expect(report.results.map(\.line) == [1, 2, 3, 5, 7])
        #expect(report.description.hasSuffix("5 passed, 0 failed"))
    }

    @Test func failingCasesExplainTheDifference() throws {
        let report = try Self.report(
            """
            case{ name = "vip spends", user = { monetary = 600, recency_days = 3 }, expect_tags = { "vip" } }
            case{ name = "wrong filter", user = {}, item = { id = "A", stock = 5 }, expect_filter = { in_stock = false } }
            case{ name = "typo", user = {}, item = { id = "A", stock = 5 }, expect_filter = { in_stok = false } }
            case{ name = "missing data", user = { monetary = 1 }, expect_tags = {} }
            """)
        #expect(report.failedCount == 4)
        #expect(report.results[0].failures == ["expected tags [vip] but got [vip, churn_risk]: unexpected churn_risk"])
        #expect(report.results[1].failures == ["filter 'in_stock': expected false but got true"])
        #expect(report.results[2].failures == ["no filter rule named 'in_stok' (did you mean 'in_stock'?)"])
        #expect(
            report.results[3].failures == [
                "error: rules/tags.lua:2: unknown field 'recency_days' on user (rule 'churn_risk', user 'missing data')"
            ])
        #expect(
            report.description == """
                FAIL vip spends (rules/tags_test.lua:1)
                    expected tags [vip] but got [vip, churn_risk]: unexpected churn_risk
                FAIL wrong filter (rules/tags_test.lua:2)
                    filter 'in_stock': expected false but got true
                FAIL typo (rules/tags_test.lua:3)
                    no filter rule named 'in_stok' (did you mean 'in_stock'?)
                FAIL missing data (rules/tags_test.lua:4)
                    error: rules/tags.lua:2: unknown field 'recency_days' on user (rule 'churn_risk', user 'missing data')
                0 passed, 4 failed
                """)
    }

    @Test func schemaFieldsReadAsNilAndExpectError() throws {
        let report = try Self.report(
            """
            case{ name = "missing recency", user = { monetary = 600 }, expect_error = "attempt to compare" }
            case{ name = "no error", user = { monetary = 1, recency_days = 1 }, expect_error = "boom" }
            """, userFields: ["monetary", "recency_days"])
        #expect(report.results[0].passed)
        #expect(report.results[1].failures == ["expected an error containing 'boom' but the rules ran without error"])
    }

    @Test func missingTagsAreListed() {
        #expect(
            RuleTestRunner.tagDifference(expected: ["vip", "new"], got: ["vip"])
                == "expected tags [vip, new] but got [vip]: missing new")
        #expect(RuleTestRunner.tagDifference(expected: ["a", "b"], got: ["b", "a"]) == nil)
    }

    @Test func invalidTestFileIsLocated() throws {
        let error = try #require(throws: RuleError.self) {
            _ = try Self.report("case{ name = 'x', user = {}, expect_tag = { 'vip' } }")
        }
        #expect(error.kind == .registration)
        #expect(error.file == "rules/tags_test.lua")
        #expect(error.message.hasPrefix("case{}: unknown field 'expect_tag' (did you mean 'expect_tags'?)"))
        let nothing = try #require(throws: RuleError.self) { _ = try Self.report("\ncase{ name = 'x', user = {} }") }
        #expect(nothing.line == 2)
        #expect(nothing.message.contains("nothing to check"))
        // The test file gets no rule API and vice versa.
        let noTag = try #require(throws: RuleError.self) { _ = try Self.report("tag('x', print)") }
        #expect(noTag.message == "undeclared global 'tag'")
    }

    @Test func caseTablesWithMetamethodsAreReadRaw() throws {
        let report = try Self.report(
            """
            local loaded = false
            local spec = { name = "meta", user = { monetary = 1, recency_days = 1 }, expect_tags = {} }
            case(setmetatable(spec, { __index = function() if loaded then error("boom") end end }))
            loaded = true
            """)
        #expect(report.allPassed)
    }

    @Test func runsFromFiles() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("recpipe-\(UUID())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let rulesPath = dir.appendingPathComponent("tags.lua").path
        let testsPath = dir.appendingPathComponent("tags_test.lua").path
        try Self.rules.write(toFile: rulesPath, atomically: true, encoding: .utf8)
        try "case{ name = 'vip', user = { monetary = 500, recency_days = 1 }, expect_tags = { 'vip' } }"
            .write(toFile: testsPath, atomically: true, encoding: .utf8)
        let report = try RuleTestRunner.run(rulesFile: rulesPath, testsFile: testsPath, context: Fixture.context)
        #expect(report.allPassed)
        #expect(report.results.first?.file == testsPath)
    }
}

@Suite struct BenchmarkSmokeTests {
    @Test func benchmarkRunsAndReportsPositiveRates() {
        let r = RuleBenchmark.run(evaluations: 1_000)
        #expect(r.tagEvalsPerSecond > 0)
        #expect(r.filterEvalsPerSecond > 0)
    }
}
