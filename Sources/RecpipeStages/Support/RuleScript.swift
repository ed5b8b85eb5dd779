/// A Lua rules or plugin script as a stage loads it (`tag`, `rank`'s scorers, `lua`, serve's
/// tagger): its text, the chunk name errors are located in, and where it sits in the YAML when
/// it is written `inline` (so a Lua line maps back to the pipeline file's line and column).
struct RuleScript: Sendable {
    var text: String
    var chunkName: String
    var lineOffset: Int
    /// Columns before the script's text on each of its lines in the YAML (inline scripts).
    var columnOffset = 0
}
