import RecpipeCore
import Testing

@testable import RecpipeSpec

@Suite struct YAMLLoaderTests {
    func parse(_ text: String) throws -> YAMLNode {
        let r = YAMLLoader.load(text, file: "t.yaml")
        #expect(r.diagnostics.isEmpty, "\(r.diagnostics)")
        return try #require(r.root)
    }

    func loc(_ line: Int, _ column: Int) -> RecpipeCore.SourceLocation {
        RecpipeCore.SourceLocation(file: "t.yaml", line: line, column: column)
    }

    @Test func marksForKeysScalarsItemsAndNestedMaps() throws {
        let root = try parse(
            """
            a: 1
            list:
              - x
              - "y"
            nested:
              inner: { k: v }

            """)
        let pairs = try #require(root.pairs)
        #expect(root.location == loc(1, 1))
        #expect(pairs.map { $0.key.scalarText } == ["a", "list", "nested"])
        #expect(pairs[0].key.location == loc(1, 1))
        #expect(pairs[0].value.location == loc(1, 4))
        #expect(pairs[1].key.location == loc(2, 1))
        let items = try #require(pairs[1].value.items)
        #expect(pairs[1].value.location == loc(3, 3))
        #expect(items.map(\.location) == [loc(3, 5), loc(4, 5)])
        let inner = try #require(pairs[2].value["inner"])
        #expect(pairs[2].value.location == loc(6, 3))
        #expect(inner.location == loc(6, 10))
        #expect(inner["k"]?.location == loc(6, 15))
        #expect(inner.pairs?.first?.key.location == loc(6, 12))
    }

    @Test func scalarStylesAndTags() throws {
        let root = try parse(
            """
            plain: 12
            single: '12'
            double: "12"
            literal: |
              line
            folded: >
              a
              b
            tagged: !!str 12

            """)
        func content(_ k: String) -> YAMLNode.Content? { root[k]?.content }
        #expect(content("plain") == .scalar(text: "12", style: .plain, tag: nil))
        #expect(content("single") == .scalar(text: "12", style: .singleQuoted, tag: nil))
        #expect(content("double") == .scalar(text: "12", style: .doubleQuoted, tag: nil))
        #expect(content("literal") == .scalar(text: "line\n", style: .literal, tag: nil))
        #expect(content("folded") == .scalar(text: "a b\n", style: .folded, tag: nil))
        #expect(content("tagged") == .scalar(text: "12", style: .plain, tag: "tag:yaml.org,2002:str"))
        #expect(root["plain"]?.value == .int(12))
        #expect(root["single"]?.value == .string("12"))
        #expect(root["double"]?.value == .string("12"))
        #expect(root["tagged"]?.value == .string("12"))
    }

    @Test(arguments: [
        ("true", ParamValue.bool(true)), ("False", .bool(false)), ("42", .int(42)), ("-7", .int(-7)),
        ("+3", .int(3)), ("0", .int(0)), ("2.5", .double(2.5)), (".5", .double(0.5)), ("-0.25", .double(-0.25)),
        ("1e3", .double(1000)), ("2.5E-1", .double(0.25)), ("5.", .double(5)), ("null", .null), ("~", .null),
        ("", .null), ("hello", .string("hello")), ("1_000", .string("1_000")), ("1.2.3", .string("1.2.3")),
        ("e3", .string("e3")), ("1e", .string("1e")), ("-", .string("-")), (".", .string(".")),
        ("yes", .string("yes")), ("2024-01-31", .string("2024-01-31")),
    ])
    func plainScalarTyping(text: String, expected: ParamValue) {
        #expect(YAMLNode.resolvePlain(text) == expected)
    }

    @Test func hugeIntegerBecomesDouble() {
        #expect(YAMLNode.resolvePlain("123456789012345678901234") == .double(123456789012345678901234.0))
    }

    @Test func valueConvertsCollectionsInOrder() throws {
        let root = try parse("m: { b: 1, a: [x, 2, null] }\n")
        #expect(
            root["m"]?.value
                == .map([
                    .init(key: "b", value: .int(1)),
                    .init(key: "a", value: .list([.string("x"), .int(2), .null])),
                ]))
    }

    @Test func duplicateKeyReportedAtSecondWithFirstLine() {
        let r = YAMLLoader.load("a: 1\nb: 2\na: 3\n", file: "t.yaml")
        #expect(r.diagnostics.count == 1)
        let d = r.diagnostics[0]
        #expect(d.code == "duplicate-key")
        #expect(d.location == loc(3, 1))
        #expect(d.message == "duplicate key 'a' in this mapping")
        #expect(d.hint == "'a' is first defined at line 1, column 1; remove or rename one of them")
        // The first value is kept; parsing goes on.
        #expect(r.root?["a"]?.value == .int(1))
        #expect(r.root?.pairs?.count == 2)
    }

    @Test func duplicateKeysInNestedMappingsAllReported() {
        let r = YAMLLoader.load("x:\n  k: 1\n  k: 2\ny: { j: 1, j: 2 }\n", file: "t.yaml")
        #expect(r.diagnostics.map(\.location) == [loc(3, 3), loc(4, 12)])
        #expect(r.root != nil)
    }

    @Test func syntaxErrorAtProblemMark() {
        let r = YAMLLoader.load("a: 1\nb: [1, 2\nc: 3\n", file: "t.yaml")
        #expect(r.root == nil)
        let d = r.diagnostics.first
        #expect(r.diagnostics.count == 1)
        #expect(d?.code == "yaml-syntax")
        #expect(
            d?.message
                == "YAML syntax error: did not find expected ',' or ']' (while parsing a flow sequence started at line 2)"
        )
        #expect(d?.location == loc(3, 2))
    }

    @Test func badIndentationIsSyntaxError() {
        let r = YAMLLoader.load("a:\n  b: 1\n c: 2\n", file: "t.yaml")
        #expect(r.root == nil)
        #expect(r.diagnostics.first?.code == "yaml-syntax")
        #expect(r.diagnostics.first?.location == loc(3, 2))
    }

    @Test func tabIndentationSaysItIsATab() {
        let r = YAMLLoader.load("stages:\n\tevents: 1\n", file: "t.yaml")
        #expect(r.diagnostics.first?.code == "yaml-syntax")
        #expect(r.diagnostics.first?.location == loc(2, 1))
        #expect(
            r.diagnostics.first?.hint == "this is a tab: YAML indents with spaces only; replace the tab with spaces")
        let other = YAMLLoader.load("a:\n  b: 1\n c: 2\n", file: "t.yaml")
        #expect(
            other.diagnostics.first?.hint
                == "check the indentation and that `key: value` pairs have a space after the colon")
    }

    @Test(arguments: ["", "\n\n", "# only a comment\n", "---\n"])
    func emptyDocument(text: String) {
        let r = YAMLLoader.load(text, file: "t.yaml")
        #expect(r.root == nil)
        #expect(r.diagnostics.map(\.code) == ["empty-file"])
        #expect(r.diagnostics.first?.message == "the YAML document is empty")
    }

    @Test func multipleDocumentsRejected() {
        let r = YAMLLoader.load("a: 1\n---\nb: 2\n", file: "t.yaml")
        #expect(r.root == nil)
        #expect(r.diagnostics.map(\.code) == ["multiple-documents"])
        #expect(r.diagnostics.first?.location == loc(2, 1))
    }

    @Test func aliasesResolveToAnchoredNode() throws {
        let root = try parse("base: &w { view: 1, cart: 3 }\ncopy: *w\nlist: [&n 5, *n]\n")
        #expect(root["copy"]?.value == root["base"]?.value)
        // The copy keeps the anchored node's location (which starts at its `&w`).
        #expect(root["copy"]?.location == loc(1, 7))
        #expect(root["list"]?.value == .list([.int(5), .int(5)]))
    }

    @Test func unknownAliasIsError() {
        let r = YAMLLoader.load("a: *nope\n", file: "t.yaml")
        #expect(r.root == nil)
        #expect(r.diagnostics.first?.message == "alias '*nope' refers to an anchor that is not defined above it")
        #expect(r.diagnostics.first?.location == loc(1, 4))
    }

    @Test func aliasBombIsCapped() {
        var text = "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n"
        for i in 1...7 {
            text += "a\(i): &a\(i) [" + Array(repeating: "*a\(i - 1)", count: 10).joined(separator: ", ") + "]\n"
        }
        let r = YAMLLoader.load(text, file: "t.yaml")
        #expect(r.root == nil)
        #expect(r.diagnostics.first?.message.contains("more than 1000000 nodes") == true)
    }

    @Test func unicodeColumnsCountCharacters() throws {
        let root = try parse("名前: 値\nx: y\n")
        #expect(root.pairs?.first?.value.location == loc(1, 5))
    }
}
