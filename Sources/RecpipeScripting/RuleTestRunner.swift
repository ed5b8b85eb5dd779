import Foundation
import RecpipeCore

/// The outcome of one test case.
package struct RuleTestResult: Sendable, Hashable {
    package var name: String
    package var file: String
    package var line: Int
    /// Readable differences (empty when the case passed).
    package var failures: [String]
    package var passed: Bool { failures.isEmpty }
}

/// All cases of a test file.
package struct RuleTestReport: Sendable, Hashable, CustomStringConvertible {
    package var results: [RuleTestResult]
    package var passedCount: Int { results.filter(\.passed).count }
    package var failedCount: Int { results.count - passedCount }
    package var allPassed: Bool { failedCount == 0 }

    /// `PASS name` / `FAIL name (file:line)` with the differences indented, then a summary.
    package var description: String {
        var lines: [String] = []
        for r in results {
            if r.passed {
                lines.append("PASS \(r.name)")
            } else {
                lines.append("FAIL \(r.name) (\(r.file):\(r.line))")
                lines += r.failures.map { "    " + $0 }
            }
        }
        lines.append("\(passedCount) passed, \(failedCount) failed")
        return lines.joined(separator: "\n")
    }
}

/// Runs analysts' rule tests: a Lua file of `case{...}` calls (see ``RuleTestCase``) against a
/// rules script, with each case's user and item as in-memory records.
package enum RuleTestRunner {
    /// - Parameters:
    ///   - userFields/itemFields: the real tables' columns; a column a case leaves out reads as
    ///     `nil` (without them, reading a field the case does not give is an "unknown field" error).
    /// - Throws: ``RuleError`` when either script does not load.
    package static func run(
        rules: String, rulesFile: String, rulesLineOffset: Int = 0, tests: String, testsFile: String,
        context: LuaRuntime.Context, limits: LuaRuntime.Limits = .init(),
        userFields: [String]? = nil, itemFields: [String]? = nil
    ) throws(RuleError) -> RuleTestReport {
        let testRuntime = try LuaRuntime(limits: limits, context: context, api: .tests)
        try testRuntime.load(source: tests, chunkName: testsFile)
        let cases = try testRuntime.registeredCases()
        let lua = try LuaRuntime(limits: limits, context: context)
        try lua.load(source: rules, chunkName: rulesFile, lineOffset: rulesLineOffset)
        let results = cases.map { run($0, in: lua, userFields: userFields, itemFields: itemFields) }
        return RuleTestReport(results: results)
    }

    /// Reads both files, then runs as above.
    package static func run(
        rulesFile: String, testsFile: String, context: LuaRuntime.Context,
        limits: LuaRuntime.Limits = .init(), userFields: [String]? = nil, itemFields: [String]? = nil
    ) throws(RuleError) -> RuleTestReport {
        func read(_ path: String) throws(RuleError) -> String {
            guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
                throw RuleError(kind: .io, file: path, line: nil, message: "cannot read the file")
            }
            return text
        }
        return try run(
            rules: read(rulesFile), rulesFile: rulesFile, tests: read(testsFile), testsFile: testsFile,
            context: context, limits: limits, userFields: userFields, itemFields: itemFields)
    }

    // MARK: - One case

    static func run(
        _ c: RuleTestCase, in lua: LuaRuntime, userFields: [String]?, itemFields: [String]?
    ) -> RuleTestResult {
        let users = DictionaryRecordSource(
            records: [.init(id: c.name, fields: c.user, sets: c.userSets)],
            fieldNames: userFields.map { Array(Set($0).union(c.user.keys)).sorted() })
        let items = DictionaryRecordSource(
            records: [.init(id: "item", fields: c.item ?? [:], sets: c.itemSets)],
            fieldNames: itemFields.map { Array(Set($0).union((c.item ?? [:]).keys)).sorted() })
        if let plugin = lua.pluginIndex {
            return RuleTestResult(
                name: c.name, file: c.file, line: c.line, failures: runPlugin(c, plugin: plugin, in: lua))
        }
        lua.bind(users: users)
        lua.bind(items: items)
        var failures: [String] = []
        var firstError: RuleError?
        func attempt<T>(_ body: () throws(RuleError) -> T) -> T? {
            do {
                return try body()
            } catch {
                if firstError == nil { firstError = error }
                if c.expectError == nil { failures.append("error: \(error)") }
                return nil
            }
        }

        let checksTags = c.expectTags != nil || (c.expectError != nil && c.expectFilter == nil && c.expectWhen == nil)
        if checksTags, let got = attempt({ () throws(RuleError) in try lua.evaluateTags(user: 0) }),
            let expected = c.expectTags
        {
            if let diff = tagDifference(expected: expected, got: got) { failures.append(diff) }
        }
        for (name, expected) in (c.expectFilter ?? [:]).sorted(by: { $0.key < $1.key }) {
            guard let index = ruleIndex(name, kinds: [.filter], in: lua, failures: &failures) else { continue }
            if let got = attempt({ () throws(RuleError) in try lua.evaluateFilter(index, user: 0, item: 0) }),
                got != expected
            {
                failures.append("filter '\(name)': expected \(expected) but got \(got)")
            }
        }
        for (name, expected) in (c.expectWhen ?? [:]).sorted(by: { $0.key < $1.key }) {
            guard let index = ruleIndex(name, kinds: [.promote, .pin, .bury], in: lua, failures: &failures)
            else { continue }
            if let got = attempt({ () throws(RuleError) in try lua.evaluateWhen(index, user: 0, item: 0) }),
                got != expected
            {
                failures.append("when of '\(name)': expected \(expected) but got \(got)")
            }
        }
        if let expected = c.expectError {
            if let error = firstError {
                if !error.description.contains(expected) {
                    failures.append("expected an error containing '\(expected)' but got: \(error)")
                }
            } else {
                failures.append("expected an error containing '\(expected)' but the rules ran without error")
            }
        }
        return RuleTestResult(name: c.name, file: c.file, line: c.line, failures: failures)
    }

    private static func ruleIndex(
        _ name: String, kinds: [RegisteredRule.Kind], in lua: LuaRuntime, failures: inout [String]
    ) -> Int? {
        if let i = lua.ruleIndex(named: name), kinds.contains(lua.rules[i].kind) { return i }
        let candidates = lua.rules.filter { kinds.contains($0.kind) }.map(\.name)
        var message = "no \(kinds.map(\.rawValue).joined(separator: "/")) rule named '\(name)'"
        if let hint = Suggestions.hint(for: name, in: candidates) { message += " (\(hint))" }
        failures.append(message)
        return nil
    }

    /// `expected tags [vip] but got [vip, churn_risk]: unexpected churn_risk`, or nil when the
    /// tag sets are equal (order does not matter).
    static func tagDifference(expected: [String], got: [String]) -> String? {
        let e = Set(expected)
        let g = Set(got)
        guard e != g else { return nil }
        var parts: [String] = []
        let unexpected = got.filter { !e.contains($0) }
        let missing = expected.filter { !g.contains($0) }
        if !unexpected.isEmpty { parts.append("unexpected " + unexpected.joined(separator: ", ")) }
        if !missing.isEmpty { parts.append("missing " + missing.joined(separator: ", ")) }
        return "expected tags [\(expected.joined(separator: ", "))] but got [\(got.joined(separator: ", "))]: "
            + parts.joined(separator: "; ")
    }
}
