import Foundation
import RecpipeAlgorithms
import RecpipeData
import RecpipeEngine

/// Reads an external split file (`user_id,item_id,rating,timestamp,split`) into an
/// `EvaluationSplit`: ids in order of first appearance over the whole file, train entries
/// aggregated per (user, item) by sum (latest timestamp kept), test entries in file order.
enum SplitFile {
    static func read(path: String, context: StageContext) throws -> EvaluationSplit {
        let userColumn = context.string("user_column")
        let itemColumn = context.string("item_column")
        let valueColumn = context.string("value_column")
        let timeColumn = context.string("timestamp_column")
        let splitColumn = context.string("split_column")
        let testLabel = context.string("test_label")
        let table: Table
        do {
            var options = IngestOptions(
                schema: [
                    ColumnSpec(userColumn, .string), ColumnSpec(itemColumn, .string), ColumnSpec(splitColumn, .string),
                ],
                onBadRow: .fail)
            options.parallel = true
            table = try CSVReader.read(path: path, options: options).table
        } catch let e as IngestError {
            throw StageError(
                e.message, code: .init(rawValue: e.errorCode), at: context.location(of: "path"), hint: e.hint)
        }
        func column(_ name: String, _ param: String) throws -> Int {
            guard let c = table.columnIndex(name) else {
                throw StageError(
                    "split file '\(path)' has no column '\(name)' (columns: \(table.columnNames.joined(separator: ", ")))",
                    code: .missingColumn, at: context.location(of: param),
                    hint: "set `\(param)` to the right column name")
            }
            return c
        }
        let uc = try column(userColumn, "user_column"), ic = try column(itemColumn, "item_column")
        let sc = try column(splitColumn, "split_column")
        let vc = table.columnIndex(valueColumn), tc = table.columnIndex(timeColumn)
        return try assemble(
            table: table, uc: uc, ic: ic, sc: sc, vc: vc, tc: tc, testLabel: testLabel, path: path, context: context)
    }

    private static func assemble(
        table: Table, uc: Int, ic: Int, sc: Int, vc: Int?, tc: Int?, testLabel: String, path: String,
        context: StageContext
    ) throws -> EvaluationSplit {
        var userIDs: [String] = [], itemIDs: [String] = []
        var userIndex: [String: Int32] = [:], itemIndex: [String: Int32] = [:]
        func code(_ id: String, _ ids: inout [String], _ index: inout [String: Int32]) -> Int32 {
            if let c = index[id] { return c }
            let c = Int32(ids.count)
            ids.append(id)
            index[id] = c
            return c
        }
        var train: [(u: Int32, i: Int32, v: Float, t: Int64)] = []
        var test: [(u: Int32, i: Int32, v: Float)] = []
        for r in 0..<table.rowCount {
            guard let uid = table.string(row: r, col: uc), let iid = table.string(row: r, col: ic),
                let label = table.string(row: r, col: sc)
            else {
                throw StageError(
                    "split file '\(path)' row \(r + 2) has an empty user, item or split field",
                    code: .init(rawValue: IngestError.Code.badRow.rawValue), at: context.location(of: "path"),
                    hint: "every row needs a user, an item and train/test")
            }
            let u = code(uid, &userIDs, &userIndex), i = code(iid, &itemIDs, &itemIndex)
            let v = Float(vc.flatMap { table.double(row: r, col: $0) } ?? 1)
            if label == testLabel {
                test.append((u, i, v))
            } else {
                train.append((u, i, v, tc.flatMap { table.int(row: r, col: $0) } ?? 0))
            }
        }
        let rows = userIDs.count, cols = itemIDs.count
        train.sort { ($0.u, $0.i) < ($1.u, $1.i) }
        var ptr = [Int](repeating: 0, count: rows + 1)
        var columns: [Int32] = [], values: [Float] = [], times: [Int64] = []
        for e in train {
            if let last = columns.last, ptr[Int(e.u) + 1] > 0, last == e.i {
                values[values.count - 1] += e.v
                times[times.count - 1] = max(times[times.count - 1], e.t)
                continue
            }
            ptr[Int(e.u) + 1] += 1
            columns.append(e.i)
            values.append(e.v)
            times.append(e.t)
        }
        for r in 0..<rows { ptr[r + 1] += ptr[r] }
        let orderedTest = test.enumerated().sorted { ($0.element.u, $0.offset) < ($1.element.u, $1.offset) }.map(
            \.element)
        var testOffsets = [Int](repeating: 0, count: rows + 1)
        for e in orderedTest { testOffsets[Int(e.u) + 1] += 1 }
        for r in 0..<rows { testOffsets[r + 1] += testOffsets[r] }
        let interactions = Interactions(
            users: IDMap(userIDs), items: IDMap(itemIDs),
            matrix: SparseMatrix(rows: rows, cols: cols, rowPointers: ptr, columns: columns, values: values),
            timestamps: tc == nil ? nil : times)
        let name = URL(fileURLWithPath: path).lastPathComponent
        return EvaluationSplit(
            train: interactions, testOffsets: testOffsets, testItems: orderedTest.map(\.i),
            testValues: orderedTest.map(\.v),
            method: "file \(name)")
    }
}
