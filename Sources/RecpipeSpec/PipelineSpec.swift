import Foundation
import RecpipeCore

/// A decoded, validated pipeline file.
package struct PipelineSpec: Sendable {
    package var name: String
    /// The pipeline file's path as the user gave it (used in diagnostics).
    package var file: String
    /// Directory that relative paths in the pipeline are resolved against (the file's directory).
    package var baseDirectory: String
    /// `vars:` after `--set vars.x=…` overrides.
    package var vars: [ParamValue.Entry]
    /// Run-wide settings: `seed:` (default 42) for every random choice, `as_of:` (ISO date, default
    /// today) for every date-relative computation, so re-runs are reproducible.
    package var seed: Int
    package var asOf: String?
    /// `as_of: today`: `asOf` is the date the pipeline was loaded (UTC).
    package var asOfToday = false
    /// Stages in file order.
    package var stages: [StageSpec]
    /// `engine:`: the default engine of stages that declare an `engine` parameter.
    package var engine: StageEngine = .native
    /// `spark:`: where stages on the Spark engine run.
    package var spark = SparkSettings()
    /// The experiment this run is (`--experiment NAME`, or `--set` without `--production`), set by
    /// the runner when it moves the output paths under `experiments/NAME/`; nil in a production
    /// run. A stage that writes where no path can move (a PostgreSQL server) checks it.
    package var experiment: String?

    package init(
        name: String, file: String, baseDirectory: String, vars: [ParamValue.Entry] = [],
        seed: Int = 42, asOf: String? = nil, stages: [StageSpec]
    ) {
        self.name = name
        self.file = file
        self.baseDirectory = baseDirectory
        self.vars = vars
        self.seed = seed
        self.asOf = asOf
        self.stages = stages
    }

    package func stage(_ name: String) -> StageSpec? { stages.first { $0.name == name } }

    /// Today's date in UTC, `YYYY-MM-DD`: what `as_of: today` (or no `as_of`, in a run) means.
    package static func today(_ now: Date = Date()) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let c = calendar.dateComponents([.year, .month, .day], from: now)
        func two(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }
        return "\(c.year!)-\(two(c.month!))-\(two(c.day!))"
    }
}

/// One stage of a pipeline, with its parameters resolved (interpolated, overridden, defaulted).
package struct StageSpec: Sendable {
    package var name: String
    package var kind: String
    /// Where the stage's name is written (its key under `stages:`).
    package var location: SourceLocation
    /// Port name → upstream stage names, in the order written.
    package var inputs: [String: [String]]
    /// Order-only dependencies (`after: [x]`): run after, but receive nothing.
    package var after: [String]
    /// Every declared parameter that has a value (given or default), by name.
    package var params: [String: ParamValue]
    /// Where each parameter the user wrote is (value position), for later runtime errors.
    package var paramLocations: [String: SourceLocation]
    /// For a stage the pipeline derived (an `evaluate` stage's refit of a production model on its
    /// split, named `quality.als`): the production stage it copies. Nil for stages in the file.
    package var derivedFrom: String?

    package init(
        name: String, kind: String, location: SourceLocation, inputs: [String: [String]] = [:],
        after: [String] = [], params: [String: ParamValue] = [:],
        paramLocations: [String: SourceLocation] = [:]
    ) {
        self.name = name
        self.kind = kind
        self.location = location
        self.inputs = inputs
        self.after = after
        self.params = params
        self.paramLocations = paramLocations
    }

    /// The name a consumer sees this stage's output under: the production stage's name for a
    /// derived refit (so `blend: { als: … }` and the metrics rows read `als`), else its own.
    package var displayName: String { derivedFrom ?? name }

    /// All upstream stages: data inputs then order-only ones, each once.
    package var dependencies: [String] {
        var seen = Set<String>()
        var out: [String] = []
        for name in inputs.keys.sorted().flatMap({ inputs[$0]! }) + after where seen.insert(name).inserted {
            out.append(name)
        }
        return out
    }
}
