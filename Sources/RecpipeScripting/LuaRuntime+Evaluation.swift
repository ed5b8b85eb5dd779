import CLua

/// Calling registered rules. Each call runs under the instruction budget and memory cap, and
/// leaves the state usable whatever happens, so callers can skip, fail or default on errors.
///
/// Hot path per call: one `lua_rawgeti` of the rule function, one `lua_pushvalue` per reused
/// record view, one `lua_pcall`; no allocation on the Swift side unless a string is returned.
extension LuaRuntime {
    // MARK: - Tags

    /// Runs every tag rule for `user` (a row of the bound user source), in registration order,
    /// returning the tags without duplicates, in first-produced order.
    package func evaluateTags(user: Int) throws(RuleError) -> [String] {
        var tags: [String] = []
        var seen = Set<String>()
        for index in tagRuleIndices {
            let start = tags.count
            try evaluateTag(index, user: user, into: &tags)
            try mergeTags(&tags, from: start, seen: &seen, rule: index, user: user)
        }
        return tags
    }

    /// Drops `tags[start...]` already in `seen` (or repeated among themselves) and adds the rest
    /// to `seen`: O(new tags). Throws when the entity now has more than
    /// ``Limits/maxTagsPerEntity`` tags (naming `rule`, whose output crossed the limit).
    package func mergeTags(
        _ tags: inout [String], from start: Int, seen: inout Set<String>, rule: Int, user: Int
    ) throws(RuleError) {
        var kept = start
        for i in start..<tags.count where seen.insert(tags[i]).inserted {
            if kept != i { tags.swapAt(kept, i) }
            kept += 1
        }
        tags.removeSubrange(kept...)
        if tags.count > limits.maxTagsPerEntity {
            for tag in tags[start...] { seen.remove(tag) }
            tags.removeSubrange(start...)
            throw limitError(
                rule, user: user,
                "the user has more than \(limits.maxTagsPerEntity) distinct tags (the limit per user)")
        }
    }

    /// Runs one tag rule: `true` → its name; `false`/`nil` → none; a string or list of strings →
    /// those tags. Any other result is a `type` error.
    package func evaluateTag(_ ruleIndex: Int, user: Int) throws(RuleError) -> [String] {
        var tags: [String] = []
        try evaluateTag(ruleIndex, user: user, into: &tags)
        return tags
    }

    /// Runs one tag rule, appending its tags to `tags` (no allocation when `tags` has room).
    package func evaluateTag(_ ruleIndex: Int, user: Int, into tags: inout [String]) throws(RuleError) {
        try requireKind(ruleIndex, .tag)
        defer { lua_settop(L, Self.baseTop) }
        try callWithUser(ruleIndex, user: user)
        switch lua_type(L, -1) {
        case LUA_TBOOLEAN:
            if lua_toboolean(L, -1) != 0 { tags.append(ruleNames[ruleIndex]) }
        case LUA_TNIL:
            break
        case LUA_TSTRING:
            tags.append(try tagString(ruleIndex, user: user))
        case LUA_TTABLE:
            let n = Int(lua_rawlen(L, -1))
            if n > limits.maxTagsPerEntity {
                throw limitError(
                    ruleIndex, user: user,
                    "tag rule returned \(n) tags; at most \(limits.maxTagsPerEntity) tags per user are allowed")
            }
            for i in 0..<n {
                _ = lua_rawgeti(L, -1, lua_Integer(i + 1))
                guard lua_type(L, -1) == LUA_TSTRING else {
                    throw typeError(
                        ruleIndex, user: user, item: nil,
                        "tag rule returned a list whose element \(i + 1) is a \(typeName(-1)), not a tag string")
                }
                tags.append(try tagString(ruleIndex, user: user))
                recpipe_pop(L, 1)
            }
        default:
            throw typeError(
                ruleIndex, user: user, item: nil,
                "tag rule returned a \(typeName(-1)); return true/false, a tag string or a list of tag strings")
        }
    }

    // MARK: - Segment names

    /// Runs one `name_segment` rule on a segment (a row of the bound user source, the segment's
    /// summary): `true` → the rule's name; a string → that name; `false`/`nil` → no name from this
    /// rule. Any other result is a `type` error.
    package func evaluateSegmentName(_ ruleIndex: Int, segment: Int) throws(RuleError) -> String? {
        try requireKind(ruleIndex, .nameSegment)
        defer { lua_settop(L, Self.baseTop) }
        try callWithUser(ruleIndex, user: segment)
        switch lua_type(L, -1) {
        case LUA_TBOOLEAN: return lua_toboolean(L, -1) != 0 ? ruleNames[ruleIndex] : nil
        case LUA_TNIL: return nil
        case LUA_TSTRING:
            let name = try tagString(ruleIndex, user: segment, kind: "name_segment", noun: "name")
            guard !name.isEmpty else {
                throw typeError(ruleIndex, user: segment, item: nil, "name_segment rule returned an empty name")
            }
            return name
        default:
            throw typeError(
                ruleIndex, user: segment, item: nil,
                "name_segment rule returned a \(typeName(-1)); return true (the rule's name), a name string, or false/nil"
            )
        }
    }

    // MARK: - Filters and promotions

    /// Runs filter `ruleIndex` for a (user, item) pair: false drops the candidate.
    package func evaluateFilter(_ ruleIndex: Int, user: Int, item: Int) throws(RuleError) -> Bool {
        try requireKind(ruleIndex, .filter)
        return try callPredicate(ruleIndex, user: user, item: item, what: "filter")
    }

    /// Runs all filters in order; returns the index of the first that drops the candidate, or nil
    /// when every filter keeps it.
    package func firstRejectingFilter(user: Int, item: Int) throws(RuleError) -> Int? {
        for index in filterRuleIndices where try !evaluateFilter(index, user: user, item: item) {
            return index
        }
        return nil
    }

    /// Runs the `when` of a promote, pin or bury rule. `pin`'s `when` receives only the user
    /// (`item` is ignored) and a pin without `when` applies to everyone. The date window is not
    /// checked here: see ``RegisteredRule/isActive(on:)``.
    package func evaluateWhen(_ ruleIndex: Int, user: Int, item: Int? = nil) throws(RuleError) -> Bool {
        try requireKind(ruleIndex, .promote, .pin, .bury)
        if ruleKinds[ruleIndex] == .pin {
            guard ruleHasWhen[ruleIndex] else { return true }
            return try callPredicate(ruleIndex, user: user, item: nil, what: "when")
        }
        guard let item else {
            let rule = rules[ruleIndex]
            throw RuleError(
                kind: .runtime, file: rule.file, line: rule.line, rule: rule.name,
                user: userSource?.id(row: user),
                message: "\(rule.kind.rawValue) rules need an item to evaluate `when(u, item)`")
        }
        return try callPredicate(ruleIndex, user: user, item: item, what: "when")
    }

    /// Indices of the rules of `kind`, in registration order.
    package func ruleIndices(of kind: RegisteredRule.Kind) -> [Int] {
        ruleKinds.indices.filter { ruleKinds[$0] == kind }
    }

    /// The index of the rule named `name`, if any.
    package func ruleIndex(named name: String) -> Int? { ruleByName[name] }

    // MARK: - Shared

    /// Calls rule `ruleIndex` with the user view on `user`, leaving its one result on the stack.
    @inline(__always)
    private func callWithUser(_ ruleIndex: Int, user: Int) throws(RuleError) {
        ctx.pointee.views.0!.pointee.row = lua_Integer(user)
        _ = lua_rawgeti(L, Self.functionsSlot, lua_Integer(ruleIndex + 1))
        lua_pushvalue(L, Self.userViewSlot)
        beginCall()
        let status = recpipe_pcall(L, 1, 1, Self.msghSlot)
        endCall()
        guard status == LUA_OK else { throw makeError(status: status, rule: ruleIndex, user: user) }
    }

    @inline(__always)
    private func callPredicate(_ ruleIndex: Int, user: Int, item: Int?, what: String) throws(RuleError) -> Bool {
        ctx.pointee.views.0!.pointee.row = lua_Integer(user)
        _ = lua_rawgeti(L, Self.functionsSlot, lua_Integer(ruleIndex + 1))
        lua_pushvalue(L, Self.userViewSlot)
        var nargs: Int32 = 1
        if let item {
            ctx.pointee.views.1!.pointee.row = lua_Integer(item)
            lua_pushvalue(L, Self.itemViewSlot)
            nargs = 2
        }
        beginCall()
        let status = recpipe_pcall(L, nargs, 1, Self.msghSlot)
        endCall()
        defer { lua_settop(L, Self.baseTop) }
        guard status == LUA_OK else { throw makeError(status: status, rule: ruleIndex, user: user, item: item) }
        guard lua_type(L, -1) == LUA_TBOOLEAN else {
            throw typeError(
                ruleIndex, user: user, item: item,
                "\(what) returned \(typeName(-1) == "nil" ? "nil" : "a " + typeName(-1)); return true or false")
        }
        return lua_toboolean(L, -1) != 0
    }

    @inline(__always)
    private func requireKind(
        _ ruleIndex: Int, _ kind: RegisteredRule.Kind, _ kind2: RegisteredRule.Kind? = nil,
        _ kind3: RegisteredRule.Kind? = nil
    ) throws(RuleError) {
        if ruleIndex >= 0, ruleIndex < ruleKinds.count {
            let k = ruleKinds[ruleIndex]
            if k == kind || k == kind2 || k == kind3 { return }
        }
        try kindMismatch(ruleIndex, [kind, kind2, kind3].compactMap { $0 })
    }

    private func kindMismatch(_ ruleIndex: Int, _ kinds: [RegisteredRule.Kind]) throws(RuleError) {
        guard rules.indices.contains(ruleIndex) else {
            throw RuleError(
                kind: .runtime, file: chunkFiles.last ?? "<lua>", line: nil,
                message: "no rule number \(ruleIndex) (the script registered \(rules.count))")
        }
        let rule = rules[ruleIndex]
        guard kinds.contains(rule.kind) else {
            throw RuleError(
                kind: .runtime, file: rule.file, line: rule.line, rule: rule.name,
                message: "rule '\(rule.name)' is a \(rule.kind.rawValue) rule, not "
                    + kinds.map(\.rawValue).joined(separator: "/"))
        }
    }

    private func typeError(_ ruleIndex: Int, user: Int, item: Int?, _ message: String) -> RuleError {
        let rule = rules[ruleIndex]
        return RuleError(
            kind: .type, file: rule.file, line: rule.line, rule: rule.name,
            user: userSource?.id(row: user), item: item.flatMap { itemSource?.id(row: $0) }, message: message)
    }

    /// The tag string on top of the stack, at most ``Limits/maxTagBytes`` bytes.
    @inline(__always)
    private func tagString(_ ruleIndex: Int, user: Int, kind: String = "tag", noun: String = "tag") throws(RuleError)
        -> String
    {
        var length = 0
        let p = recpipe_tostring(L, -1, &length)!
        guard length <= limits.maxTagBytes else {
            throw limitError(
                ruleIndex, user: user,
                "\(kind) rule returned a \(noun) of \(length) bytes; a \(noun) is at most \(limits.maxTagBytes) bytes")
        }
        return String(decoding: UnsafeRawBufferPointer(start: p, count: length), as: UTF8.self)
    }

    private func limitError(_ ruleIndex: Int, user: Int, _ message: String) -> RuleError {
        let rule = rules[ruleIndex]
        return RuleError(
            kind: .limit, file: rule.file, line: rule.line, rule: rule.name, user: userSource?.id(row: user),
            message: message)
    }

    private func typeName(_ index: Int32) -> String {
        String(cString: lua_typename(L, lua_type(L, index)))
    }
}
