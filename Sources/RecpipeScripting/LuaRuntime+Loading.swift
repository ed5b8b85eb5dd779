import CLua
import Foundation

/// Loading scripts, running their top level (where rules register), and turning Lua errors into
/// located ``RuleError``s.
extension LuaRuntime {
    // MARK: - Loading

    /// Loads and runs a script file (text only; binary chunks are refused).
    package func load(file path: String) throws(RuleError) {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw RuleError(
                kind: .io, file: path, line: nil,
                message: "cannot read the rules script: \(error.localizedDescription)")
        }
        try load(source: text, chunkName: path)
    }

    /// Loads and runs script text.
    ///
    /// - Parameters:
    ///   - chunkName: the file errors name, e.g. `rules/tags.lua` or `pipelines/demo.yaml`.
    ///   - lineOffset: lines before the script's first line in that file (for a script inlined in
    ///     YAML whose first line is line 27, pass 26), so errors report the YAML line.
    /// - Throws: ``RuleError`` of kind syntax, runtime, registration, budget or memory. A failed
    ///   load may leave some of the chunk's rules half-registered: use a fresh runtime to retry.
    package func load(source: String, chunkName: String, lineOffset: Int = 0) throws(RuleError) {
        lua_settop(L, Self.baseTop)
        let id = chunkFiles.count + 1
        chunkFiles.append(chunkName)
        let text = String(repeating: "\n", count: max(0, lineOffset)) + source
        let status = text.utf8CString.withUnsafeBufferPointer { buf in
            luaL_loadbufferx(L, buf.baseAddress, buf.count - 1, "=#\(id)", "t")
        }
        guard status == LUA_OK else {
            let raw = string(at: -1) ?? ""
            var error = makeError(status: status, rule: nil)
            lua_settop(L, Self.baseTop)
            if status == LUA_ERRSYNTAX { error.column = syntaxColumn(raw, line: error.line, in: text, chunk: id) }
            lua_settop(L, Self.baseTop)
            throw error
        }
        // The chunk's only upvalue is _ENV: point it at the sandbox.
        lua_pushvalue(L, Self.envSlot)
        _ = lua_setupvalue(L, -2, 1)

        let before = lua_rawlen(L, Self.rulesSlot)
        setState("registration_error", false)
        setState("loading", true)
        beginCall()
        let run = recpipe_pcall(L, 0, 0, Self.msghSlot)
        endCall()
        setState("loading", false)
        if run != LUA_OK {
            let error = makeError(status: run, rule: nil)
            lua_settop(L, Self.baseTop)
            throw error
        }
        let firstNew = rules.count
        collectRules(from: Int(before) + 1)
        lua_settop(L, Self.baseTop)
        try isolateRules(from: firstNew)
    }

    // MARK: - Registered rules

    /// Reads rule records `start...` from the prelude's list and stores their functions.
    private func collectRules(from start: Int) {
        let count = Int(lua_rawlen(L, Self.rulesSlot))
        guard start <= count else { return }
        for i in start...count {
            _ = lua_rawgeti(L, Self.rulesSlot, lua_Integer(i))
            let t = lua_gettop(L)
            let kind = RegisteredRule.Kind(rawValue: field(t, "kind") ?? "") ?? .tag
            let chunk = intField(t, "chunk") ?? 0
            var rule = RegisteredRule(
                kind: kind, name: field(t, "name") ?? "?", file: file(ofChunk: chunk),
                line: intField(t, "line") ?? 0)
            if lua_getfield(L, t, "boost") == LUA_TNUMBER { rule.boost = lua_tonumberx(L, -1, nil) }
            recpipe_pop(L, 1)
            rule.from = field(t, "from")
            rule.to = field(t, "to")
            rule.priority = intField(t, "priority")
            rule.position = intField(t, "position")
            if lua_getfield(L, t, "items") == LUA_TTABLE {
                let n = lua_rawlen(L, -1)
                rule.items = (0..<Int(n)).map { j in
                    _ = lua_rawgeti(L, -1, lua_Integer(j + 1))
                    defer { recpipe_pop(L, 1) }
                    return string(at: -1) ?? ""
                }
            }
            recpipe_pop(L, 1)
            rule.columns = stringListField(t, "columns")
            rule.by = stringListField(t, "by")
            rule.limit = intField(t, "limit")
            if kind == .aggregate {
                // init (a function or a value) and finish, kept beside the step function.
                lua_createtable(L, 2, 0)
                _ = lua_getfield(L, t, "init")
                lua_rawseti(L, -2, 1)
                _ = lua_getfield(L, t, "finish")
                lua_rawseti(L, -2, 2)
                lua_setfield(L, Self.stateSlot, Self.aggregateKey(rules.count))
            }
            rule.hasWhen = lua_getfield(L, t, "fn") == LUA_TFUNCTION
            // Functions table index = rule index + 1 (nil for a pin without `when`).
            lua_rawseti(L, Self.functionsSlot, lua_Integer(rules.count + 1))
            recpipe_pop(L, 1)
            ruleByName[rule.name] = rules.count
            ruleKinds.append(rule.kind)
            ruleNames.append(rule.name)
            switch kind {
            case .tag: tagRuleIndices.append(rules.count)
            case .filter: filterRuleIndices.append(rules.count)
            default: break
            }
            rules.append(rule)
            ruleHasWhen.append(rule.hasWhen)
        }
    }

    private func field(_ t: Int32, _ name: String) -> String? {
        _ = lua_getfield(L, t, name)
        defer { recpipe_pop(L, 1) }
        return string(at: -1)
    }

    private func stringListField(_ t: Int32, _ name: String) -> [String]? {
        defer { recpipe_pop(L, 1) }
        return lua_getfield(L, t, name) == LUA_TTABLE ? stringList(at: -1) : nil
    }

    /// The prelude-state key of aggregate rule `index`'s `{init, finish}`.
    static func aggregateKey(_ index: Int) -> String { "aggregate.\(index)" }

    private func intField(_ t: Int32, _ name: String) -> Int? {
        guard lua_getfield(L, t, name) == LUA_TNUMBER else {
            recpipe_pop(L, 1)
            return nil
        }
        defer { recpipe_pop(L, 1) }
        var isnum: Int32 = 0
        let v = lua_tointegerx(L, -1, &isnum)
        return isnum != 0 ? Int(v) : nil
    }

    func setState(_ key: String, _ value: Bool) {
        lua_pushboolean(L, value ? 1 : 0)
        lua_setfield(L, Self.stateSlot, key)
    }

    func stateFlag(_ key: String) -> Bool {
        _ = lua_getfield(L, Self.stateSlot, key)
        defer { recpipe_pop(L, 1) }
        return lua_toboolean(L, -1) != 0
    }

    func file(ofChunk id: Int) -> String {
        id >= 1 && id <= chunkFiles.count ? chunkFiles[id - 1] : "<lua>"
    }

    // MARK: - Call bracketing

    /// Starts the budget and memory accounting for one call and turns on the memory cap.
    @inline(__always)
    func beginCall() {
        ctx.pointee.start_ticks = ctx.pointee.ticks
        ctx.pointee.start_charged = ctx.pointee.charged
        ctx.pointee.mem_peak = ctx.pointee.mem_used
        ctx.pointee.err_chunk = -1
        ctx.pointee.err_line = -1
        ctx.pointee.enforce = 1
    }

    /// Turns the cap off and records the call's cost; re-arms the hook after a budget error.
    @inline(__always)
    func endCall() {
        ctx.pointee.enforce = 0
    }

    // MARK: - Errors

    /// Builds the error for a failed load or call from the message on top of the stack.
    func makeError(status: Int32, rule: Int?, user: Int? = nil, item: Int? = nil, entity: String? = nil) -> RuleError {
        var message = string(at: -1) ?? "error object is not a string"
        var kind: RuleError.Kind = status == LUA_ERRSYNTAX ? .syntax : .runtime
        var chunk = Int(ctx.pointee.err_chunk)
        var line: Int? = ctx.pointee.err_line > 0 ? Int(ctx.pointee.err_line) : nil
        if let (c, l, rest) = Self.splitLocation(message) {
            chunk = c
            line = l
            message = rest
        }
        if ctx.pointee.budget_exceeded != 0 {
            kind = .budget
            message = "instruction budget of \(limits.instructionBudget) instructions exceeded (an endless loop?)"
            ctx.pointee.budget_exceeded = 0
            recpipe_install_hook(L, Int32(clamping: limits.granularity))
        } else if status == LUA_ERRMEM {
            kind = .memory
            message = "memory limit of \(Self.formatBytes(limits.memoryLimit)) exceeded"
        } else if stateFlag("registration_error") {
            kind = .registration
            setState("registration_error", false)
        }
        var ruleName: String?
        if let rule {
            let r = rules[rule]
            ruleName = r.name
            if chunk < 1 {
                chunk = chunkFiles.firstIndex(of: r.file).map { $0 + 1 } ?? 0
                line = line ?? r.line
            }
        }
        let fileName = chunk >= 1 ? file(ofChunk: chunk) : (chunkFiles.last ?? "<lua>")
        message = replaceChunkMarkers(message)
        var error = RuleError(
            kind: kind, file: fileName, line: line, rule: ruleName,
            user: user.flatMap { row in userSource?.id(row: row) },
            item: item.flatMap { row in itemSource?.id(row: row) }, message: message)
        error.entity = entity
        error.isPlugin = rule.map { rules[$0].kind.isPlugin } ?? false
        return error
    }

    /// The column of a syntax error. Lua names the token (`near '*'`) but not its column, and
    /// it reports the first token the parser cannot use, so a prefix of the text gives the same
    /// message exactly when it includes that whole token: a binary search over the error's line
    /// finds where the token ends. `near <eof>`: just past the line's end. Compiles only (no run).
    func syntaxColumn(_ raw: String, line: Int?, in text: String, chunk id: Int) -> Int? {
        guard let line, line >= 1 else { return nil }
        let bytes = Array(text.utf8)
        var start = 0
        for _ in 1..<line {
            guard let nl = bytes[start...].firstIndex(of: 10) else { return nil }
            start = nl + 1
        }
        let end = bytes[start...].firstIndex(of: 10) ?? bytes.count
        if raw.hasSuffix("near <eof>") { return end - start + 1 }
        guard let near = raw.range(of: " near '", options: .backwards), raw.hasSuffix("'") else { return nil }
        let tokenLength = raw.utf8.distance(from: near.upperBound, to: raw.endIndex) - 1
        func sameError(_ prefix: Int) -> Bool {
            let status = bytes.withUnsafeBufferPointer { buf in
                buf.baseAddress!.withMemoryRebound(to: CChar.self, capacity: prefix) {
                    luaL_loadbufferx(L, $0, prefix, "=#\(id)", "t")
                }
            }
            defer { recpipe_pop(L, 1) }
            return status != LUA_OK && string(at: -1) == raw
        }
        guard tokenLength > 0, sameError(end) else { return nil }
        var lo = start, hi = end
        while lo < hi {
            let mid = (lo + hi) / 2
            if sameError(mid) { hi = mid } else { lo = mid + 1 }
        }
        return max(1, hi - start - tokenLength + 1)
    }

    /// Splits `#<chunk>:<line>: rest` into its parts.
    static func splitLocation(_ message: String) -> (Int, Int, String)? {
        let u = Array(message.utf8.prefix(32))
        guard u.first == UInt8(ascii: "#") else { return nil }
        var i = 1
        func number() -> Int? {
            var v = 0
            let start = i
            while i < u.count, u[i] >= 48, u[i] <= 57 {
                v = v * 10 + Int(u[i] - 48)
                i += 1
            }
            return i > start ? v : nil
        }
        guard let chunk = number(), i < u.count, u[i] == UInt8(ascii: ":") else { return nil }
        i += 1
        guard let line = number(), i + 1 < u.count || i + 1 == u.count, i < u.count,
            u[i] == UInt8(ascii: ":")
        else { return nil }
        i += 1
        if i < u.count, u[i] == UInt8(ascii: " ") { i += 1 }
        let rest = String(decoding: message.utf8.dropFirst(i), as: UTF8.self)
        return (chunk, line, rest)
    }

    /// `{{chunk:N}}` (from the prelude) → the chunk's file name.
    private func replaceChunkMarkers(_ message: String) -> String {
        guard message.contains("{{chunk:") else { return message }
        var out = message
        for (i, file) in chunkFiles.enumerated() {
            out = out.replacingOccurrences(of: "{{chunk:\(i + 1)}}", with: file)
        }
        return out
    }

    static func formatBytes(_ n: Int) -> String {
        if n >= 1 << 20, n % (1 << 20) == 0 { return "\(n >> 20) MiB" }
        if n >= 1 << 10, n % (1 << 10) == 0 { return "\(n >> 10) KiB" }
        return "\(n) bytes"
    }
}
