import Foundation
import RecpipeAlgorithms
import RecpipeCore
import RecpipeData
import RecpipeSpec
import RecpipeTestSupport

@testable import RecpipeEngine
@testable import RecpipeStages

/// Small hand-made inputs for the rank stage and a way to run it without a pipeline file.
enum RankFixture {
    /// A candidate source; users and items in first-appearance order, lists as given.
    static func candidates(_ source: String, _ lists: [(String, [(String, Float)])]) -> Candidates {
        var items: [String] = []
        var index: [String: Int32] = [:]
        let rows = lists.map { _, list in
            list.map { id, score -> (item: Int32, score: Float) in
                if index[id] == nil {
                    index[id] = Int32(items.count)
                    items.append(id)
                }
                return (index[id]!, score)
            }
        }
        return Candidates(source: source, users: IDMap(lists.map(\.0)), items: IDMap(items), lists: rows)
    }

    /// `item_id, category, stock, price`.
    static func items(_ rows: [(String, String, Int64, Double)]) -> Table {
        .assemble([
            .strings("item_id", rows.map(\.0)), .strings("category", rows.map(\.1)),
            .ints("stock", rows.map(\.2)), .doubles("price", rows.map(\.3)),
        ])
    }

    /// `user_id, segment, tags`.
    static func profiles(_ rows: [(String, String, String)]) -> Table {
        .assemble([
            .strings("user_id", rows.map(\.0)), .strings("segment", rows.map(\.1)), .strings("tags", rows.map(\.2)),
        ])
    }

    static func seen(_ pairs: [(String, [String])]) -> Interactions {
        var items: [String] = []
        var index: [String: Int32] = [:]
        var ptr = [0], cols: [Int32] = []
        for (_, list) in pairs {
            var row: [Int32] = []
            for id in list {
                if index[id] == nil {
                    index[id] = Int32(items.count)
                    items.append(id)
                }
                row.append(index[id]!)
            }
            cols += row.sorted()
            ptr.append(cols.count)
        }
        let m = SparseMatrix(
            rows: pairs.count, cols: items.count, rowPointers: ptr, columns: cols,
            values: [Float](repeating: 1, count: cols.count))
        return Interactions(users: IDMap(pairs.map(\.0)), items: IDMap(items), matrix: m)
    }

    static func script(_ text: String, name: String = "rules.lua") -> String {
        TestSupport.write(text, to: name, in: TestSupport.temporaryDirectory("rank"))
    }

    /// Runs a rank stage over the given inputs.
    static func run(
        _ params: [String: ParamValue], candidates: [(String, any Artifact)], items: Table? = nil,
        profiles: Table? = nil, seen: Interactions? = nil, purchased: Interactions? = nil, popular: Candidates? = nil,
        asOf: String? = "2026-11-01", threads: Int = 2
    ) async throws -> (Recommendations, StageOutput) {
        var inputs: [String: [StageContext.Input]] = [
            "candidates": candidates.map { .init(stage: $0.0, kind: type(of: $0.1).kind, artifact: $0.1) }
        ]
        if let items { inputs["items"] = [.init(stage: "items", kind: .table, artifact: items)] }
        if let profiles { inputs["profiles"] = [.init(stage: "profiles", kind: .profiles, artifact: profiles)] }
        if let seen { inputs["seen"] = [.init(stage: "matrix", kind: .interactions, artifact: seen)] }
        if let purchased { inputs["purchased"] = [.init(stage: "purchases", kind: .interactions, artifact: purchased)] }
        if let popular { inputs["popular"] = [.init(stage: "popular", kind: .candidates, artifact: popular)] }
        let context = StageHarness.context(
            "rank", name: "recs", params: params, inputs: inputs, file: "p.yaml",
            location: SourceLocation(file: "p.yaml", line: 3, column: 3), asOf: asOf,
            runDirectory: TestSupport.temporaryDirectory("rank-run"), threads: threads)
        let out = try await RankStage().run(context)
        return (out.artifact as! Recommendations, out)
    }

    static func list(_ r: Recommendations, _ user: String) -> [String] { r.itemIDs(user: r.users[user]!) }

    static func provenance(_ r: Recommendations, _ user: String) -> [String] {
        r.range(user: r.users[user]!).map { r.provenance[$0] }
    }

    static func scores(_ r: Recommendations, _ user: String) -> [Float] {
        r.range(user: r.users[user]!).map { r.scores[$0] }
    }

    static func counter(_ out: StageOutput, _ name: String) -> Int? {
        out.counters.first { $0.name == name }?.value
    }
}
