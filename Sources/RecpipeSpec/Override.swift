import RecpipeCore

/// One `--set KEY=VALUE` from the command line.
///
/// Overrides are located in a pseudo-file named ``file`` whose line N is the N-th override, so
/// diagnostics read `<--set>:2:6: error: …` and ``PipelineLoadResult/sources`` can echo the
/// override with a caret under the offending part.
struct Override: Sendable {
    static let file = "<--set>"

    enum Target: Sendable, Equatable {
        case variable(String)
        case seed
        case asOf
        case engine
        /// `spark.master`, `spark.submit`, `spark.work_dir`, `spark.conf` or `spark.conf.PROPERTY`:
        /// the rest of the key after `spark.`.
        case spark(String)
        case param(stage: String, param: String)
    }

    /// The override as given (`segments.k=12`).
    var text: String
    var target: Target
    /// The parsed value, located at its first character.
    var value: LocatedValue
    /// Where the key starts.
    var location: SourceLocation

    /// Parses every override; malformed ones are reported (`bad-override`) and left out.
    static func parse(_ overrides: [String]) -> (overrides: [Override], diagnostics: [Diagnostic]) {
        var out: [Override] = []
        var diagnostics: [Diagnostic] = []
        for (i, text) in overrides.enumerated() {
            let at = SourceLocation(file: file, line: i + 1, column: 1)
            let forms = "use vars.NAME=VALUE, seed=N, as_of=YYYY-MM-DD, STAGE.PARAM=VALUE or STAGE.PARAM.KEY=VALUE"
            guard let eq = text.firstIndex(of: "="), eq != text.startIndex else {
                diagnostics.append(.error("bad-override", "override '\(text)' is not KEY=VALUE", at: at, hint: forms))
                continue
            }
            let key = String(text[..<eq]).trimmingSpaces
            let raw = String(text[text.index(after: eq)...])
            let valueAt = SourceLocation(
                file: file, line: i + 1, column: text.distance(from: text.startIndex, to: eq) + 2)
            let target: Target
            if key == "seed" {
                target = .seed
            } else if key == "as_of" {
                target = .asOf
            } else if key == "engine" {
                target = .engine
            } else if key.hasPrefix("spark.") && key.count > 6 {
                target = .spark(String(key.dropFirst(6)))
            } else if key.hasPrefix("vars.") && key.count > 5 {
                target = .variable(String(key.dropFirst(5)))
            } else if let dot = key.firstIndex(of: "."), dot != key.startIndex, key.index(after: dot) != key.endIndex,
                key[..<dot] != "vars", key[..<dot] != "spark"
            {
                target = .param(stage: String(key[..<dot]), param: String(key[key.index(after: dot)...]))
            } else {
                let hint =
                    Suggestions.hint(for: key, in: ["seed", "as_of", "engine"]).map { "\($0) (\(forms))" } ?? forms
                diagnostics.append(
                    .error(
                        "bad-override", "override '\(text)' sets '\(key)', which cannot be overridden", at: at,
                        hint: hint))
                continue
            }
            switch parseValue(raw.trimmingSpaces, at: valueAt) {
            case .success(let value):
                out.append(Override(text: text, target: target, value: value, location: at))
            case .failure(let problem):
                diagnostics.append(
                    .error(
                        "bad-override", "cannot parse the value of override '\(text)': \(problem.message)", at: valueAt,
                        hint:
                            "write lists as [a, b] and mappings as {k: v}; quote strings that contain ',', ':' or brackets"
                    ))
            }
        }
        return (out, diagnostics)
    }

    /// A plain scalar typed like YAML (`12` int, `0.5` double, `true`, `null`, text), or a flow
    /// list/mapping when it starts with `[` or `{`.
    private static func parseValue(_ raw: String, at location: SourceLocation) -> Result<LocatedValue, Diagnostic> {
        guard raw.hasPrefix("[") || raw.hasPrefix("{") else {
            return .success(LocatedValue(.scalar(YAMLNode.resolvePlain(raw)), at: location))
        }
        let parsed = YAMLLoader.load(raw, file: file)
        if let first = parsed.diagnostics.first {
            return .failure(first)
        }
        guard let root = parsed.root else {
            return .failure(.error("bad-override", "empty value"))
        }
        return .success(LocatedValue(lifting: root.value, at: location))
    }
}

extension String {
    /// The string without leading and trailing spaces and tabs.
    var trimmingSpaces: String {
        var s = Substring(self)
        while let c = s.first, c == " " || c == "\t" { s = s.dropFirst() }
        while let c = s.last, c == " " || c == "\t" { s = s.dropLast() }
        return String(s)
    }
}
