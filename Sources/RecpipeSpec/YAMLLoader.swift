import CYAML
import RecpipeCore

/// The outcome of parsing one YAML text: the root node (nil when the text could not be parsed or
/// is empty) and the problems found.
public struct YAMLLoadResult: Sendable {
    public var root: YAMLNode?
    public var diagnostics: [Diagnostic]
}

/// Parses YAML text into a ``YAMLNode`` tree with libyaml's event API (`yaml_parser_parse`).
///
/// - Syntax errors become one `yaml-syntax` diagnostic at libyaml's problem mark (made 1-based),
///   with its problem text; the root is then nil.
/// - A stream with no document (or a document that is only `---`/comments) is an `empty-file` error.
/// - A second document is a `multiple-documents` error at its start.
/// - A key written twice in one mapping is a `duplicate-key` error at the second key (the hint names
///   the first one's line); the second pair is dropped and parsing goes on, so the caller can still
///   report everything else.
/// - Aliases (`*name`) are resolved to a copy of the anchored node, which keeps the anchored
///   node's locations. An alias to an unknown anchor is a `yaml-syntax` error. Merge keys (`<<`)
///   are not special: they read as an ordinary key. Expansion is capped at
///   ``maxNodes`` nodes so that nested aliases cannot blow up memory.
///
/// Complexity: O(n) in the text length plus the size of alias expansions.
public enum YAMLLoader {
    /// The most nodes one document may expand to (aliases included).
    public static let maxNodes = 1_000_000

    public static func load(_ text: String, file: String) -> YAMLLoadResult {
        var bytes = Array(text.utf8)
        let parser = UnsafeMutablePointer<yaml_parser_t>.allocate(capacity: 1)
        defer { parser.deallocate() }
        guard yaml_parser_initialize(parser) != 0 else {
            return YAMLLoadResult(root: nil, diagnostics: [
                .error("yaml-syntax", "cannot initialize the YAML parser (out of memory)")
            ])
        }
        defer { yaml_parser_delete(parser) }
        return bytes.withUnsafeMutableBufferPointer { buffer in
            yaml_parser_set_input_string(parser, buffer.baseAddress, buffer.count)
            var builder = TreeBuilder(file: file)
            builder.source = UnsafeBufferPointer(buffer)
            builder.run(parser)
            return YAMLLoadResult(root: builder.root, diagnostics: builder.diagnostics)
        }
    }
}

// MARK: - Tree building

/// Turns the event stream into nodes with an explicit stack of open collections.
private struct TreeBuilder {
    private enum Frame {
        case sequence(items: [YAMLNode], location: SourceLocation, anchor: String?)
        case mapping(
            pairs: [YAMLNode.Pair], pendingKey: YAMLNode?, seen: [String: SourceLocation],
            location: SourceLocation, anchor: String?, skipValue: Bool)
    }

    let file: String
    /// The text being parsed (valid during ``run(_:)``), to look at the character of an error.
    var source: UnsafeBufferPointer<UInt8>?
    var root: YAMLNode?
    var diagnostics: [Diagnostic] = []
    private var stack: [Frame] = []
    private var anchors: [String: (node: YAMLNode, size: Int)] = [:]
    private var nodeCount = 0
    private var documents = 0
    private var failed = false

    init(file: String) { self.file = file }

    private func location(_ mark: yaml_mark_t) -> SourceLocation {
        SourceLocation(file: file, line: Int(mark.line) + 1, column: Int(mark.column) + 1)
    }

    mutating func run(_ parser: UnsafeMutablePointer<yaml_parser_t>) {
        var event = yaml_event_t()
        while !failed {
            guard yaml_parser_parse(parser, &event) != 0 else {
                syntaxError(parser.pointee)
                return
            }
            let done = event.type == YAML_STREAM_END_EVENT
            handle(event)
            yaml_event_delete(&event)
            if done { break }
        }
        if !failed, documents == 0 || root.map(isEmptyDocument) == true {
            root = nil
            diagnostics.append(.error(
                "empty-file", "the YAML document is empty",
                at: SourceLocation(file: file, line: 1, column: 1),
                hint: "write a mapping such as `pipeline: NAME` followed by `stages:`"))
        }
    }

    private func isEmptyDocument(_ node: YAMLNode) -> Bool {
        if case .scalar("", .plain, nil) = node.content { true } else { false }
    }

    private mutating func syntaxError(_ p: yaml_parser_t) {
        failed = true
        root = nil
        var message = p.problem.map { String(cString: $0) } ?? "invalid YAML"
        if let context = p.context.map({ String(cString: $0) }) {
            message += " (\(context) started at line \(Int(p.context_mark.line) + 1))"
        }
        let index = Int(p.problem_mark.index)
        let isTab = source.map { index < $0.count && $0[index] == UInt8(ascii: "\t") } ?? false
        diagnostics.append(.error(
            "yaml-syntax", "YAML syntax error: \(message)", at: location(p.problem_mark),
            hint: isTab
                ? "this is a tab: YAML indents with spaces only; replace the tab with spaces"
                : "check the indentation and that `key: value` pairs have a space after the colon"))
    }

    private mutating func handle(_ event: yaml_event_t) {
        let at = location(event.start_mark)
        switch event.type {
        case YAML_DOCUMENT_START_EVENT:
            documents += 1
            if documents > 1 {
                failed = true
                root = nil
                diagnostics.append(.error(
                    "multiple-documents", "found a second YAML document; a pipeline file holds exactly one",
                    at: at, hint: "remove the `---` line and merge the documents"))
            }
        case YAML_SCALAR_EVENT:
            let s = event.data.scalar
            let text = String(decoding: UnsafeBufferPointer(start: s.value, count: Int(s.length)), as: UTF8.self)
            let node = YAMLNode(.scalar(text: text, style: style(s.style), tag: s.tag.map { String(cString: $0) }), at: at)
            complete(node, anchor: s.anchor.map { String(cString: $0) }, size: 1)
        case YAML_SEQUENCE_START_EVENT:
            stack.append(.sequence(items: [], location: at, anchor: event.data.sequence_start.anchor.map { String(cString: $0) }))
        case YAML_MAPPING_START_EVENT:
            stack.append(.mapping(
                pairs: [], pendingKey: nil, seen: [:], location: at,
                anchor: event.data.mapping_start.anchor.map { String(cString: $0) }, skipValue: false))
        case YAML_SEQUENCE_END_EVENT, YAML_MAPPING_END_EVENT:
            guard let frame = stack.popLast() else { return }
            switch frame {
            case .sequence(let items, let loc, let anchor):
                complete(YAMLNode(.sequence(items), at: loc), anchor: anchor, size: 1)
            case .mapping(let pairs, _, _, let loc, let anchor, _):
                complete(YAMLNode(.mapping(pairs), at: loc), anchor: anchor, size: 1)
            }
        case YAML_ALIAS_EVENT:
            let name = String(cString: event.data.alias.anchor)
            guard let target = anchors[name] else {
                failed = true
                root = nil
                diagnostics.append(.error(
                    "yaml-syntax", "alias '*\(name)' refers to an anchor that is not defined above it",
                    at: at, hint: "define it first with `&\(name)` on the value to reuse"))
                return
            }
            complete(target.node, anchor: nil, size: target.size)
        default:
            break
        }
    }

    private func style(_ s: yaml_scalar_style_t) -> YAMLNode.ScalarStyle {
        switch s {
        case YAML_SINGLE_QUOTED_SCALAR_STYLE: .singleQuoted
        case YAML_DOUBLE_QUOTED_SCALAR_STYLE: .doubleQuoted
        case YAML_LITERAL_SCALAR_STYLE: .literal
        case YAML_FOLDED_SCALAR_STYLE: .folded
        default: .plain
        }
    }

    /// Attaches a finished node to its parent (or makes it the root).
    private mutating func complete(_ node: YAMLNode, anchor: String?, size: Int) {
        nodeCount += size
        if nodeCount > YAMLLoader.maxNodes {
            failed = true
            root = nil
            diagnostics.append(.error(
                "yaml-syntax", "the document expands to more than \(YAMLLoader.maxNodes) nodes (through aliases)",
                at: node.location, hint: "reduce the use of `*alias` references"))
            return
        }
        if let anchor { anchors[anchor] = (node, nodeSize(node)) }
        guard let top = stack.popLast() else {
            root = node
            return
        }
        switch top {
        case .sequence(var items, let loc, let a):
            items.append(node)
            stack.append(.sequence(items: items, location: loc, anchor: a))
        case .mapping(var pairs, let pending, var seen, let loc, let a, let skip):
            if let key = pending {
                if !skip { pairs.append(YAMLNode.Pair(key: key, value: node)) }
                stack.append(.mapping(pairs: pairs, pendingKey: nil, seen: seen, location: loc, anchor: a, skipValue: false))
            } else {
                var duplicate = false
                if let text = node.scalarText {
                    if let first = seen[text] {
                        duplicate = true
                        diagnostics.append(.error(
                            "duplicate-key", "duplicate key '\(text)' in this mapping", at: node.location,
                            hint: "'\(text)' is first defined at line \(first.line), column \(first.column); remove or rename one of them"))
                    } else {
                        seen[text] = node.location
                    }
                }
                stack.append(.mapping(pairs: pairs, pendingKey: node, seen: seen, location: loc, anchor: a, skipValue: duplicate))
            }
        }
    }

    private func nodeSize(_ node: YAMLNode) -> Int {
        switch node.content {
        case .scalar: 1
        case .sequence(let items): items.reduce(1) { $0 + nodeSize($1) }
        case .mapping(let pairs): pairs.reduce(1) { $0 + nodeSize($1.key) + nodeSize($1.value) }
        }
    }
}
