import ArgumentParser
import Foundation
import RecpipeCore
import RecpipeScripting
import RecpipeSpec
import RecpipeStages

/// `recpipe rules check|test|run`: analyst tooling for Lua rules scripts.
struct RulesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rules",
        abstract: "Check, test and try Lua rules scripts.",
        discussion: """
            Examples:
              recpipe rules check pipelines/rules/tags.lua pipelines/rules/filters.lua
              recpipe rules test pipelines/rules/tags_test.lua
              recpipe rules run pipelines/rules/tags.lua --input users.jsonl
            """,
        subcommands: [Check.self, Test.self, Run.self, Bench.self])

    /// Options shared by the subcommands: what scripts see as `ctx`.
    struct ContextOptions: ParsableArguments {
        @Option(name: .customLong("as-of"), help: "ctx.as_of (YYYY-MM-DD; default today).")
        var asOf: String?
        @Option(help: "Seed for math.random.")
        var seed: UInt64 = 42

        var context: LuaRuntime.Context {
            LuaRuntime.Context(asOf: asOf ?? LuaRuntime.Context.today(), seed: seed)
        }
    }

    // MARK: - check

    struct Check: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Compile scripts and list the rules each registers; exit 2 on any error.",
            discussion: """
                With --pipeline, the fields each rule reads (u.x, item.x) are checked against the columns \
                of the stages that load the script; with --user-fields/--item-fields, against those.
                """)

        @Argument(help: "Lua rules scripts.") var files: [String]
        @Option(help: "A pipeline whose tag/rank stages load the scripts: check field reads against their columns.")
        var pipeline: String?
        @Option(name: .customLong("user-fields"), help: "Comma-separated fields of `u` to check reads against.")
        var userFields: String?
        @Option(name: .customLong("item-fields"), help: "Comma-separated fields of `item` to check reads against.")
        var itemFields: String?
        @OptionGroup var options: ContextOptions

        func validate() throws {
            if pipeline != nil && (userFields != nil || itemFields != nil) {
                throw ValidationError("give --pipeline (its columns) or --user-fields/--item-fields, not both")
            }
        }

        func run() throws {
            var failed = false
            let spec = try pipeline.map(Self.decode)
            for file in files {
                let result = RuleChecker.check(file: file, context: options.context)
                if result.isValid, let problems = try fieldProblems(file, spec: spec), !problems.isEmpty {
                    failed = true
                    let renderer = DiagnosticRenderer(sources: [
                        file: (try? String(contentsOfFile: file, encoding: .utf8)) ?? ""
                    ])
                    for d in problems { Console.error(renderer.render(d)) }
                    Console.error("\(file): \(problems.count) error\(problems.count == 1 ? "" : "s")")
                } else if result.isValid {
                    let plugins = result.rules.count { $0.kind.isPlugin }, rules = result.rules.count - plugins
                    var counts = ["\(rules) rule\(rules == 1 ? "" : "s")"]
                    if plugins > 0 { counts = (rules > 0 ? counts : []) + ["\(plugins) plugin"] }
                    Console.print("\(file): ok, " + counts.joined(separator: ", "))
                    for r in result.rules {
                        var extra: [String] = []
                        if let b = r.boost { extra.append("boost \(b)") }
                        if let p = r.priority { extra.append("priority \(p)") }
                        if r.from != nil || r.to != nil { extra.append("\(r.from ?? "…") to \(r.to ?? "…")") }
                        let tail = extra.isEmpty ? "" : " (" + extra.joined(separator: ", ") + ")"
                        Console.print(
                            "  \(r.kind.rawValue.padding(toLength: max(7, r.kind.rawValue.count), withPad: " ", startingAt: 0)) \(r.name)  line \(r.line)\(tail)"
                        )
                    }
                } else {
                    failed = true
                    for e in result.errors { Console.error("error: \(e) [\(e.kind.rawValue)]") }
                }
            }
            if failed { throw ExitCode(2) }
        }

        /// Unknown fields the script's rules read: against the pipeline's stages that load it,
        /// else the given fields; nil when neither is given.
        func fieldProblems(_ file: String, spec: PipelineSpec?) throws -> [Diagnostic]? {
            if let spec {
                guard let problems = RuleFieldCheck.problems(ofScript: file, in: spec) else {
                    Console.error(
                        "error: no stage of '\(pipeline!)' loads '\(file)' (tag or lua `script`, rank `filters` or `promotions`)"
                    )
                    throw ExitCode(2)
                }
                return problems
            }
            guard userFields != nil || itemFields != nil, let text = try? String(contentsOfFile: file, encoding: .utf8)
            else { return nil }
            return RuleFieldCheck.problems(
                ofScript: file, text: text, userFields: Test.fields(userFields, default: nil),
                itemFields: Test.fields(itemFields, default: nil))
        }

        /// The pipeline as decoded; its own errors are not this command's business unless it cannot be read.
        static func decode(_ path: String) throws -> PipelineSpec {
            let result = PipelineLoader.load(path: path, catalog: StageRegistry.catalog)
            guard let spec = result.decoded else {
                for d in result.diagnostics { Console.error(DiagnosticRenderer(sources: result.sources).render(d)) }
                throw ExitCode(2)
            }
            return spec
        }
    }

    // MARK: - test

    struct Test: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run rule test files (case{...} calls); print PASS/FAIL per case; exit 1 if any fail.",
            discussion: """
                A test file holds cases such as
                  case{ name = "big spender", user = { monetary = 900, recency_days = 3 }, expect_tags = { "vip" } }
                Without --rules, `x_test.lua` tests `x.lua` beside it.
                """)

        @Argument(help: "Lua test files.") var files: [String]
        @Option(help: "The rules script under test (default: FILE without `_test`).") var rules: String?
        @Option(
            name: .customLong("user-fields"),
            help:
                "Comma-separated columns of the real user table: a column a case leaves out reads as nil (default: the profile columns of `encode`/`cluster`/`tag`; `none`: only the case's fields exist)."
        )
        var userFields: String?
        @Option(
            name: .customLong("item-fields"),
            help: "Comma-separated columns of the real items table (missing ones read as nil).")
        var itemFields: String?
        @OptionGroup var options: ContextOptions

        /// The columns a demo profile row has (features, RFM, shares' summary, segment, tags).
        static let profileFields = [
            "user_id", "recency_days", "frequency", "monetary", "avg_basket", "events", "views", "carts", "purchases",
            "active_span_days", "frequency_30d", "spend_30d", "frequency_90d", "spend_90d", "r_score", "f_score",
            "m_score", "rfm_segment", "top_category", "price_index", "segment", "segment_name", "tags",
        ]

        static func fields(_ option: String?, default value: [String]?) -> [String]? {
            guard let option else { return value }
            if option == "none" { return nil }
            return option.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        }

        func run() throws {
            var anyFailed = false
            for file in files {
                let rulesFile = rules ?? Self.rulesFile(for: file)
                do throws(RuleError) {
                    let report = try RuleTestRunner.run(
                        rulesFile: rulesFile, testsFile: file, context: options.context,
                        userFields: Self.fields(userFields, default: Self.profileFields),
                        itemFields: Self.fields(itemFields, default: nil))
                    if files.count > 1 { Console.print("\(file) (rules: \(rulesFile))") }
                    Console.print(report.description)
                    if !report.allPassed { anyFailed = true }
                } catch {
                    Console.error("error: \(error)")
                    throw ExitCode(2)
                }
            }
            if anyFailed { throw ExitCode(1) }
        }

        /// `dir/tags_test.lua` → `dir/tags.lua`.
        static func rulesFile(for test: String) -> String {
            let url = URL(fileURLWithPath: test)
            var name = url.deletingPathExtension().lastPathComponent
            if name.hasSuffix("_test") { name.removeLast(5) }
            let dir = (test as NSString).deletingLastPathComponent
            return (dir.isEmpty ? "" : dir + "/") + name + ".lua"
        }
    }

    // MARK: - run

    struct Bench: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Measure rule evaluations per second on this machine (one core, budget on).",
            discussion: """
                Times a 3-condition tag rule (`u.monetary >= 500 and u.recency_days < 30 and \
                u.frequency >= 3`) and a filter (`item.stock > 0 and item.price < 200`) over \
                synthetic records, with the instruction budget hook on, and prints evaluations per \
                CPU-second of one core.
                """)

        @Option(help: "Calls of each rule to time.") var evaluations = 3_000_000

        func validate() throws {
            guard evaluations > 0 else { throw ValidationError("--evaluations must be positive") }
        }

        func run() throws {
            let r = RuleBenchmark.run(evaluations: evaluations)
            guard r.tagEvalsPerSecond > 0 else {
                Console.error("error: the benchmark rules failed to load")
                throw ExitCode(1)
            }
            Console.print(String(format: "tag rule:    %.2f M evaluations/s/core", r.tagEvalsPerSecond / 1e6))
            Console.print(String(format: "filter rule: %.2f M evaluations/s/core", r.filterEvalsPerSecond / 1e6))
        }
    }

    struct Run: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract:
                "Run a script's tag rules (and filters, with --items) on JSON-lines records; print each result with its cost."
        )

        @Argument(help: "The Lua rules script.") var file: String
        @Option(help: "Users: one JSON object per line.") var input: String
        @Option(help: "Items: one JSON object per line (filters run for every user × item).") var items: String?
        @Option(name: .customLong("instruction-budget"), help: "Lua instructions per rule call.")
        var instructionBudget = 1_000_000
        @OptionGroup var options: ContextOptions

        func run() throws {
            let users = try RuleRecords.load(input)
            let itemRecords = try items.map { try RuleRecords.load($0) }
            let lua: LuaRuntime
            do throws(RuleError) {
                lua = try LuaRuntime(
                    limits: .init(instructionBudget: instructionBudget, instructionGranularity: 1),
                    context: options.context)
                try lua.load(file: file)
            } catch {
                Console.error("error: \(error)")
                throw ExitCode(2)
            }
            lua.bind(users: users)
            if let itemRecords { lua.bind(items: itemRecords) }
            let tagRules = lua.ruleIndices(of: .tag)
            let filterRules = lua.ruleIndices(of: .filter)
            var errors = 0
            for u in 0..<users.count {
                var tags: [String] = []
                var instructions = 0, peak = 0
                var problems: [String] = []
                for index in tagRules {
                    do throws(RuleError) {
                        for t in try lua.evaluateTag(index, user: u) where !tags.contains(t) { tags.append(t) }
                    } catch {
                        problems.append(error.description)
                    }
                    instructions += lua.lastCall.instructions
                    peak = max(peak, lua.lastCall.memoryPeak)
                }
                var rejected: [String] = []
                if let itemRecords {
                    for i in 0..<itemRecords.count {
                        for index in filterRules {
                            do throws(RuleError) {
                                if try !lua.evaluateFilter(index, user: u, item: i) {
                                    rejected.append("\(itemRecords.id(row: i)) by \(lua.rules[index].name)")
                                }
                            } catch {
                                problems.append(error.description)
                            }
                            instructions += lua.lastCall.instructions
                            peak = max(peak, lua.lastCall.memoryPeak)
                        }
                    }
                }
                var line = "\(users.id(row: u)): tags [\(tags.joined(separator: ", "))]"
                if itemRecords != nil {
                    line +=
                        rejected.isEmpty
                        ? ", filters keep every item" : ", filtered out: " + rejected.joined(separator: ", ")
                }
                line += "  (\(instructions) instructions, memory peak \(RuleRecords.bytes(peak)))"
                Console.print(line)
                for p in problems { Console.print("    error: \(p)") }
                errors += problems.count
            }
            for p in lua.printed { Console.print("print: \(p)") }
            if errors > 0 {
                Console.error("\(errors) rule error\(errors == 1 ? "" : "s")")
                throw ExitCode(1)
            }
        }
    }
}

/// JSON-lines records for `rules run`.
enum RuleRecords {
    /// Each line a JSON object; numbers become ints when integral in the text, lists of strings
    /// under `tags`/`purchased`/`seen` back `has_tag`/`purchased`/`seen`. The id is `user_id`,
    /// `item_id` or `id`, else `record N`.
    static func load(_ path: String) throws -> DictionaryRecordSource {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            Console.error("error: cannot read '\(path)'")
            throw ExitCode(2)
        }
        var records: [DictionaryRecordSource.Record] = []
        for (n, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.isEmpty { continue }
            guard let object = try? JSONSerialization.jsonObject(with: Data(trimmed.utf8)) as? [String: Any] else {
                Console.error("error: \(path):\(n + 1): not a JSON object")
                throw ExitCode(2)
            }
            var fields: [String: ScriptValue] = [:]
            var sets: [String: Set<String>] = [:]
            for (key, value) in object {
                if ["tags", "purchased", "seen"].contains(key), let list = value as? [String] {
                    sets[key] = Set(list)
                }
                fields[key] = scriptValue(value)
            }
            let id =
                ["user_id", "item_id", "id"].lazy.compactMap { object[$0].map { "\($0)" } }.first
                ?? "record \(records.count + 1)"
            records.append(.init(id: id, fields: fields, sets: sets))
        }
        return DictionaryRecordSource(records: records)
    }

    static func scriptValue(_ v: Any) -> ScriptValue {
        switch v {
        case is NSNull: return .null
        case let s as String: return .string(s)
        case let n as NSNumber:
            // JSON true/false arrive as a boolean NSNumber subclass (`__NSCFBoolean`).
            if String(describing: type(of: n)).contains("Boolean") { return .bool(n.boolValue) }
            let d = n.doubleValue
            if !String(describing: n).contains(".") && !String(describing: n).contains("e"), d == d.rounded(),
                abs(d) < 9e15
            {
                return .int(n.int64Value)
            }
            return .double(d)
        case let list as [Any]: return .list(list.map(scriptValue))
        default: return .string("\(v)")
        }
    }

    static func bytes(_ n: Int) -> String {
        n < 1024
            ? "\(n) B"
            : n < 1 << 20
                ? String(format: "%.1f KiB", Double(n) / 1024) : String(format: "%.1f MiB", Double(n) / 1_048_576)
    }
}
