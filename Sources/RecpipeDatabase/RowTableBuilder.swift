import RecpipeData

/// Turns query results, fed in chunks of rows, into a typed `Table` with the same accounting as
/// the CSV reader: a row whose value does not fit its column's type is rejected whole, with its
/// row number (1-based, in result order) and the reason, and `rows_in = rows_ok + rows_rejected`.
/// Column types come from the ingest `schema` when it names the column, else from the first
/// chunk (ints → int, ints and floats → float, any text → string). O(rows × columns).
package struct RowTableBuilder {
    package let label: String
    let names: [String]
    let options: IngestOptions
    /// Per kept result column: its index in the row, output name, type, timestamp formats.
    private var plans: [(index: Int, name: String, type: ColumnType, formats: [TimestampFormat])] = []
    private var columns: [ColumnAccumulator] = []
    private var planned = false
    private(set) package var rowsIn = 0
    private(set) package var rowsOk = 0
    private(set) package var rejected = 0
    private(set) package var rejects: [RejectedRow] = []

    /// - Parameter names: the result's column names; `label` names the source in errors.
    package init(names: [String], options: IngestOptions, label: String) throws {
        self.names = names
        self.options = options
        self.label = label
        for spec in options.schema ?? [] where !names.contains(spec.name) {
            throw IngestError(
                .missingColumn, path: label,
                "the schema names column '\(spec.name)' but the query returns: \(names.joined(separator: ", "))",
                hint: "select the column in the query, or remove it from the schema")
        }
    }

    /// Adds one chunk of rows (each `names.count` values).
    package mutating func add(_ rows: [[Value]]) {
        if !planned { plan(from: rows) }
        for row in rows {
            rowsIn += 1
            var converted: [Value] = []
            converted.reserveCapacity(plans.count)
            var failure: String?
            for p in plans {
                let v = row[p.index]
                if v.isNull {
                    converted.append(.null)
                } else if let c = Table.convert(v, to: p.type, p.formats) {
                    converted.append(c)
                } else {
                    failure = "column '\(names[p.index])': '\(v)' is not a \(p.type)"
                    break
                }
            }
            if let failure {
                rejected += 1
                if options.onBadRow != .skip || rejects.count < 5 {
                    rejects.append(
                        RejectedRow(line: rowsIn, raw: row.map(\.description).joined(separator: ","), reason: failure))
                }
                continue
            }
            rowsOk += 1
            for (j, v) in converted.enumerated() { columns[j].append(v) }
        }
    }

    /// The table, after the bad-row policy (`fail`, `max_bad_rows`) is applied.
    package mutating func finish() throws -> IngestResult {
        if !planned { plan(from: []) }
        try CSVReader.enforce(policy: options, rejects: rejects, rejected: rejected, rowsIn: rowsIn, path: label)
        let table: Table
        do {
            table = try Table(columns: zip(plans, columns).map { $1.column(named: $0.name) })
        } catch {
            throw IngestError(
                .invalidOption, path: label, "\(error)",
                hint: "give the columns distinct names (AS in the query, or `rename`)")
        }
        let schema = plans.map { p in
            ColumnSpec(names[p.index], p.type, rename: p.name == names[p.index] ? nil : p.name)
        }
        return IngestResult(
            table: table, rowsIn: rowsIn, rowsOk: rowsOk, rowsRejected: rejected,
            rejects: options.onBadRow == .skip ? [] : rejects, schema: schema)
    }

    private mutating func plan(from sample: [[Value]]) {
        planned = true
        let specs = Dictionary((options.schema ?? []).map { ($0.name, $0) }) { a, _ in a }
        for (i, name) in names.enumerated() {
            if let s = specs[name] {
                let formats = s.format.flatMap { TimestampFormat(pattern: $0) }.map { [$0] } ?? TimestampFormat.common
                plans.append((i, s.outputName, s.type, formats))
            } else if !options.onlySchemaColumns {
                plans.append((i, name, Self.infer(sample.lazy.map { $0[i] }), TimestampFormat.common))
            }
        }
        columns = plans.map { ColumnAccumulator(type: $0.type) }
    }

    static func infer<S: Sequence<Value>>(_ values: S) -> ColumnType {
        var seen: Set<ColumnType> = []
        for v in values {
            switch v {
            case .null: continue
            case .int: seen.insert(.int)
            case .double: seen.insert(.float)
            case .bool: seen.insert(.bool)
            case .timestamp: seen.insert(.timestamp)
            case .string: return .string
            }
        }
        if seen.count == 1 { return seen.first! }
        if seen.isSubset(of: [.int, .float]), !seen.isEmpty { return .float }
        return .string
    }
}

/// One column's values as they arrive: typed storage, a validity mask, and for strings a
/// dictionary built on the fly.
struct ColumnAccumulator {
    private var ints: [Int64] = []
    private var floats: [Double] = []
    private var bools: [Bool] = []
    private var codes: [UInt32] = []
    private var dictionary: [String] = []
    private var lookup: [String: UInt32] = [:]
    private var validity: [Bool] = []
    private var hasNull = false
    let type: ColumnType

    init(type: ColumnType) { self.type = type }

    /// `v` is null or already of `type` (converted by the builder).
    mutating func append(_ v: Value) {
        let isNull = v.isNull
        validity.append(!isNull)
        hasNull = hasNull || isNull
        switch (type, v) {
        case (.int, .int(let x)), (.timestamp, .timestamp(let x)): ints.append(x)
        case (.int, _), (.timestamp, _): ints.append(0)
        case (.float, .double(let x)): floats.append(x)
        case (.float, _): floats.append(0)
        case (.bool, .bool(let b)): bools.append(b)
        case (.bool, _): bools.append(false)
        case (.string, .string(let s)):
            if let c = lookup[s] {
                codes.append(c)
            } else {
                let c = UInt32(dictionary.count)
                dictionary.append(s)
                lookup[s] = c
                codes.append(c)
            }
        case (.string, _): codes.append(0)
        }
    }

    func column(named name: String) -> Column {
        let data: ColumnData
        switch type {
        case .int: data = .int(ints)
        case .timestamp: data = .timestamp(ints)
        case .float: data = .float(floats)
        case .bool: data = .bool(bools)
        case .string: data = .string(dictionary: dictionary.isEmpty && !codes.isEmpty ? [""] : dictionary, codes: codes)
        }
        return Column(name: name, data: data, validity: hasNull ? validity : nil)
    }
}
