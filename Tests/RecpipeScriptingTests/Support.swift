import RecpipeScripting

/// Helpers shared by the tests.
enum Fixture {
    static let context = LuaRuntime.Context(asOf: "2026-11-23", params: ["min_spend": .int(500)], seed: 7)

    static func runtime(
        _ source: String, file: String = "rules/test.lua", limits: LuaRuntime.Limits = .init()
    ) throws -> LuaRuntime {
        let lua = try LuaRuntime(limits: limits, context: context)
        try lua.load(source: source, chunkName: file)
        return lua
    }

    static func users(_ fields: [[String: ScriptValue]], sets: [String: Set<String>] = [:]) -> DictionaryRecordSource {
        DictionaryRecordSource(
            records: fields.enumerated().map { i, f in
                .init(id: "U\(i + 1)", fields: f, sets: sets)
            })
    }

    static func items(_ fields: [[String: ScriptValue]]) -> DictionaryRecordSource {
        DictionaryRecordSource(
            records: fields.enumerated().map { i, f in .init(id: "SKU-\(i + 1)", fields: f) })
    }

    /// Runs `body` as a tag rule's body for one user and returns the error it raises.
    static func error(_ source: String, file: String = "rules/test.lua") -> RuleError? {
        do {
            _ = try runtime(source, file: file)
            return nil
        } catch let e as RuleError {
            return e
        } catch {
            return nil
        }
    }
}

extension Fixture {
    /// Evaluates a Lua expression inside a tag rule for one user and returns the produced tag
    /// (the expression must give a string).
    static func eval(
        _ expression: String, user: [String: ScriptValue] = [:], prelude: String = "",
        sets: [String: Set<String>] = [:]
    ) throws -> String? {
        let lua = try runtime(prelude + "\ntag(\"t\", function(u) return \(expression) end)")
        lua.bind(users: users([user], sets: sets))
        return try lua.evaluateTags(user: 0).first
    }

    /// The error raised when evaluating `expression` in a rule (nil when none).
    static func evalError(_ expression: String, user: [String: ScriptValue] = [:]) -> RuleError? {
        do {
            _ = try eval(expression, user: user)
            return nil
        } catch let e as RuleError {
            return e
        } catch {
            return nil
        }
    }
}

/// A seeded generator for random test cases (the same cases on every run).
struct Random {
    var state: UInt64
    mutating func next(_ n: Int) -> Int {
        state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
        return Int((state >> 33) % UInt64(n))
    }
}
