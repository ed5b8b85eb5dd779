import Foundation
import RecpipeAlgorithms
import RecpipeCore
import RecpipeData
import RecpipeEngine
import RecpipeSpec

/// `split`: a train/test split of an interaction matrix, reused by several models and `evaluate`.
///
/// Methods: per-user random `holdout` (seeded), per-user `leave_last` N by timestamp, global
/// `kfold` (one fold as test), or `file`: an external split file with a train/test column, so a
/// pipeline evaluates on exactly the split another tool used. Train and test share the id maps.
struct SplitStage: Stage {
    static let declaration: StageDeclaration = StageDeclaration(
        kind: "split",
        summary: "Train/test split (per-user holdout, leave-last-N, k-fold, or an external split file) for evaluate.",
        aliases: ["holdout", "train_test_split", "kfold"],
        inputs: [
            PortSpec(
                "interactions", accepts: [.interactions], required: false,
                doc: "the matrix to split (not used with `method: file`)")
        ],
        params: [
            ParamSpec(
                "method", .choice(["holdout", "leave_last", "kfold", "file"]), default: .string("holdout"),
                doc: "how to split"),
            ParamSpec(
                "test_fraction", .float, default: .double(0.2), range: 0...0.99,
                doc: "holdout: share of each user's entries held out (≥ 1 stays in train)"),
            ParamSpec("seed", .int, doc: "holdout/kfold: random seed (default: the pipeline seed)"),
            ParamSpec(
                "n", .int, default: .int(1), range: 1...1_000_000, doc: "leave_last: latest entries per user held out"),
            ParamSpec("folds", .int, default: .int(5), range: 2...1000, doc: "kfold: number of folds"),
            ParamSpec("fold", .int, default: .int(0), range: 0...999, doc: "kfold: the fold used as test (0-based)"),
            ParamSpec(
                "min_test_value", .float,
                doc:
                    "only test entries with value ≥ this are kept as test positives; the others are dropped (from train too)"
            ),
            ParamSpec("path", .path, doc: "file: CSV with user, item, value, split columns"),
            ParamSpec("user_column", .string, default: .string("user_id"), doc: "file: user id column"),
            ParamSpec("item_column", .string, default: .string("item_id"), doc: "file: item id column"),
            ParamSpec(
                "value_column", .string, default: .string("rating"),
                doc: "file: value column (1 for every entry when the file has no such column)"),
            ParamSpec(
                "timestamp_column", .string, default: .string("timestamp"),
                doc: "file: optional Unix-seconds column kept as the train entries' times"),
            ParamSpec("split_column", .string, default: .string("split"), doc: "file: column saying train or test"),
            ParamSpec(
                "test_label", .string, default: .string("test"),
                doc: "file: the split column value marking test rows (every other value is train)"),
        ],
        output: .split,
        check: { spec, _ in
            let params = StageParameters(spec, declaration: declaration)
            let method = params.string("method")
            var out: [Diagnostic] = []
            if method == "file", params.optionalString("path") == nil {
                out.append(
                    .error(
                        "invalid-param", "stage '\(spec.name)': `method: file` needs `path`", at: spec.location,
                        hint: "add `path: data/split.csv` (columns user_id,item_id,rating,split)"))
            }
            if method != "file", spec.inputs["interactions"]?.isEmpty ?? true {
                out.append(
                    .error(
                        "missing-input", "stage '\(spec.name)': `method: \(method)` needs an `interactions` input",
                        at: spec.location, hint: "add `input: <encode stage>`, or use `method: file`"))
            }
            if method == "kfold", case let (f, k) = (params.int("fold"), params.int("folds")), f >= k {
                out.append(
                    .error(
                        "invalid-param", "stage '\(spec.name)': `fold` \(f) is not below `folds` \(k)",
                        at: spec.paramLocations["fold"] ?? spec.location, hint: "folds are numbered 0..<folds"))
            }
            return out
        })

    func run(_ context: StageContext) async throws -> StageOutput {
        let method = context.string("method")
        var split: EvaluationSplit
        var rowsIn: Int
        if method == "file" {
            guard let path = context.optionalPath("path") else {
                throw StageError("`method: file` needs `path`", code: .invalidParam, at: context.spec.location)
            }
            split = try SplitFile.read(path: path, context: context)
            rowsIn = split.rowCount
        } else {
            let data = try context.input("interactions", as: Interactions.self)
            rowsIn = data.rowCount
            let seed = UInt64(truncatingIfNeeded: context.stageSeed)
            let users = Self.entryUsers(data.matrix)
            let indices: Split.Indices
            let label: String
            do {
                switch method {
                case "leave_last":
                    guard let ts = data.timestamps else {
                        throw StageError(
                            "`method: leave_last` needs event times, but the interactions have none",
                            code: .missingColumn, at: context.location(of: "method"),
                            hint:
                                "give the encode stage a `timestamp_column` that exists in the events, or use `method: holdout`"
                        )
                    }
                    let n = context.int("n")
                    indices = try Split.leaveLastN(users: users, timestamps: ts, n: n)
                    label = "leave_last n=\(n)"
                case "kfold":
                    let folds = context.int("folds"), fold = context.int("fold")
                    guard fold < folds else {
                        throw StageError(
                            "`fold` \(fold) is not below `folds` \(folds)", code: .invalidParam,
                            at: context.location(of: "fold"))
                    }
                    indices = try Split.kFold(count: users.count, folds: folds, seed: seed)[fold]
                    label = "kfold \(fold + 1)/\(folds) seed \(seed)"
                default:
                    let f = context.double("test_fraction")
                    indices = try Split.holdout(users: users, testFraction: f, seed: seed)
                    label = "holdout \(f) seed \(seed)"
                }
            } catch let e as AlgorithmError {
                throw StageError(e.message, code: .init(e.code), at: context.location(of: "method"))
            }
            split = Self.assemble(data, users: users, indices: indices, method: label)
        }
        var dropped = 0
        if let minimum = context.optionalDouble("min_test_value") {
            (split, dropped) = Self.keepTest(split, atLeast: Float(minimum))
        }
        let testUsers = (0..<split.train.users.count).count { !split.testRange(user: $0).isEmpty }
        return StageOutput(
            split, rowsIn: rowsIn,
            counters: [
                .init("train_entries", split.train.rowCount), .init("test_entries", split.testItems.count),
                .init("users_with_test", testUsers), .init("test_dropped_below_min", dropped),
            ],
            notes: [
                "\(split.method): \(split.train.rowCount) train, \(split.testItems.count) test entries; \(testUsers) of \(split.train.users.count) users have test items"
                    + (dropped > 0 ? " (\(dropped) test entries below min_test_value dropped)" : "")
            ])
    }

    // MARK: - Assembly

    /// The user of each stored entry, in CSR order.
    static func entryUsers(_ m: SparseMatrix) -> [Int32] {
        var out = [Int32](repeating: 0, count: m.nonZeroCount)
        for r in 0..<m.rows { for p in m.rowRange(r) { out[p] = Int32(r) } }
        return out
    }

    /// Train matrix from the train entries, test lists from the test entries (both keep CSR order).
    static func assemble(_ data: Interactions, users: [Int32], indices: Split.Indices, method: String)
        -> EvaluationSplit
    {
        let m = data.matrix
        var ptr = [Int](repeating: 0, count: m.rows + 1)
        var cols: [Int32] = [], vals: [Float] = [], times: [Int64] = []
        for e in indices.train {
            ptr[Int(users[e]) + 1] += 1
            cols.append(m.columns[e])
            vals.append(m.values[e])
            if let ts = data.timestamps { times.append(ts[e]) }
        }
        for r in 0..<m.rows { ptr[r + 1] += ptr[r] }
        var testOffsets = [Int](repeating: 0, count: m.rows + 1)
        var testItems: [Int32] = [], testValues: [Float] = []
        for e in indices.test {
            testOffsets[Int(users[e]) + 1] += 1
            testItems.append(m.columns[e])
            testValues.append(m.values[e])
        }
        for r in 0..<m.rows { testOffsets[r + 1] += testOffsets[r] }
        let train = Interactions(
            users: data.users, items: data.items,
            matrix: SparseMatrix(rows: m.rows, cols: m.cols, rowPointers: ptr, columns: cols, values: vals),
            timestamps: data.timestamps == nil ? nil : times)
        return EvaluationSplit(
            train: train, testOffsets: testOffsets, testItems: testItems, testValues: testValues, method: method)
    }

    /// Drops test entries with value below `minimum`. Returns the new split and how many were dropped.
    static func keepTest(_ split: EvaluationSplit, atLeast minimum: Float) -> (EvaluationSplit, Int) {
        var offsets = [0], items: [Int32] = [], values: [Float] = []
        for u in 0..<split.train.users.count {
            for p in split.testRange(user: u) where split.testValues[p] >= minimum {
                items.append(split.testItems[p])
                values.append(split.testValues[p])
            }
            offsets.append(items.count)
        }
        let dropped = split.testItems.count - items.count
        let method = split.method + " test value ≥ \(minimum)"
        return (
            EvaluationSplit(
                train: split.train, testOffsets: offsets, testItems: items, testValues: values, method: method), dropped
        )
    }
}
