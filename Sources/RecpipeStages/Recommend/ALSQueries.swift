import Foundation
import RecpipeAlgorithms
import RecpipeCore
import RecpipeData

/// Queries against a cached `als` result (`Factors`): a user's recommendations from their trained
/// vector, fold-in of a new user from items, `implicit`-style explanations and similar items.
///
/// Pure functions (no I/O) returning the lines to print, so `recpipe factors` and
/// `recpipe recommend` and `recpipe serve` can share them. Errors are `ALSQueryError`s with a message for the user.
package enum ALSQueries {
    /// One recommended item, with the liked items that contributed most when explained.
    package struct Recommendation: Sendable, Equatable {
        package var item: String
        package var score: Float
        /// Liked item → contribution (implicit models, `explain` only), largest first.
        package var because: [(item: String, contribution: Float)]

        package static func == (a: Self, b: Self) -> Bool {
            a.item == b.item && a.score == b.score && a.because.map(\.item) == b.because.map(\.item)
                && a.because.map(\.contribution) == b.because.map(\.contribution)
        }
    }

    /// The user's vector source and the recommendations.
    package struct Result: Sendable, Equatable {
        /// e.g. `trained vector, 12 seen items excluded` or `folded in from 3 items`.
        package var basis: String
        package var rows: [Recommendation]
    }

    // MARK: - Recommend

    /// The lines `recpipe factors --user/--items` prints: a header, then `rank. item  score`, and
    /// under each item its top contributing liked items when `explain`.
    package static func recommend(
        factors: Factors, seen: Interactions?, user: String?, items: [String], n: Int, explain: Bool
    ) throws -> [String] {
        let result = try recommendations(factors: factors, seen: seen, user: user, items: items, n: n, explain: explain)
        let who = user.map { "'\($0)'" } ?? "the given items"
        var lines = ["recommendations for \(who) (\(result.basis)):"]
        guard !result.rows.isEmpty else { return lines + ["  (none)"] }
        let width = result.rows.map(\.item.count).max() ?? 0
        for (k, r) in result.rows.enumerated() {
            lines.append(
                "\(rankLabel(k + 1)). \(r.item.padding(toLength: width, withPad: " ", startingAt: 0))  \(format(r.score))"
            )
            if explain {
                let parts = r.because.map { "\($0.item) \(format($0.contribution))" }
                lines.append("      because: " + (parts.isEmpty ? "(no liked items)" : parts.joined(separator: ", ")))
            }
        }
        return lines
    }

    /// Recommendations for a known `user` from their trained vector (seen items excluded), or —
    /// when `items` is not empty, or the user is not in the factors — from a vector folded in from
    /// `items` (each `id` or `id:value`; value 1 by default) with the item factors fixed.
    package static func recommendations(
        factors: Factors, seen: Interactions?, user: String?, items: [String], n: Int, explain: Bool
    ) throws -> Result {
        guard n >= 1 else { throw ALSQueryError("-n must be at least 1 (got \(n))") }
        let model = try buildModel(factors)
        let knownUser = user.flatMap { factors.users[$0] }
        var history: [(item: Int, value: Float)]
        let vector: [Float]
        var offset: Float = 0
        let basis: String
        if items.isEmpty {
            guard let u = knownUser else {
                let id = user ?? ""
                let hint =
                    Suggestions.hint(for: id, in: Array(factors.users.ids.prefix(100_000))).map { " (\($0))" } ?? ""
                throw ALSQueryError(
                    "user '\(id)' is not in the trained factors (\(factors.users.count) users)\(hint); pass --items a,b,c to fold in a new user from the items they interacted with"
                )
            }
            history = seen.map { seenItems(of: factors.users[u], in: $0, factors: factors) } ?? []
            vector = Array(model.userVector(u))
            if !model.userBiases.isEmpty { offset = model.globalMean + model.userBiases[u] }
            basis = "trained vector, \(history.count) seen item\(history.count == 1 ? "" : "s") excluded"
        } else {
            history = try parseItems(items, factors: factors)
            let folded = try run { try model.foldIn(history) }
            vector = folded.factors
            if !model.userBiases.isEmpty { offset = model.globalMean + folded.bias }
            let distinct = Set(history.map(\.item)).count
            basis =
                "folded in from \(distinct) item\(distinct == 1 ? "" : "s")"
                + (knownUser != nil ? " instead of the trained vector" : "")
        }
        let top = try run {
            try model.recommend(vector: vector, n: n, exclude: Array(Set(history.map(\.item))).sorted())
        }
        var rows: [Recommendation] = []
        for r in top {
            var because: [(item: String, contribution: Float)] = []
            if explain {
                let e = try run { try model.explain(history, item: r.item, n: 5) }
                because = e.contributions.map { (factors.items[$0.item], $0.score) }
            }
            rows.append(Recommendation(item: factors.items[r.item], score: r.score + offset, because: because))
        }
        return Result(basis: basis, rows: rows)
    }

    // MARK: - Similar items

    /// `items similar to 'X'` then `rank. item  cosine` lines.
    package static func similar(factors: Factors, item: String, n: Int) throws -> [String] {
        guard n >= 1 else { throw ALSQueryError("-n must be at least 1 (got \(n))") }
        guard let i = factors.items[item] else { throw unknownItem(item, factors: factors) }
        let model = try buildModel(factors)
        let top = try run { try model.similarItems(item: i, n: n) }
        var lines = ["items similar to '\(item)' (cosine of item factors):"]
        let width = top.map { factors.items[$0.item].count }.max() ?? 0
        for (k, r) in top.enumerated() {
            lines.append(
                "\(rankLabel(k + 1)). \(factors.items[r.item].padding(toLength: width, withPad: " ", startingAt: 0))  \(format(r.score))"
            )
        }
        return lines
    }

    // MARK: - Helpers

    package static func buildModel(_ factors: Factors) throws -> ALSModel {
        try run { try ALSSettings.model(from: factors) }
    }

    /// `(factor item index, value)` of a user's entries in `seen`, matched by id.
    package static func seenItems(of user: String, in seen: Interactions, factors: Factors) -> [(
        item: Int, value: Float
    )] {
        guard let u = seen.users[user] else { return [] }
        return seen.matrix.rowRange(u).compactMap { k in
            factors.items[seen.items[Int(seen.matrix.columns[k])]].map { (item: $0, value: seen.matrix.values[k]) }
        }
    }

    /// `id` or `id:value` (the whole text is taken as the id when it names a known item).
    package static func parseItems(_ items: [String], factors: Factors) throws -> [(item: Int, value: Float)] {
        try items.map { text in
            if let i = factors.items[text] { return (i, 1) }
            if let colon = text.lastIndex(of: ":"), let value = Float(text[text.index(after: colon)...]),
                let i = factors.items[String(text[..<colon])]
            {
                guard value.isFinite else { throw ALSQueryError("item '\(text)': the value must be a finite number") }
                return (i, value)
            }
            throw unknownItem(text, factors: factors)
        }
    }

    package static func unknownItem(_ item: String, factors: Factors) -> ALSQueryError {
        let hint = Suggestions.hint(for: item, in: Array(factors.items.ids.prefix(100_000))).map { " (\($0))" } ?? ""
        return ALSQueryError("item '\(item)' is not in the trained factors (\(factors.items.count) items)\(hint)")
    }

    /// Turns `AlgorithmError`s into query errors.
    package static func run<T>(_ body: () throws -> T) throws -> T {
        do { return try body() } catch let e as AlgorithmError { throw ALSQueryError(e.message) }
    }

    package static func format(_ x: Float) -> String { String(format: "%.4f", Double(x)) }

    /// The rank right-aligned in 3 columns.
    package static func rankLabel(_ k: Int) -> String {
        let s = String(k)
        return String(repeating: " ", count: max(0, 3 - s.count)) + s
    }
}

/// A query against cached factors that cannot be answered, with the reason.
package struct ALSQueryError: Error, Sendable, Equatable, CustomStringConvertible {
    package var message: String
    package init(_ message: String) { self.message = message }
    package var description: String { message }
}
