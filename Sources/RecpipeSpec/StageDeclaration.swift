import RecpipeCore

/// The type a parameter must have. Drives validation, defaults and `recpipe stages`.
package indirect enum ParamType: Sendable, Hashable, CustomStringConvertible {
    case int
    case float
    case bool
    case string
    /// A file or directory the stage reads, relative to the pipeline file; its *content* is part of
    /// the stage's fingerprint, so editing the file re-runs the stage.
    case path
    /// A file or directory the stage writes, relative to the pipeline file. Not fingerprinted.
    case outputPath
    /// One of a fixed set of strings.
    case choice([String])
    case list(ParamType)
    /// A mapping with string keys chosen by the user (e.g. `weights: {view: 1, cart: 3}`).
    case map(ParamType)
    /// Either of two types (e.g. `k: 8` or `k: auto` is `.oneOf([.int, .choice(["auto"])])`).
    case oneOf([ParamType])
    /// Any YAML value; the stage's own `check` validates it further.
    case any

    package var description: String {
        switch self {
        case .int: "int"
        case .float: "float"
        case .bool: "bool"
        case .string: "string"
        case .path: "path"
        case .outputPath: "output path"
        case .choice(let c): c.joined(separator: "|")
        case .list(let t): "[\(t)]"
        case .map(let t): "{name: \(t)}"
        case .oneOf(let ts): ts.map(\.description).joined(separator: " or ")
        case .any: "any"
        }
    }
}

/// One parameter of a stage kind: name, type, default, allowed range, one-line doc.
package struct ParamSpec: Sendable {
    package var name: String
    package var type: ParamType
    /// The value used when the YAML omits the parameter. `nil` with `required == false` means
    /// "absent unless given".
    package var defaultValue: ParamValue?
    package var required: Bool
    /// Inclusive numeric bounds, checked for `int` and `float` (and their lists/maps).
    package var range: ClosedRange<Double>?
    package var doc: String
    /// Whether `null` is a value ("none"), kept instead of the default.
    package var nullable: Bool

    package init(
        _ name: String, _ type: ParamType, default defaultValue: ParamValue? = nil,
        required: Bool = false, range: ClosedRange<Double>? = nil, nullable: Bool = false, doc: String
    ) {
        self.nullable = nullable
        self.name = name
        self.type = type
        self.defaultValue = defaultValue
        self.required = required
        self.range = range
        self.doc = doc
    }
}

/// One input port of a stage kind.
package struct PortSpec: Sendable {
    package var name: String
    /// Artifact kinds this port accepts.
    package var accepts: [ArtifactKind]
    package var required: Bool
    /// Whether the port takes a list of stages (`candidates: [als, itemcf]`).
    package var multiple: Bool
    package var doc: String
    /// For a port of models to evaluate: the port holding the split they are scored on. A model
    /// on this port that was not trained on that split is refitted on it: the pipeline derives a
    /// copy of the model (and of the stages between the split's input and it) fed by the split
    /// (``PipelineSpec/deriveRefits(catalog:)``).
    package var refitOn: String?

    package init(
        _ name: String, accepts: [ArtifactKind], required: Bool = true, multiple: Bool = false,
        refitOn: String? = nil, doc: String
    ) {
        self.refitOn = refitOn
        self.name = name
        self.accepts = accepts
        self.required = required
        self.multiple = multiple
        self.doc = doc
    }
}

/// Everything recpipe knows about a stage kind before running it — the single place that drives
/// validation, defaults, `recpipe stages` and fingerprints (through `version`).
package struct StageDeclaration: Sendable {
    package var kind: String
    package var summary: String
    /// Bump when the stage's code changes its output: cached artifacts of older versions re-run.
    package var version: Int
    /// Input ports. `input: x` in YAML binds to the first port.
    package var inputs: [PortSpec]
    package var params: [ParamSpec]
    /// The artifact kind produced, as a function of the resolved parameters
    /// (`encode` makes `interactions` or `features` depending on `target`).
    package var output: @Sendable ([String: ParamValue]) -> ArtifactKind
    /// Extra checks of resolved parameters beyond their declared types (cross-parameter rules,
    /// script syntax). Locations come from `StageSpec.paramLocations`.
    package var check: @Sendable (StageSpec, PipelineSpec) -> [Diagnostic]
    /// Other names users reach for (`kmeans` for `cluster`): an unknown `uses:` that is an alias
    /// is answered with this kind.
    package var aliases: [String]

    package init(
        kind: String, summary: String, version: Int = 1, aliases: [String] = [], inputs: [PortSpec] = [],
        params: [ParamSpec] = [], output: ArtifactKind,
        check: @escaping @Sendable (StageSpec, PipelineSpec) -> [Diagnostic] = { _, _ in [] }
    ) {
        self.init(
            kind: kind, summary: summary, version: version, aliases: aliases, inputs: inputs, params: params,
            outputFor: { _ in output }, check: check)
    }

    package init(
        kind: String, summary: String, version: Int = 1, aliases: [String] = [], inputs: [PortSpec] = [],
        params: [ParamSpec] = [], outputFor: @escaping @Sendable ([String: ParamValue]) -> ArtifactKind,
        check: @escaping @Sendable (StageSpec, PipelineSpec) -> [Diagnostic] = { _, _ in [] }
    ) {
        self.kind = kind
        self.aliases = aliases
        self.summary = summary
        self.version = version
        self.inputs = inputs
        self.params = params
        self.output = outputFor
        self.check = check
    }

    package func param(_ name: String) -> ParamSpec? { params.first { $0.name == name } }
}
