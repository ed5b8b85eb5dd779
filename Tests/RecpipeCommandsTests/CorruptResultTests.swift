import Foundation
import RecpipeCore
import RecpipeEngine
import RecpipeTestSupport
import Testing

/// Query commands over a cache whose results are missing or corrupt: an error that says which
/// result and how to rebuild it (exit 1) — never an answer from another stage.
@Suite struct CorruptResultTests {
    /// The rank/als fixture of `RecommendItemsTests` (rank stage `recs`, als stage `mf`).
    func ranPipeline(rank: Bool = true) async -> String {
        let p = RecommendItemsTests().makePipeline(rank: rank)
        let run = await recpipe("run", p)
        #expect(run.code == 0, "\(run.err)")
        return p
    }

    /// Flips the last byte of `stage`'s current cached artifact; returns its path.
    @discardableResult
    func corrupt(_ stage: String, of pipeline: String) throws -> String {
        let dir = (pipeline as NSString).deletingLastPathComponent
        let data = try Data(contentsOf: URL(fileURLWithPath: dir + "/.recpipe/state/recommend-items.json"))
        let state = try JSONDecoder().decode(ArtifactStore.State.self, from: data)
        let fp = try #require(state.stages[stage]?.current.value)
        let path = dir + "/.recpipe/artifacts/\(fp).rcpa"
        var bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
        bytes[bytes.count - 1] ^= 0xFF
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return path
    }

    @Test func recommendAfterACorruptRankResultIsAnErrorNotTheALSList() async throws {
        let p = await ranPipeline()
        try corrupt("recs", of: p)
        let r = await recpipe("recommend", p, "--user", "u0")
        #expect(r.code == 1)
        #expect(r.out.isEmpty, "\(r.out)")
        #expect(
            r.err.contains(
                "error: the stored result of stage 'recs' cannot be read (artifact checksum does not match its contents (corrupt file))"
            ), "\(r.err)")
        #expect(r.err.contains("recpipe run \(p)"))
        #expect(!r.err.contains("has no result yet") && !r.err.contains("using the factors"))

        // The next run detects the corruption, rebuilds the result, and recommend answers again.
        let rerun = await recpipe("run", p)
        #expect(rerun.code == 0 && rerun.err.contains("cached result was unreadable"), "\(rerun.err)")
        let again = await recpipe("recommend", p, "--user", "u0")
        #expect(again.code == 0 && again.out.hasPrefix("recommendations for 'u0':\n  1. "), "\(again.err)")
    }

    @Test func aDeletedRankResultIsAnErrorToo() async throws {
        let p = await ranPipeline()
        let path = try corrupt("recs", of: p)
        try FileManager.default.removeItem(atPath: path)
        let r = await recpipe("recommend", p, "--user", "u0")
        #expect(r.code == 1 && r.out.isEmpty)
        #expect(
            r.err.contains("error: the stored result of stage 'recs' cannot be read (cannot read cached artifact"),
            "\(r.err)")
    }

    @Test func aUserMissingFromTheRankResultIsAnErrorNotTheALSList() async throws {
        let p = await ranPipeline()
        let r = await recpipe("recommend", p, "--user", "u9")
        #expect(r.code == 1 && r.out.isEmpty, "\(r.out)")
        #expect(r.err.contains("error: user 'u9' is not in the result of 'recs' (5 users)"), "\(r.err)")
    }

    @Test func factorsAfterCorruptFactorsOrCorruptInteractionsIsAnError() async throws {
        let p = await ranPipeline()
        try corrupt("matrix", of: p)
        // Without the interactions the seen items could not be excluded: no list.
        let seen = await recpipe("factors", p, "--user", "u0")
        #expect(seen.code == 1 && seen.out.isEmpty)
        #expect(
            seen.err.contains("error: the stored result of stage 'matrix' cannot be read (artifact checksum"),
            "\(seen.err)")
        // A fold-in from given items does not read the training interactions: it still answers.
        let items = await recpipe("recommend", p, "--items", "a1")
        #expect(items.code == 0, "\(items.err)")

        try corrupt("mf", of: p)
        let factors = await recpipe("factors", p, "--similar", "a1")
        #expect(factors.code == 1 && factors.out.isEmpty)
        #expect(
            factors.err.contains("error: the stored result of stage 'mf' cannot be read (artifact checksum"),
            "\(factors.err)")
    }

    @Test func withoutARankStageCorruptFactorsAreAnErrorNotAMissingStage() async throws {
        let p = await ranPipeline(rank: false)
        try corrupt("mf", of: p)
        let r = await recpipe("recommend", p, "--user", "u1")
        #expect(r.code == 1)
        #expect(r.err.contains("error: the stored result of stage 'mf' cannot be read"), "\(r.err)")
    }

    @Test func diffSaysAResultIsUnreadableInsteadOfNoResultYet() async throws {
        let p = await ranPipeline()
        #expect(await recpipe("run", p, "--set", "recs.top=1", "--production").code == 0)
        try corrupt("recs", of: p)
        let r = await recpipe("run", p, "--only", "events", "--diff")
        #expect(r.code == 0, "\(r.err)")
        #expect(
            r.out.contains("diff of 'recs': the stored result of stage 'recs' cannot be read (artifact checksum"),
            "\(r.out)")
    }
}
