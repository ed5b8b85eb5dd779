import RecpipeCore

/// How one input column is read: its type, an optional new name, and for timestamps an optional
/// format (`%Y-%m-%d %H:%M:%S`, `%Y-%m-%d`, `%m/%d/%Y %H:%M`, `iso8601`, `unix`). Without a
/// format a timestamp column accepts any of `TimestampFormat.common`.
package struct ColumnSpec: Sendable, Hashable {
    /// The column's name in the file header (or JSON key).
    package var name: String
    package var type: ColumnType
    package var rename: String?
    package var format: String?
    /// For a float column: whether `inf`, `nan` and values that overflow (`1e400`) are kept.
    /// By default they make the row a reject, since no price or quantity is infinite.
    package var allowNonFinite: Bool
    /// For an int or float column: the smallest and largest value a row may have (a negative
    /// price, a quantity of 9223372036854775807); a value outside makes the row a reject.
    package var minimum: Double?
    package var maximum: Double?

    package init(
        _ name: String, _ type: ColumnType, rename: String? = nil, format: String? = nil, allowNonFinite: Bool = false,
        minimum: Double? = nil, maximum: Double? = nil
    ) {
        self.name = name
        self.type = type
        self.rename = rename
        self.format = format
        self.allowNonFinite = allowNonFinite
        self.minimum = minimum
        self.maximum = maximum
    }

    /// The column's name in the resulting table.
    package var outputName: String { rename ?? name }
}

/// What to do with a row that does not fit the schema.
package enum BadRowPolicy: String, Sendable, Hashable, CaseIterable {
    /// Keep the row in `IngestResult.rejects` (for a rejects file).
    case quarantine
    /// Count it only.
    case skip
    /// Fail the ingest at the first bad row.
    case fail
}

/// What to do with a text field whose bytes are not valid UTF-8.
package enum InvalidUTF8Policy: String, Sendable, Hashable, CaseIterable {
    /// Keep the row, with each bad byte sequence replaced by U+FFFD, and count the fields.
    case replace
    /// Reject the row (it counts as a bad row).
    case reject
}

/// Which row to keep when rows repeat a `unique` key.
package enum DuplicatePolicy: String, Sendable, Hashable, CaseIterable {
    /// Keep the first row; later ones are bad rows (in the rejects file, counted).
    case first
    /// Keep the last row; earlier ones are bad rows.
    case last
    /// Fail the ingest, naming the key and both lines.
    case fail
}

/// The most bad rows tolerated before the ingest fails.
package enum BadRowLimit: Sendable, Hashable {
    case count(Int)
    /// A percentage (0–100) of the data rows read.
    case percent(Double)
    /// A percentage, tolerating up to `atLeast` rows whatever the share (the ingest default:
    /// one bad line in a six-line sample is no reason to stop).
    case percentAbove(Double, atLeast: Int)

    func exceeded(rejected: Int, rowsIn: Int) -> Bool {
        switch self {
        case .count(let n): rejected > n
        case .percent(let p): rowsIn > 0 && Double(rejected) * 100 > p * Double(rowsIn)
        case .percentAbove(let p, let n):
            rejected > n && BadRowLimit.percent(p).exceeded(rejected: rejected, rowsIn: rowsIn)
        }
    }

    var description: String {
        switch self {
        case .count(let n): "\(n) rows"
        case .percent(let p): "\(p)% of rows"
        case .percentAbove(let p, let n): "\(p)% of rows, and more than \(n)"
        }
    }
}

/// Options shared by the CSV and JSON Lines readers.
package struct IngestOptions: Sendable {
    package var delimiter: UInt8 = UInt8(ascii: ",")
    package var quote: UInt8 = UInt8(ascii: "\"")
    /// Unquoted field texts read as null. A quoted empty string `""` is an empty string.
    package var nullValues: [String] = ["", "NA", "NULL", "null"]
    /// Column types; columns not listed are inferred, or dropped when `onlySchemaColumns`.
    /// `nil` infers every column.
    package var schema: [ColumnSpec]?
    package var onlySchemaColumns = false
    /// JSON Lines: `schema` is the whole table (an `include` read against its main input): no
    /// column is inferred, a key outside it is not read and the lines with one are counted
    /// (`ignoredKeyLines`), and a column no object has is all null.
    package var fixedColumns = false
    /// Rows sampled (from the top) to infer types of columns without a spec.
    package var inferenceRows = 1000
    package var onBadRow: BadRowPolicy = .quarantine
    package var maxBadRows: BadRowLimit?
    package var onInvalidUTF8: InvalidUTF8Policy = .replace
    /// A column (its name in the table) whose values must be unique, e.g. an items table's id.
    package var uniqueKey: String?
    package var onDuplicate: DuplicatePolicy = .first
    /// Parse large CSV files on all cores.
    package var parallel = true

    package init(
        schema: [ColumnSpec]? = nil, onBadRow: BadRowPolicy = .quarantine, maxBadRows: BadRowLimit? = nil
    ) {
        self.schema = schema
        self.onBadRow = onBadRow
        self.maxBadRows = maxBadRows
    }
}

/// A data row that did not fit: where it starts in the file, its raw text, and why.
package struct RejectedRow: Sendable, Hashable, CustomStringConvertible {
    /// 1-based physical line where the record starts (the header is line 1).
    package var line: Int
    package var raw: String
    package var reason: String

    package init(line: Int, raw: String, reason: String) {
        self.line = line
        self.raw = raw
        self.reason = reason
    }

    package var description: String { "line \(line): \(reason)" }
}

/// The outcome of reading a file. Invariant: `rowsIn == rowsOk + rowsRejected`.
package struct IngestResult: Sendable {
    package var table: Table
    package var rowsIn: Int
    package var rowsOk: Int
    package var rowsRejected: Int
    /// The rejected rows (empty when the policy is `skip`).
    package var rejects: [RejectedRow]
    /// The schema actually used (given or inferred), in file column order.
    package var schema: [ColumnSpec]
    /// Text fields kept with invalid UTF-8 replaced by U+FFFD (`on_invalid_utf8: replace`), and
    /// where the first one is.
    package var replacedUTF8Fields = 0
    /// Rows dropped because they repeat a `unique` key (also counted in `rowsRejected`).
    package var duplicateRows = 0
    package var firstReplacedUTF8: (line: Int, column: String)?
    /// JSON Lines: objects kept with a key that is not a column (a key first seen after the
    /// inference sample), and the first such line and key; the key's values are not read.
    package var ignoredKeyLines = 0
    package var firstIgnoredKey: (line: Int, key: String)?

    package init(
        table: Table, rowsIn: Int, rowsOk: Int, rowsRejected: Int, rejects: [RejectedRow], schema: [ColumnSpec]
    ) {
        self.table = table
        self.rowsIn = rowsIn
        self.rowsOk = rowsOk
        self.rowsRejected = rowsRejected
        self.rejects = rejects
        self.schema = schema
    }
}

/// An ingest failure that reaches the user; always names the file.
package struct IngestError: Error, Sendable, CustomStringConvertible {
    package enum Code: String, Sendable, Hashable {
        case missingFile = "missing-file"
        case unreadableFile = "unreadable-file"
        case emptyFile = "empty-file"
        case missingColumn = "missing-column"
        case invalidOption = "invalid-option"
        case badRow = "bad-row"
        case tooManyBadRows = "too-many-bad-rows"
        case fileChanged = "file-changed"
        case duplicateKey = "duplicate-key"
    }

    package var code: Code
    package var path: String
    package var message: String
    package var hint: String?

    package init(_ code: Code, path: String, _ message: String, hint: String? = nil) {
        self.code = code
        self.path = path
        self.message = message
        self.hint = hint
    }

    package var description: String {
        "\(path): \(message)" + (hint.map { " (\($0))" } ?? "")
    }

    /// The error as a `Diagnostic` located at the file.
    package var diagnostic: Diagnostic {
        .error(code.rawValue, "\(path): \(message)", hint: hint)
    }
}

extension IngestError: CodedError {
    package var errorCode: String { code.rawValue }
}
