import RecpipeData
import RecpipeEngine

extension RankStage {
    /// The recommendations artifact and the summary figures: counts per filter and rule, one
    /// effect line per rule, the fallback, inactive rules, blocked pins and skipped rule errors.
    static func output(
        _ plan: RankPlan, _ rules: RankRules, _ r: RankChunkResult, notes: [String], warnings: [String]
    ) -> StageOutput {
        var offsets = [0]
        offsets.reserveCapacity(r.counts.count + 1)
        for c in r.counts { offsets.append(offsets.last! + c) }
        let recs = Recommendations(
            users: IDMap(plan.userIDs), items: IDMap(plan.itemIDs), offsets: offsets, itemIndices: r.items,
            scores: r.scores, provenance: r.provenance, fallbackUsers: r.fallbackUsers)

        let users = plan.userIDs.count
        var counters: [StageOutput.Counter] = [
            .init("users", users), .init("candidates_considered", r.considered),
            .init("candidates_examined", r.examined), .init("fallback_users", r.fallbackUsers.count),
            .init("empty_users", r.emptyUsers),
        ]
        var notes = notes
        let filterNames = RankWorker.yamlFilterNames + rules.filters.map { rules.all[$0].name }
        var removedLines: [String] = []
        for (i, name) in filterNames.enumerated() where i < r.removed.count {
            let active =
                i >= RankWorker.yamlFilterNames.count
                || (i == 0 && plan.options.excludeSeen && plan.seen != nil)
                || (i == 1 && !plan.inStock.isEmpty) || (i == 2 && plan.excludedCategory.contains(true))
            guard active else { continue }
            counters.append(.init("removed_by_\(name)", r.removed[i]))
            removedLines.append(
                "\(name) \(r.removed[i]) (\(format(Double(r.removed[i]) / Double(max(1, users))))/user)")
        }
        if !removedLines.isEmpty { notes.append("removed: " + removedLines.joined(separator: ", ")) }
        for (i, rule) in rules.promotions.enumerated() where i < r.promoted.count {
            counters.append(.init("promoted_\(rules.all[rule].name)", r.promoted[i]))
        }
        for (i, rule) in rules.pins.enumerated() where i < r.pinned.count {
            counters.append(.init("pinned_\(rules.all[rule].name)", r.pinned[i]))
        }
        for (i, rule) in rules.buries.enumerated() where i < r.buried.count {
            counters.append(.init("buried_\(rules.all[rule].name)", r.buried[i]))
        }
        for i in rules.promotions + rules.pins + rules.buries where i < r.matched.count {
            counters.append(
                .init("matched_\(rules.all[i].name)", rules.all[i].kind == .pin ? r.matchedUsers[i] : r.matched[i]))
        }
        for name in r.ruleErrors.keys.sorted() { counters.append(.init("rule_errors_\(name)", r.ruleErrors[name]!)) }
        let effects = effects(plan, rules, r)

        let weights = plan.sources.map { "\($0.name) \(RankFormat.boost($0.weight))" }.joined(separator: ", ")
        notes.append(
            "blend \(weights) (\(plan.options.normalize.rawValue)); top \(plan.options.top); as of \(plan.asOf)"
                + (plan.options.maxPerCategory.map { "; max \($0) per category" } ?? ""))
        if r.examined < r.considered {
            notes.append(
                "rules ran on \(r.examined) of \(r.considered) candidates (the rest could not reach the top-\(plan.options.top)); filter counts cover those examined (exhaustive: true counts all)"
            )
        }
        if !rules.inactive.isEmpty {
            notes.append(
                "inactive rules: " + rules.inactive.map { "\($0.kind.rawValue) '\($0.name)'" }.joined(separator: ", "))
        }

        notes += effects.notes
        var warnings = warnings + effects.warnings
        for key in r.blockedPins.keys.sorted() {
            let parts = key.split(separator: "\u{1}", omittingEmptySubsequences: false).map(String.init)
            guard parts.count == 3 else { continue }
            // A user who already has the item is not shown it again: that is exclude_seen doing its
            // job, said in the summary; a filter that blocks a pin is a conflict between rules.
            if parts[2] == "exclude_seen" {
                notes.append(
                    "pin '\(parts[0])': item '\(parts[1])' not pinned for \(r.blockedPins[key]!) user(s) who already interacted with it (exclude_seen)"
                )
                continue
            }
            warnings.append(
                "pin '\(parts[0])': item '\(parts[1])' was excluded by \(parts[2]) for \(r.blockedPins[key]!) user(s) and not pinned (filters run before pins)"
            )
        }
        if r.pinOverflow > 0 {
            warnings.append("\(r.pinOverflow) pinned item(s) found no free position in the top-\(plan.options.top)")
        }
        for name in r.ruleErrors.keys.sorted() {
            warnings.append(
                "rule '\(name)' failed for \(r.ruleErrors[name]!) user(s) and was skipped for them (on_error: skip_record); first: \(r.firstErrors[name] ?? "")"
            )
        }
        if !r.fallbackUsers.isEmpty {
            notes.append("\(r.fallbackUsers.count) user(s) had no candidate left and got the popular fallback")
        }
        let filteredOut = r.emptyUsers - r.emptyWithoutCandidates
        if filteredOut > 0 {
            warnings.append(
                "\(filteredOut) user(s) got no recommendation: every candidate was filtered out"
                    + (plan.popular == nil
                        ? " and no `popular` input is connected for a fallback"
                        : " and the popular fallback had none left either"))
        }
        if r.emptyWithoutCandidates > 0 {
            warnings.append(
                "\(r.emptyWithoutCandidates) user(s) got no recommendation: no candidate input has any item for them"
                    + (plan.popular == nil
                        ? " and no `popular` input is connected for a fallback"
                        : " and the popular fallback has no list for them either")
                    + " (users the models' interactions do not hold, e.g. profiled from rows the matrix leaves out)")
        }
        return StageOutput(
            recs, rowsIn: r.considered, rowsOut: recs.rowCount, counters: counters, notes: notes, warnings: warnings)
    }

    static func format(_ x: Double) -> String {
        let hundredths = Int((x * 100).rounded())
        return "\(hundredths / 100).\(hundredths % 100 < 10 ? "0" : "")\(hundredths % 100)"
    }
}
