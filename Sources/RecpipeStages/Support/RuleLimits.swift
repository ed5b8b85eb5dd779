import RecpipeScripting
import RecpipeSpec

/// The Lua limits of a stage that runs Lua per entity (`tag`, `rank`, `lua`, and the online
/// `serve` copies): declared once here, read once here.
enum RuleLimits {
    /// `instruction_budget` and `memory_limit_mb` for the declaration of every stage that runs
    /// rules (`call`: what one call is, for the doc line).
    static func params(call: String = "rule") -> [ParamSpec] {
        [
            ParamSpec(
                "instruction_budget", .int, default: .int(1_000_000), range: 1000...1e12,
                doc: "Lua instructions per \(call) call"),
            ParamSpec(
                "memory_limit_mb", .int, default: .int(64), range: 1...65536, doc: "Lua memory per worker state, MiB"),
        ]
    }

    /// The limits a stage's resolved parameters set.
    static func limits(_ params: StageParameters) -> LuaRuntime.Limits {
        LuaRuntime.Limits(
            instructionBudget: params.int("instruction_budget"), memoryLimit: params.int("memory_limit_mb") << 20)
    }
}
