import Foundation
import RecpipeAlgorithms
import RecpipeData
import RecpipeStages
import RecpipeTestSupport
import Synchronization
import Testing

@testable import RecpipeCommands

@Suite struct FactorsCommandTests {
    // MARK: - Fixtures

    /// Runs a command line in-process, capturing stdout and stderr.
    static func cli(_ args: [String]) async -> (code: Int32, out: String, err: String) {
        let out = Mutex(""), err = Mutex("")
        let console = Console(
            out: { s in out.withLock { $0 += s } }, err: { s in err.withLock { $0 += s } }, isTerminal: false)
        let code = await Console.$current.withValue(console) { await RecpipeCommand.execute(args) }
        return (code, out.withLock { $0 }, err.withLock { $0 })
    }

    /// 5 users × 6 items (two taste groups, u4 bridges them), implicit counts.
    static let interactions: Interactions = {
        let rows: [[(Int, Float)]] = [
            [(0, 2), (1, 1), (2, 1)], [(0, 1), (1, 3)], [(1, 1), (2, 2), (3, 1)], [(3, 1), (4, 2), (5, 1)],
            [(0, 1), (4, 1), (5, 3)],
        ]
        let triplets = rows.enumerated().flatMap { u, r in r.map { (row: u, col: $0.0, value: $0.1) } }
        return Interactions(
            users: IDMap((0..<5).map { "u\($0)" }), items: IDMap((0..<6).map { "i\($0)" }),
            matrix: SparseMatrix(rows: 5, cols: 6, triplets: triplets))
    }()

    /// Factors trained with the exact solver (so fold-in reproduces the trained vectors).
    static func factors(_ kind: ALSModel.Kind) throws -> Factors {
        let m = interactions.matrix
        let model: ALSModel
        switch kind {
        case .implicit(let o): model = try ALS.fitImplicit(m, options: o)
        case .explicit(let o): model = try ALS.fitExplicit(m, options: o)
        }
        let lists = try model.recommendAll(n: 3, exclude: m).map { $0.map { (item: Int32($0.item), score: $0.score) } }
        return Factors(
            users: interactions.users, items: interactions.items, factors: model.factors,
            userFactors: model.userFactors,
            itemFactors: model.itemFactors, settings: ALSSettings.encode(kind), globalMean: model.globalMean,
            userBias: model.userBiases, itemBias: model.itemBiases,
            candidates: Candidates(source: "als", users: interactions.users, items: interactions.items, lists: lists))
    }

    static let implicitKind = ALSModel.Kind.implicit(
        ALSImplicitOptions(
            factors: 3, iterations: 20, regularization: 0.1, alpha: 2, confidence: .onePlus, solver: .cholesky, seed: 5)
    )

    // MARK: - ALSQueries

    @Test func foldInOfATrainingUserMatchesTheirTrainedRecommendations() throws {
        let f = try Self.factors(Self.implicitKind)
        for u in 0..<5 {
            let user = "u\(u)"
            let trained = try ALSQueries.recommendations(
                factors: f, seen: Self.interactions, user: user, items: [], n: 3, explain: false)
            let history = Self.interactions.matrix.rowRange(u).map {
                "i\(Self.interactions.matrix.columns[$0]):\(Self.interactions.matrix.values[$0])"
            }
            let folded = try ALSQueries.recommendations(
                factors: f, seen: nil, user: user, items: history, n: 3, explain: false)
            #expect(trained.rows.map(\.item) == folded.rows.map(\.item), "\(user)")
            for (a, b) in zip(trained.rows, folded.rows) { #expect(abs(a.score - b.score) < 1e-3, "\(user)") }
            // The stored candidates are the same lists.
            #expect(
                trained.rows.map(\.item)
                    == f.candidates.range(user: u).map { f.items[Int(f.candidates.itemIndices[$0])] })
            #expect(trained.basis == "trained vector, \(Self.interactions.matrix.rowCount(u)) seen items excluded")
            #expect(folded.basis.hasSuffix("instead of the trained vector"))
        }
    }

    @Test func itemsFoldInANewUserAndExcludeThoseItems() throws {
        let f = try Self.factors(Self.implicitKind)
        let lines = try ALSQueries.recommend(
            factors: f, seen: Self.interactions, user: "newcomer", items: ["i4", "i5:2"], n: 2, explain: false)
        #expect(lines.first == "recommendations for 'newcomer' (folded in from 2 items):")
        #expect(lines.count == 3)
        #expect(!lines.dropFirst().contains { $0.contains(" i4 ") || $0.contains(" i5 ") })
        #expect(lines[1].hasPrefix("  1. i"))
        let anonymous = try ALSQueries.recommend(factors: f, seen: nil, user: nil, items: ["i0"], n: 1, explain: false)
        #expect(anonymous.first == "recommendations for the given items (folded in from 1 item):")
    }

    @Test func explainListsContributionsSummingToTheExactScore() throws {
        let f = try Self.factors(Self.implicitKind)
        let r = try ALSQueries.recommendations(
            factors: f, seen: Self.interactions, user: "u1", items: [], n: 2, explain: true)
        #expect(r.rows.count == 2)
        for row in r.rows {
            #expect(!row.because.isEmpty && row.because.allSatisfy { ["i0", "i1"].contains($0.item) })
            // With the exact solver the trained score equals the explained total.
            #expect(abs(row.because.map(\.contribution).reduce(0, +) - row.score) < 1e-3)
        }
        let lines = try ALSQueries.recommend(
            factors: f, seen: Self.interactions, user: "u1", items: [], n: 2, explain: true)
        #expect(lines.count == 5 && lines[2].hasPrefix("      because: i"))
    }

    @Test func similarItemsAndQueryErrors() throws {
        let f = try Self.factors(Self.implicitKind)
        let lines = try ALSQueries.similar(factors: f, item: "i4", n: 2)
        #expect(lines.first == "items similar to 'i4' (cosine of item factors):" && lines.count == 3)
        #expect(!lines.dropFirst().contains { $0.contains(" i4 ") })
        #expect(throws: ALSQueryError.self) { try ALSQueries.similar(factors: f, item: "i9", n: 2) }
        let unknownUser = #expect(throws: ALSQueryError.self) {
            try ALSQueries.recommend(factors: f, seen: nil, user: "nobody", items: [], n: 2, explain: false)
        }
        #expect(unknownUser?.message.contains("pass --items a,b,c to fold in a new user") == true)
        let unknownItem = #expect(throws: ALSQueryError.self) {
            try ALSQueries.recommend(factors: f, seen: nil, user: nil, items: ["i1", "zz"], n: 2, explain: false)
        }
        #expect(unknownItem?.message.contains("item 'zz' is not in the trained factors (6 items)") == true)
    }

    @Test func explicitModelsFoldInWithBiasesAndRefuseExplain() throws {
        let f = try Self.factors(
            .explicit(ALSExplicitOptions(factors: 2, iterations: 10, regularization: 0.1, ratingRange: 1...5, seed: 2)))
        let trained = try ALSQueries.recommendations(
            factors: f, seen: Self.interactions, user: "u2", items: [], n: 2, explain: false)
        let folded = try ALSQueries.recommendations(
            factors: f, seen: nil, user: nil, items: ["i1:1", "i2:2", "i3:1"], n: 2, explain: false)
        #expect(trained.rows.map(\.item) == folded.rows.map(\.item))
        for (a, b) in zip(trained.rows, folded.rows) { #expect(abs(a.score - b.score) < 1e-3) }
        let e = #expect(throws: ALSQueryError.self) {
            try ALSQueries.recommend(factors: f, seen: nil, user: "u2", items: [], n: 2, explain: true)
        }
        #expect(e?.message.contains("explain needs an implicit-feedback ALS model") == true)
    }

    // MARK: - recpipe factors

    @Test func factorsCommandQueriesTheLastRun() async throws {
        let dir = TestSupport.temporaryDirectory("factors")
        var csv = "user_id,item_id,rating,split\n"
        for u in 0..<5 {
            for k in Self.interactions.matrix.rowRange(u) {
                csv +=
                    "u\(u),i\(Self.interactions.matrix.columns[k]),\(Int(Self.interactions.matrix.values[k])),train\n"
            }
        }
        csv += "u0,i3,1,test\n"
        TestSupport.write(csv, to: "split.csv", in: dir)
        let pipeline = TestSupport.write(
            """
            pipeline: factors-test
            seed: 3
            stages:
              split:
                uses: split
                with: { method: file, path: split.csv }
              mf:
                uses: als
                input: split
                with: { factors: 3, iterations: 5, solver: cholesky, candidates: 3 }
            """, to: "p.yaml", in: dir)

        let before = await Self.cli(["factors", pipeline, "--user", "u0"])
        #expect(before.code == 1 && before.err.contains("stage 'mf' has no result yet; run the pipeline first"))

        #expect(await Self.cli(["run", pipeline]).code == 0)
        let user = await Self.cli(["factors", pipeline, "--user", "u0", "-n", "2", "--explain"])
        #expect(user.code == 0, "\(user.err)")
        let lines = user.out.split(separator: "\n").map(String.init)
        #expect(lines.first == "recommendations for 'u0' (trained vector, 3 seen items excluded):")
        #expect(lines.count == 5 && lines[1].hasPrefix("  1. i") && lines[2].hasPrefix("      because: "))
        #expect(
            !lines.contains {
                $0.hasPrefix("  ") && ($0.contains(". i0 ") || $0.contains(". i1 ") || $0.contains(". i2 "))
            })

        let items = await Self.cli(["factors", pipeline, "--items", "i4, i5", "-n", "1", "--stage", "mf"])
        #expect(items.code == 0 && items.out.hasPrefix("recommendations for the given items (folded in from 2 items):"))
        let similar = await Self.cli(["factors", pipeline, "--similar", "i0", "-n", "2"])
        #expect(similar.code == 0 && similar.out.hasPrefix("items similar to 'i0'"))

        let unknown = await Self.cli(["factors", pipeline, "--user", "nobody"])
        #expect(unknown.code == 1 && unknown.err.contains("user 'nobody' is not in the trained factors (5 users)"))
        let wrongStage = await Self.cli(["factors", pipeline, "--user", "u0", "--stage", "split"])
        #expect(wrongStage.code == 2 && wrongStage.err.contains("stage 'split' is a split stage"))
        let both = await Self.cli(["factors", pipeline, "--user", "u0", "--similar", "i0"])
        #expect(both.code == 2 && both.err.contains("--similar cannot be combined"))
        let none = await Self.cli(["factors", pipeline])
        #expect(none.code == 2 && none.err.contains("give --user U, --items a,b,c or --similar ITEM"))
    }
}
