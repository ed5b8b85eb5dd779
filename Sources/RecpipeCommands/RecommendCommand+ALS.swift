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
    ) throws -> Bool {
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
        do {
            let lines = try ALSQueries.recommend(
                factors: factors, seen: seen, user: user,
                items: items, n: n ?? 10, explain: explain)
            if let instead {
                Console.error("note: \(instead.split(separator: ";").first ?? ""); using the factors of als stage '\(als.name)'")
            }
            Console.print(lines.joined(separator: "\n"))
            return true
        } catch let error as ALSQueryError {
            Console.error("error: \(error.message)")
            throw ExitCode(1)
        }
    }

    /// `--als-stage`, else the pipeline's only als stage. Nil (when not `required`) if there is
    /// none or several; a wrong `--als-stage` is always an error.
    func chooseALSStage(_ spec: PipelineSpec, required: Bool) throws -> StageSpec? {
        try StageChoice.choose(
            spec, kind: "als", name: alsStage, flag: "--als-stage",
            purpose: "--items folds in a new user with an als stage's factors", required: required)
    }
}
