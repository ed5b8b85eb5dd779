import RecpipeCore
import RecpipeData
import RecpipeEngine
import RecpipeScripting

/// Rules that report themselves: one summary line per rule with what it did, and a warning for a
/// rule that did nothing or pins an id the items table does not have.
extension RankStage {
    struct UnknownPin {
        var item: String
        var text: String
    }

    /// Pinned ids missing from the items table, one warning each.
    static func unknownPins(_ rules: RankRules, items: Table, idColumn: String) -> [UnknownPin] {
        guard let c = items.columnIndex(idColumn) else { return [] }
        let known = Set((0..<items.rowCount).compactMap { items.value(row: $0, col: c).idText })
        var out: [UnknownPin] = []
        for r in rules.pins {
            let rule = rules.all[r]
            for id in rule.items ?? [] where !known.contains(id) {
                let hint = Suggestions.closest(to: id, in: known.sorted()).map { " (did you mean '\($0)'?)" } ?? ""
                out.append(
                    UnknownPin(
                        item: id,
                        text: "pin '\(rule.name)' (\(rule.file):\(rule.line)): item '\(id)' is not in the items table "
                            + "(column '\(idColumn)'), so it is not pinned\(hint)"))
            }
        }
        return out
    }

    /// `rule effects` notes (one line per active rule) and the warnings of rules that did nothing.
    static func effects(_ plan: RankPlan, _ rules: RankRules, _ r: RankChunkResult) -> (
        notes: [String], warnings: [String]
    ) {
        var notes: [String] = [], warnings: [String] = []
        let top = "top-\(plan.options.top)"
        func at(_ rule: RegisteredRule) -> String { "\(rule.kind.rawValue) '\(rule.name)' (\(rule.file):\(rule.line))" }
        func matched(_ i: Int) -> Int { i < r.matched.count ? r.matched[i] : 0 }
        func users(_ i: Int) -> Int { i < r.matchedUsers.count ? r.matchedUsers[i] : 0 }
        let yaml = RankWorker.yamlFilterNames.count
        for (j, i) in rules.filters.enumerated() where yaml + j < r.removed.count {
            let removed = r.removed[yaml + j]
            notes.append("rule \(at(rules.all[i])): removed \(removed) of \(r.examined) candidates examined")
            if removed == 0 {
                warnings.append(
                    "\(at(rules.all[i])) removed no candidate (of \(r.examined) examined): it returned true for every one; check its condition against the data"
                )
            }
        }
        for (j, i) in rules.promotions.enumerated() {
            let rule = rules.all[i]
            let boosted = j < r.promoted.count ? r.promoted[j] : 0
            notes.append(
                "rule \(at(rule)) ×\(RankFormat.boost(Float(rule.boost ?? 1))): matched \(matched(i)) candidates for \(users(i)) users; \(boosted) boosted in the \(top)"
            )
            if matched(i) == 0 {
                warnings.append(
                    "\(at(rule)) matched no candidate (of \(r.examined) examined): it boosted nothing; check its `when` against the data (values are case-sensitive)"
                )
            }
        }
        for (j, i) in rules.pins.enumerated() {
            let rule = rules.all[i]
            let pinned = j < r.pinned.count ? r.pinned[j] : 0
            notes.append("rule \(at(rule)) @\(rule.position ?? 1): matched \(users(i)) users; pinned \(pinned) items")
            if users(i) == 0 {
                warnings.append(
                    "\(at(rule)) matched no user: nothing was pinned; check its `when` against the profiles")
            } else if pinned == 0 {
                warnings.append(
                    "\(at(rule)) matched \(users(i)) users but pinned nothing (its items were unknown, excluded or found no free position)"
                )
            }
        }
        for (j, i) in rules.buries.enumerated() {
            let rule = rules.all[i]
            let moved = j < r.buried.count ? r.buried[j] : 0, out = j < r.buriedOut.count ? r.buriedOut[j] : 0
            notes.append(
                "rule \(at(rule)): matched \(matched(i)) candidates for \(users(i)) users; moved \(moved) list entries down (\(out) out of the \(top))"
            )
            if matched(i) == 0 {
                warnings.append(
                    "\(at(rule)) matched no candidate (of \(r.examined) examined): nothing was buried; check its `when` against the data"
                )
            }
        }
        if let i = rules.scorer {
            notes.append(
                "plugin \(at(rules.all[i])): re-scored \(matched(i)) candidates for \(users(i)) users (every candidate is examined)"
            )
        }
        return (notes, warnings)
    }
}
