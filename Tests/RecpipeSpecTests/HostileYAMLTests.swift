import Foundation
import RecpipeCore
import Testing

@testable import RecpipeSpec

/// Pipeline files that are huge, deeply nested or not text: each is a located error or loads
/// correctly, never a crash (issue #20, items 5–7).
@Suite struct HostileYAMLTests {
    func loc(_ l: Int, _ c: Int) -> RecpipeCore.SourceLocation { TestCatalog.loc(l, c) }

    // MARK: - Depth (#20.5)

    /// Flow nesting of 19,000 levels overflowed the stack in interpolation (SIGSEGV).
    @Test func deepFlowNestingIsALocatedError() throws {
        let depth = 19_000
        let text =
            "pipeline: p\nvars:\n  d: " + String(repeating: "[", count: depth) + String(repeating: "]", count: depth)
            + "\nstages:\n  events: { uses: ingest, with: { path: e.csv } }\n"
        let r = TestCatalog.load(text)
        #expect(r.spec == nil)
        let d = try #require(r.diagnostics.first)
        #expect(r.diagnostics.count == 1)
        #expect(d.code == "yaml-too-deep")
        #expect(d.message == "lists and mappings are nested more than 256 levels deep here")
        // The root and `vars` mappings are levels 1 and 2; the first `[` (column 6) is level 3,
        // so level 257 is the 255th `[`.
        #expect(d.location == loc(3, 6 + YAMLLoader.maxDepth - 2))
    }

    @Test func deepBlockNestingIsALocatedError() throws {
        var text = ""
        for level in 0..<300 { text += String(repeating: " ", count: level) + "k\(level):\n" }
        let r = YAMLLoader.load(text, file: "t.yaml")
        #expect(r.root == nil)
        let d = try #require(r.diagnostics.first)
        #expect(d.code == "yaml-too-deep")
        // Mapping 257 opens at the key of line 257.
        #expect(d.location?.line == YAMLLoader.maxDepth + 1)
    }

    @Test func nestingUpToTheLimitLoads() throws {
        let depth = YAMLLoader.maxDepth
        let text = "d: " + String(repeating: "[", count: depth - 1) + "x" + String(repeating: "]", count: depth - 1)
        let r = YAMLLoader.load(text, file: "t.yaml")
        #expect(r.diagnostics.isEmpty, "\(r.diagnostics)")
        var node = try #require(r.root?["d"])
        var levels = 1
        while let inner = node.items?.first { node = inner; levels += 1 }
        #expect(levels == depth)
        #expect(node.scalarText == "x")
    }

    /// A `--set` value is parsed by the same loader, so it is bounded too.
    @Test func deepOverrideIsAnError() throws {
        let value = String(repeating: "[", count: 5_000) + String(repeating: "]", count: 5_000)
        let r = TestCatalog.load(TestCatalog.demo, overrides: ["vars.data=" + value])
        #expect(r.spec == nil)
        #expect(r.diagnostics.contains { $0.message.contains("nested more than 256 levels") })
    }

    // MARK: - Size (#20.6)

    /// 20,000 keys took 15 s (each key copied the mapping); now linear. Correctness at that size:
    /// order kept, every value at its place, a duplicate at the very end still found.
    @Test func twentyThousandKeyMapping() throws {
        let n = 20_000
        var text = ""
        for i in 0..<n { text += "k\(i): \(i)\n" }
        text += "k7: again\n"
        let r = YAMLLoader.load(text, file: "t.yaml")
        let pairs = try #require(r.root?.pairs)
        #expect(pairs.count == n)
        #expect(pairs.map { $0.key.scalarText } == (0..<n).map { "k\($0)" })
        #expect(pairs.allSatisfy { $0.value.value == .int(Int($0.key.scalarText!.dropFirst())!) })
        #expect(pairs[n - 1].value.location == TestCatalog.loc(n, 9, file: "t.yaml"))
        #expect(r.diagnostics.count == 1)
        #expect(r.diagnostics.first?.code == "duplicate-key")
        #expect(r.diagnostics.first?.location == RecpipeCore.SourceLocation(file: "t.yaml", line: n + 1, column: 1))
    }

    @Test func twentyThousandItemListAndAnchorSizes() throws {
        let n = 20_000
        let text = "a: &big [" + (0..<n).map { "v\($0)" }.joined(separator: ", ") + "]\nb: [*big, *big]\n"
        let r = YAMLLoader.load(text, file: "t.yaml")
        #expect(r.diagnostics.isEmpty)
        #expect(r.root?["a"]?.items?.count == n)
        #expect(r.root?["b"]?.items?.map { $0.items?.count } == [n, n])
    }

    /// Alias expansion is still capped, with the anchored list's full size counted, and the
    /// error is at the alias that goes over (not at the anchor it copies).
    @Test func aliasExpansionStillCapped() throws {
        let n = 1_000
        var text = "a: &a [" + (0..<n).map { "v\($0)" }.joined(separator: ", ") + "]\n"
        text += "b: &b [" + Array(repeating: "*a", count: 100).joined(separator: ", ") + "]\n"
        text += "c: [" + Array(repeating: "*b", count: 20).joined(separator: ", ") + "]\n"
        let r = YAMLLoader.load(text, file: "t.yaml")
        #expect(r.root == nil)
        #expect(r.diagnostics.first?.message == "the document expands to more than 1000000 nodes (through aliases)")
        // a: 1,001 nodes, b: 100 × 1,001 + 1, then c's ninth *b passes 1,000,000 (column 5 + 4 × 8).
        #expect(r.diagnostics.first?.location == TestCatalog.loc(3, 37, file: "t.yaml"))
    }

    /// 20,000 vars, each using the one above: the vars decode in one pass, and a var used above
    /// its declaration still gets the "move it up" hint.
    @Test func twentyThousandVars() throws {
        let n = 20_000
        var text = "pipeline: p\nvars:\n  v0: root\n"
        for i in 1..<n { text += "  v\(i): \"${vars.v\(i - 1)}\"\n" }
        text += "  early: \"${vars.late}\"\n  late: x\n"
        text += "stages:\n  events: { uses: ingest, with: { path: \"${vars.v\(n - 1)}.csv\" } }\n"
        let r = TestCatalog.load(text)
        #expect(r.diagnostics.count == 1)
        #expect(r.diagnostics.first?.code == "unknown-var")
        #expect(r.diagnostics.first?.hint == "a var can only use vars declared above it; move 'late' up")
        #expect(r.diagnostics.first?.location == loc(n + 3, 10))
    }

    @Test func tenThousandStagesFedByOne() throws {
        let n = 10_000
        var text = "pipeline: p\nstages:\n  events: { uses: ingest, with: { path: e.csv } }\n"
        for i in 0..<n { text += "  c\(i): { uses: clean, input: events }\n" }
        let r = TestCatalog.load(text)
        #expect(r.diagnostics.isEmpty, "\(r.diagnostics.prefix(3))")
        #expect(r.spec?.stages.count == n + 1)
        #expect(r.spec?.stages.last?.inputs == ["events": ["events"]])
    }

    /// Found by scripts/fuzz.py: 10,000 uses of a var declared below made 10,000 errors that each
    /// quoted the 130 KB string (validate ran for minutes).
    @Test func manyUsesOfAnUnknownVarAreOneShortError() throws {
        let value = String(repeating: "x${vars.late}", count: 10_000)
        let r = TestCatalog.load(
            "pipeline: p\nvars:\n  early: \"\(value)\"\n  late: y\nstages:\n  events: { uses: ingest, with: { path: e.csv } }\n"
        )
        #expect(r.diagnostics.count == 1)
        #expect(r.diagnostics.first?.message == "unknown variable 'late' in \"\(String(value.prefix(60)))…\"")
    }

    /// Vars that each repeat the one above double in size at every level.
    @Test func doublingVarsStopAtOneMiB() throws {
        var text = "pipeline: p\nvars:\n  v0: \"0123456789abcdef\"\n"
        for i in 1...30 { text += "  v\(i): \"${vars.v\(i - 1)}${vars.v\(i - 1)}\"\n" }
        text += "stages:\n  events: { uses: ingest, with: { path: e.csv } }\n"
        let r = TestCatalog.load(text)
        #expect(r.spec == nil)
        let d = try #require(r.diagnostics.first { $0.code == "bad-interpolation" })
        #expect(d.message == "\"${vars.v16}${vars.v16}\" expands to more than 1 MiB")
        #expect(d.location == loc(20, 8))
    }

    // MARK: - Encoding (#20.7)

    @Test func invalidUTF8IsLocated() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("recpipe-utf8-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("p.yaml").path
        var bytes = Array("pipeline: p\nstages:\n  a: { uses: ingest, with: { path: \"caf".utf8)
        bytes += [0xE9] + Array(".csv\" } }\n  b: { uses: ingest, with: { path: \"é".utf8) + [0xFF, 0xFE]
        bytes += Array(".csv\" } }\n".utf8)
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        let r = PipelineLoader.load(path: path, catalog: TestCatalog.catalog)
        #expect(r.spec == nil)
        #expect(r.diagnostics.map(\.code) == ["invalid-utf8", "invalid-utf8"])
        #expect(
            r.diagnostics.map(\.location) == [
                SourceLocation(file: path, line: 3, column: 40), SourceLocation(file: path, line: 4, column: 38),
            ])
        #expect(r.diagnostics[0].message == "pipeline file is not valid UTF-8: byte 0xE9 here")
        #expect(r.diagnostics[1].message == "pipeline file is not valid UTF-8: byte 0xFF here")
        // The renderer echoes the line with U+FFFD and a caret under it.
        let rendered = r.rendered()
        #expect(
            rendered.contains(
                "      a: { uses: ingest, with: { path: \"caf\u{FFFD}.csv\" } }\n" + String(repeating: " ", count: 43)
                    + "^"))
    }

    @Test func invalidUTF8ReportsAtMostTenLines() throws {
        var bytes: [UInt8] = []
        for _ in 0..<15 { bytes += Array("x: ".utf8) + [0xC3] + Array("\n".utf8) }
        let found = PipelineLoader.invalidUTF8(bytes, file: "f.yaml")
        #expect(found.count == 11)
        #expect(found.prefix(10).map { $0.location?.line } == Array(1...10))
        #expect(found.prefix(10).allSatisfy { $0.location?.column == 4 })
        #expect(found.last?.message == "5 more lines of 'f.yaml' hold bytes that are not UTF-8")
    }
}
