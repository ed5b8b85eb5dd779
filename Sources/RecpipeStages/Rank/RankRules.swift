import RecpipeCore
import RecpipeScripting

/// The rules of the `filters` and `promotions` scripts, split by kind and by whether their
/// `from`/`to` window contains the run's as-of date.
///
/// Conflict order (documented in the stage): filters (YAML shorthands, then Lua filters in file
/// order) run before everything else, and an item a filter removes is never pinned; then at most
/// one promotion applies per item — the matching one with the highest `priority`, ties in file
/// order; bury rules move items after all unburied ones; the category cap picks the top-N; pins
/// then take their positions (earlier pin rules first, a taken position moves to the next free one).
struct RankRules: Sendable {
    /// Every registered rule; indices match every runtime that loaded the same scripts.
    var all: [RegisteredRule] = []
    var filters: [Int] = []
    /// Active promotions, priority desc then file order.
    var promotions: [Int] = []
    var pins: [Int] = []
    var buries: [Int] = []
    /// The `score` plugin re-scoring every candidate (a script registers at most one plugin).
    var scorer: Int?
    /// Rules whose window does not contain `asOf`.
    var inactive: [RegisteredRule] = []

    init() {}

    init(_ rules: [RegisteredRule], asOf: String) {
        all = rules
        for (i, r) in rules.enumerated() {
            if r.kind != .filter && r.kind != .tag && r.kind != .nameSegment && !r.kind.isPlugin
                && !r.isActive(on: asOf)
            {
                inactive.append(r)
                continue
            }
            switch r.kind {
            case .filter: filters.append(i)
            case .promote: promotions.append(i)
            case .pin: pins.append(i)
            case .bury: buries.append(i)
            case .score: scorer = scorer ?? i
            case .tag, .nameSegment, .map, .aggregate, .candidates: break
            }
        }
        promotions.sort { a, b in
            let pa = rules[a].priority ?? 0, pb = rules[b].priority ?? 0
            return pa > pb || (pa == pb && a < b)
        }
    }

    /// `promote 'x' (2026-01-01…2026-01-31) is inactive on 2026-11-01`.
    static func inactiveText(_ r: RegisteredRule, asOf: String) -> String {
        "\(r.kind.rawValue) '\(r.name)' (\(r.file):\(r.line)) is inactive on \(asOf): its window is \(r.from ?? "…") to \(r.to ?? "…")"
    }

    /// Validate-time check of a rules script: syntax and registration errors (unknown fields,
    /// boost ≤ 0, `from` after `to`) as diagnostics at the script's file and line.
    static func check(path: String, asOf: String, param: String) -> [Diagnostic] {
        let result = RuleChecker.check(file: path, context: .init(asOf: asOf))
        var out = result.errors.map(\.diagnostic)
        if result.isValid {
            for r in result.rules where r.kind.isPlugin && r.kind != .score {
                out.append(pluginDiagnostic(r, param: param))
            }
            for r in result.rules where r.kind == .tag || r.kind == .nameSegment {
                out.append(
                    Diagnostic(
                        .warning, code: "lua-registration",
                        "\(param): a \(r.kind.rawValue) rule ('\(r.name)') has no effect in a rank stage",
                        at: SourceLocation(file: r.file, line: r.line, column: 1),
                        hint: "rank uses filter, promote, pin and bury rules; "
                            + (r.kind == .tag
                                ? "tag rules belong in a tag stage"
                                : "name_segment rules belong in a cluster stage's names_script")))
            }
        }
        return out
    }

    /// A plugin registered in a rank script: plugins run in `lua` stages.
    static func pluginDiagnostic(_ r: RegisteredRule, param: String) -> Diagnostic {
        .error(
            "lua-registration",
            "\(param): \(r.kind.rawValue) '\(r.name)' is a plugin; rank runs filter, promote, pin and bury rules and a score plugin",
            at: SourceLocation(file: r.file, line: r.line, column: 1),
            hint: "run map, aggregate and candidates plugins in a `lua` stage (uses: lua)")
    }

    /// Validate-time check for a rank stage without a `purchased` input: every `u:purchased(…)`
    /// call in the script (code, not comments or strings) is an error at its line, the same
    /// reason the call would raise at run time.
    static func checkPurchasedCalls(path: String, param: String, stage: String) -> [Diagnostic] {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return [] }
        return RuleSourceScan.methodCallLines("purchased", in: text).map { line -> Diagnostic in
            .error(
                "missing-input", "\(param): \(RankUserSource.purchasedUnavailable)",
                at: SourceLocation(file: path, line: line, column: 1),
                hint: "add `purchased: <stage>` to the inputs of '\(stage)', or remove the u:purchased call")
        }
    }
}

/// Number formatting for provenance texts, without Foundation's slow `String(format:)`.
enum RankFormat {
    /// Two decimals: `0.7` → `0.70`, `1.005` → `1.01` (rounded half away from zero).
    static func score(_ x: Float) -> String {
        guard x.isFinite else { return String(describing: x) }
        let neg = x < 0
        let cents = Int((Double(abs(x)) * 100).rounded())
        let frac = cents % 100
        return (neg && cents > 0 ? "-" : "") + "\(cents / 100)." + (frac < 10 ? "0" : "") + "\(frac)"
    }

    /// Appends `score(x)`'s UTF-8 bytes to `bytes` without creating strings (finite `x`).
    static func appendScore(_ x: Float, to bytes: inout [UInt8]) {
        guard x.isFinite else {
            bytes.append(contentsOf: score(x).utf8)
            return
        }
        let cents = Int((Double(abs(x)) * 100).rounded())
        if x < 0 && cents > 0 { bytes.append(UInt8(ascii: "-")) }
        var whole = cents / 100
        let start = bytes.count
        repeat {
            bytes.append(UInt8(ascii: "0") + UInt8(whole % 10))
            whole /= 10
        } while whole > 0
        bytes[start...].reverse()
        let frac = cents % 100
        bytes.append(UInt8(ascii: "."))
        bytes.append(UInt8(ascii: "0") + UInt8(frac / 10))
        bytes.append(UInt8(ascii: "0") + UInt8(frac % 10))
    }

    /// A boost: `1.3`, `2`, `0.85` (up to two decimals, no trailing zeros).
    static func boost(_ x: Float) -> String {
        var s = score(x)
        while s.last == "0" { s.removeLast() }
        if s.last == "." { s.removeLast() }
        return s
    }
}
