import CYAML
import RecpipeCore

/// The outcome of parsing one YAML text: the root node (nil when the text could not be parsed or
/// is empty) and the problems found.
package struct YAMLLoadResult: Sendable {
    package var root: YAMLNode?
    package var diagnostics: [Diagnostic]
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
/// - Lists and mappings nested more than ``maxDepth`` levels are a `yaml-too-deep` error at the
///   collection that goes too deep, so the tree can be walked recursively without overflowing.
///
/// Complexity: O(n) in the text length plus the size of alias expansions (a mapping of n keys
/// is O(n): duplicate keys are found with a hash table, collections grow in place).
package enum YAMLLoader {
    /// The most nodes one document may expand to (aliases included).
    package static let maxNodes = 1_000_000
    /// The deepest nesting of lists and mappings a document may have (a pipeline needs about six).
    package static let maxDepth = 256

    package static func load(_ text: String, file: String) -> YAMLLoadResult {
        var bytes = Array(text.utf8)
        let parser = UnsafeMutablePointer<yaml_parser_t>.allocate(capacity: 1)
        defer { parser.deallocate() }
        guard yaml_parser_initialize(parser) != 0 else {
            return YAMLLoadResult(
                root: nil,
                diagnostics: [
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
///
/// Each open collection is mutated in place at the top of the stack (never copied out and back),
/// so a mapping or list of n entries costs O(n), and nesting is bounded by ``YAMLLoader/maxDepth``
/// so that no later recursive walk over the tree (interpolation, typing, hashing) can overflow the
/// stack.
private struct TreeBuilder {
    private struct Frame {
        var isMapping: Bool
        var items: [YAMLNode] = []
        var pairs: [YAMLNode.Pair] = []
        var pendingKey: YAMLNode?
        var seen: [String: SourceLocation] = [:]
        var location: SourceLocation
        var anchor: String?
        var skipValue = false
        /// Nodes in the collection so far, itself included (for alias expansion limits).
        var size = 1
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
            diagnostics.append(
                .error(
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
        diagnostics.append(
            .error(
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
                diagnostics.append(
                    .error(
                        "multiple-documents", "found a second YAML document; a pipeline file holds exactly one",
                        at: at, hint: "remove the `---` line and merge the documents"))
            }
        case YAML_SCALAR_EVENT:
            let s = event.data.scalar
            let text = String(decoding: UnsafeBufferPointer(start: s.value, count: Int(s.length)), as: UTF8.self)
            let node = YAMLNode(
                .scalar(text: text, style: style(s.style), tag: s.tag.map { String(cString: $0) }), at: at)
            complete(node, anchor: s.anchor.map { String(cString: $0) }, size: 1)
        case YAML_SEQUENCE_START_EVENT:
            open(
                Frame(
                    isMapping: false, location: at, anchor: event.data.sequence_start.anchor.map { String(cString: $0) }
                ))
        case YAML_MAPPING_START_EVENT:
            open(
                Frame(
                    isMapping: true, location: at, anchor: event.data.mapping_start.anchor.map { String(cString: $0) }))
        case YAML_SEQUENCE_END_EVENT, YAML_MAPPING_END_EVENT:
            guard let frame = stack.popLast() else { return }
            let content: YAMLNode.Content = frame.isMapping ? .mapping(frame.pairs) : .sequence(frame.items)
            // Its nodes were counted as they came (the collection itself when it was opened).
            complete(YAMLNode(content, at: frame.location), anchor: frame.anchor, size: frame.size, newNodes: 0)
        case YAML_ALIAS_EVENT:
            let name = String(cString: event.data.alias.anchor)
            guard let target = anchors[name] else {
                failed = true
                root = nil
                diagnostics.append(
                    .error(
                        "yaml-syntax", "alias '*\(name)' refers to an anchor that is not defined above it",
                        at: at, hint: "define it first with `&\(name)` on the value to reuse"))
                return
            }
            complete(target.node, anchor: nil, size: target.size, at: at)
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

    /// Opens a collection, or fails with a located `yaml-too-deep` error past ``YAMLLoader/maxDepth``.
    private mutating func open(_ frame: Frame) {
        guard stack.count < YAMLLoader.maxDepth else {
            failed = true
            root = nil
            diagnostics.append(
                .error(
                    "yaml-too-deep", "lists and mappings are nested more than \(YAMLLoader.maxDepth) levels deep here",
                    at: frame.location,
                    hint: "a pipeline needs a few levels; check for unbalanced `[` or `{`"))
            return
        }
        nodeCount += 1
        stack.append(frame)
    }

    /// Attaches a finished node of `size` nodes to its parent (or makes it the root); `newNodes`
    /// of them were not counted yet (all of them for a scalar or an alias).
    /// `at` is where it was written when that is not its own location (an alias).
    private mutating func complete(
        _ node: YAMLNode, anchor: String?, size: Int, newNodes: Int? = nil, at: SourceLocation? = nil
    ) {
        nodeCount += newNodes ?? size
        if nodeCount > YAMLLoader.maxNodes {
            failed = true
            root = nil
            diagnostics.append(
                .error(
                    "yaml-syntax", "the document expands to more than \(YAMLLoader.maxNodes) nodes (through aliases)",
                    at: at ?? node.location, hint: "reduce the use of `*alias` references"))
            return
        }
        if let anchor { anchors[anchor] = (node, size) }
        let top = stack.count - 1
        guard top >= 0 else {
            root = node
            return
        }
        stack[top].size += size
        guard stack[top].isMapping else {
            stack[top].items.append(node)
            return
        }
        if let key = stack[top].pendingKey {
            if !stack[top].skipValue { stack[top].pairs.append(YAMLNode.Pair(key: key, value: node)) }
            stack[top].pendingKey = nil
            stack[top].skipValue = false
            return
        }
        if let text = node.scalarText {
            if let first = stack[top].seen[text] {
                stack[top].skipValue = true
                diagnostics.append(
                    .error(
                        "duplicate-key", "duplicate key '\(text)' in this mapping", at: node.location,
                        hint:
                            "'\(text)' is first defined at line \(first.line), column \(first.column); remove or rename one of them"
                    ))
            } else {
                stack[top].seen[text] = node.location
            }
        }
        stack[top].pendingKey = node
    }
}
