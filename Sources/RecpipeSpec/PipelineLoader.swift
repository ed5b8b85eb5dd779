import Foundation
import RecpipeCore

/// The outcome of loading a pipeline file: the validated spec, or every problem found.
package struct PipelineLoadResult: Sendable {
    /// The decoded pipeline; nil iff `diagnostics` holds an error.
    package var spec: PipelineSpec?
    /// Every problem found, sorted by location (problems without one last).
    package var diagnostics: [Diagnostic]
    /// The pipeline file's text (empty when it could not be read).
    package var source: String
    /// The file name used in diagnostics.
    package var file: String
    /// The `--set` overrides as given.
    package var overrides: [String]
    /// The pipeline as decoded even when `diagnostics` holds errors (its stages may be
    /// incomplete), for tools that look at one part of it such as `recpipe rules check --pipeline`.
    package var decoded: PipelineSpec? = nil

    /// File name → text for ``DiagnosticRenderer``: the pipeline file and the `<--set>`
    /// pseudo-file (one override per line), so every diagnostic can echo its line and a caret.
    package var sources: [String: String] {
        var s = [file: source]
        if !overrides.isEmpty { s[Override.file] = overrides.joined(separator: "\n") }
        return s
    }

    package var errors: [Diagnostic] { diagnostics.filter { $0.severity == .error } }
    package var hasErrors: Bool { diagnostics.contains { $0.severity == .error } }

    /// All diagnostics rendered for a terminal (one-line form, source line, caret, hint).
    package func rendered() -> String {
        DiagnosticRenderer(sources: sources).render(diagnostics)
    }
}

/// Loads a pipeline YAML file into a validated ``PipelineSpec``, reporting every problem at once.
///
/// Steps: parse YAML (``YAMLLoader``), decode the top level (`pipeline`, `vars`, `seed`, `as_of`,
/// `stages`), apply `--set` overrides, expand `${vars.NAME}`, check each stage's kind, ports and
/// parameters against the ``StageCatalog``, fill defaults, check the graph (unknown references,
/// self-inputs, cycles, artifact kinds on every edge), then run each cleanly decoded stage's own
/// `check`.
///
/// Overrides (`KEY=VALUE`): `vars.NAME=V` (the var must exist), `seed=N`, `as_of=YYYY-MM-DD`,
/// `STAGE.PARAM=V` (stage and parameter must exist), `STAGE.PARAM.KEY=V` (one key of a mapping
/// parameter, nesting allowed). `V` is typed like a YAML plain scalar, or
/// parsed as a flow list/mapping when it starts with `[`/`{`. Override problems are located in the
/// `<--set>` pseudo-file: line N is the N-th override.
package enum PipelineLoader {
    package static func load(path: String, overrides: [String] = [], catalog: StageCatalog) -> PipelineLoadResult {
        let text: String
        do {
            let data = try Data(contentsOf: URL(fileURLWithPath: path))
            guard let decoded = String(validating: data, as: UTF8.self) else {
                // Echo the lines with U+FFFD where the bad bytes are, and say where each one is.
                return PipelineLoadResult(
                    spec: nil, diagnostics: invalidUTF8(Array(data), file: path),
                    source: String(decoding: data, as: UTF8.self), file: path, overrides: overrides)
            }
            text = decoded
        } catch {
            let exists = FileManager.default.fileExists(atPath: path)
            return failure(
                path, overrides,
                .error(
                    "io-error",
                    exists
                        ? "cannot read pipeline file '\(path)': \(error.localizedDescription)"
                        : "pipeline file '\(path)' does not exist",
                    hint: exists
                        ? "check the file's permissions" : "check the path, or run from the directory that holds it"))
        }
        let directory = (path as NSString).deletingLastPathComponent
        return load(
            text: text, file: path, baseDirectory: directory.isEmpty ? "." : directory,
            overrides: overrides, catalog: catalog)
    }

    package static func load(
        text: String, file: String, baseDirectory: String, overrides: [String] = [], catalog: StageCatalog
    ) -> PipelineLoadResult {
        var diagnostics: [Diagnostic] = []
        var spec: PipelineSpec?
        let yaml = YAMLLoader.load(text, file: file)
        diagnostics += yaml.diagnostics
        if let root = yaml.root {
            var decoder = PipelineDecoder(file: file, baseDirectory: baseDirectory, catalog: catalog)
            decoder.diagnostics = diagnostics
            spec = decoder.decode(root, overrides: overrides)
            diagnostics = decoder.diagnostics
        } else if yaml.diagnostics.contains(where: { $0.code == "empty-file" }) {
            diagnostics = diagnostics.map { d in
                guard d.code == "empty-file" else { return d }
                var d = d
                d.message = "pipeline file '\(file)' is empty"
                d.hint = "a pipeline needs at least `pipeline: NAME` and a `stages:` mapping"
                return d
            }
        }
        diagnostics = sorted(diagnostics)
        let failed = diagnostics.contains { $0.severity == .error }
        return PipelineLoadResult(
            spec: failed ? nil : spec, diagnostics: diagnostics, source: text, file: file, overrides: overrides,
            decoded: spec)
    }

    // MARK: - Helpers

    /// One `invalid-utf8` error per line that holds bytes that are not UTF-8 (at the first such
    /// byte, column counted in characters as the renderer does), at most `limit` of them.
    static func invalidUTF8(_ bytes: [UInt8], file: String, limit: Int = 10) -> [Diagnostic] {
        var found: [Diagnostic] = []
        var more = 0
        var line = 1
        var column = 1
        var lastLine = 0
        var parser = Unicode.UTF8.ForwardParser()
        var input = bytes.makeIterator()
        var offset = 0
        while true {
            switch parser.parseScalar(from: &input) {
            case .valid(let encoded):
                offset += encoded.count
                if encoded.count == 1 && encoded.first == UInt8(ascii: "\n") {
                    line += 1
                    column = 1
                } else if !(encoded.count == 1 && encoded.first == UInt8(ascii: "\r")) {
                    column += 1
                }
            case .error(let length):
                if line != lastLine {
                    lastLine = line
                    if found.count < limit {
                        let shown = bytes[offset..<offset + length].map {
                            "0x" + String($0, radix: 16, uppercase: true)
                        }
                        found.append(
                            .error(
                                "invalid-utf8",
                                "pipeline file is not valid UTF-8: byte\(length > 1 ? "s" : "") \(shown.joined(separator: " ")) here",
                                at: SourceLocation(file: file, line: line, column: column),
                                hint:
                                    "save the file as UTF-8 (it may be Latin-1, Windows-1252 or UTF-16); the bad bytes show as \u{FFFD}"
                            ))
                    } else {
                        more += 1
                    }
                }
                offset += length
                column += 1
            case .emptyInput:
                if more > 0 {
                    found.append(
                        .error(
                            "invalid-utf8",
                            "\(more) more line\(more == 1 ? "" : "s") of '\(file)' hold bytes that are not UTF-8",
                            hint: "save the file as UTF-8"))
                }
                return found
            }
        }
    }

    private static func failure(_ file: String, _ overrides: [String], _ d: Diagnostic) -> PipelineLoadResult {
        PipelineLoadResult(spec: nil, diagnostics: [d], source: "", file: file, overrides: overrides)
    }

    /// Stable sort by location: the pipeline file's diagnostics first, then the `<--set>` ones,
    /// then those without a location, each group in source order.
    static func sorted(_ diagnostics: [Diagnostic]) -> [Diagnostic] {
        func group(_ d: Diagnostic) -> Int {
            guard let loc = d.location else { return 2 }
            return loc.file == Override.file ? 1 : 0
        }
        return diagnostics.enumerated().sorted { a, b in
            let (ga, gb) = (group(a.element), group(b.element))
            if ga != gb { return ga < gb }
            if let x = a.element.location, let y = b.element.location, x != y { return x < y }
            return a.offset < b.offset
        }.map(\.element)
    }
}
