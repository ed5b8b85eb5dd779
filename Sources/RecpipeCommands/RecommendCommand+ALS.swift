import ArgumentParser
import Foundation
import RecpipeCore
import RecpipeData
import RecpipeEngine
import RecpipeSpec
import RecpipeStages

/// `recpipe recommend` answered from an `als` stage's cached factors: `--items a,b,c` folds in a
/// new user, and a `--user` in a pipeline without a rank stage gets their trained-vector list.
extension RecommendCommand {
    // MARK: - Factors

    /// Prints the list for `user` / `items` from the ALS factors (via ``ALSQueries/recommend``).
    ///
    /// `required` (`--items`): a missing, ambiguous or not-yet-run als stage is an error. Otherwise
    /// (a pipeline without a rank stage) it returns false when there is no single als stage, it
    /// has not run, or the user is not in the factors, so the caller reports its own error;
    /// `instead` is why there is no rank list, printed as a note on stderr. A stored result that
    /// cannot be read is always an error.
    @discardableResult
    func printFromFactors(
        _ spec: PipelineSpec, user: String?, items: [String], required: Bool, instead: String? = nil
    ) async throws -> Bool {
        guard let als = try chooseALSStage(spec, required: required) else { return false }
        let results = StoredResult(spec, cacheDirectory: cacheDir, pipelineFile: pipeline.pipeline)
        let factors: Factors, seen: Interactions?
        do {
            (factors, seen) = try FactorsCommand.latestFactors(of: als, from: results, seen: items.isEmpty)
        } catch {
            guard required || results.hasResult(als.name) else { return false }
            Console.error("error: \(error.message)")
            throw ExitCode(1)
        }
        if !required, let user, factors.users[user] == nil { return false }
        if !items.isEmpty, let rank = try rankStage(fedBy: als, in: spec) {
            try await printRanked(
                spec, user: user, rank: rank, als: als, factors: factors, seen: seen, items: items, results: results)
            return true
        }
        do {
            let lines = try ALSQueries.recommend(
                factors: factors, seen: seen, user: user,
                items: items, n: n ?? 10, explain: explain)
            if let instead {
                Console.error(
                    "note: \(instead.split(separator: ";").first ?? ""); using the factors of als stage '\(als.name)'")
            }
            Console.print(lines.joined(separator: "\n"))
            return true
        } catch let error as ALSQueryError {
            Console.error("error: \(error.message)")
            throw ExitCode(1)
        }
    }

    /// The rank stage that `--items` goes through: `--stage`, else the only rank stage with the
    /// als stage among its candidates (nil when there is none).
    func rankStage(fedBy als: StageSpec, in spec: PipelineSpec) throws -> StageSpec? {
        if let stage {
            return try StageChoice.choose(
                spec, kind: "rank", name: stage, flag: "--stage", purpose: "--items ranks with a rank stage",
                required: true)
        }
        let fed = spec.stages.filter {
            $0.kind == "rank" && $0.derivedFrom == nil && ($0.inputs["candidates"] ?? []).contains(als.name)
        }
        guard fed.count <= 1 else {
            Console.error(
                "error: several rank stages use als stage '\(als.name)' (\(fed.map(\.name).joined(separator: ", "))); choose one with --stage"
            )
            throw ExitCode(2)
        }
        return fed.first
    }

    /// `--items` through the rank plan: the fold-in's list, then the rank stage's filters,
    /// promotions, pins, bury rules and category cap, as in the batch (``RankFoldIn``).
    func printRanked(
        _ spec: PipelineSpec, user: String?, rank: StageSpec, als: StageSpec, factors: Factors, seen: Interactions?,
        items: [String], results: StoredResult
    ) async throws {
        let folded: ALSQueries.Result
        do {
            folded = try ALSQueries.recommendations(
                factors: factors, seen: seen, user: nil, items: items, n: max(1, factors.items.count), explain: false)
        } catch let error as ALSQueryError {
            Console.error("error: \(error.message)")
            throw ExitCode(1)
        }
        var table: Table?
        if let itemsStage = rank.inputs["items"]?.first {
            do { table = try results.load(itemsStage, as: Table.self, what: "a table") } catch {
                Console.error("error: \(error.message)")
                throw ExitCode(1)
            }
        }
        let history = items.map { String($0.split(separator: ":").first ?? "") }
        let recs: Recommendations
        do {
            recs = try await RankFoldIn.rank(
                stage: rank, pipeline: spec, source: als.name, candidates: folded.rows.map { ($0.item, $0.score) },
                history: history, items: table)
        } catch {
            Console.error("error: rank stage '\(rank.name)' failed for the folded-in user: \(error)")
            throw ExitCode(1)
        }
        let u = recs.users[RankFoldIn.user] ?? 0
        let rows = recs.range(user: u).prefix(n ?? 10).enumerated().map { k, i in
            Row(
                rank: k + 1, item: recs.label(item: Int(recs.itemIndices[i])), score: recs.scores[i],
                provenance: recs.provenance[i], fallback: false)
        }
        var text = render(rows, user: RankFoldIn.user, explain: explain)
        if let newline = text.firstIndex(of: "\n") {
            text =
                "recommendations for \(user.map { "'\($0)'" } ?? "the given items") (\(folded.basis)):"
                + text[newline...]
        }
        Console.print(text)
        Console.error(
            "note: ranked by '\(rank.name)' as in the batch (its filters, promotions, pins and category cap) over the candidates of als '\(als.name)'"
        )
    }

    /// `--als-stage`, else the pipeline's only als stage. Nil (when not `required`) if there is
    /// none or several; a wrong `--als-stage` is always an error.
    func chooseALSStage(_ spec: PipelineSpec, required: Bool) throws -> StageSpec? {
        try StageChoice.choose(
            spec, kind: "als", name: alsStage, flag: "--als-stage",
            purpose: "--items folds in a new user with an als stage's factors", required: required)
    }
}
