/// Row views for the numeric kernels (ALS, kNN, neighbour scoring): the one place where they get
/// raw pointers into matrix storage, as swift-collections keeps a heap's unsafe code in one
/// `UnsafeHandle`. A view is built by a `with…` function of its owner and is valid only inside
/// that closure; parallel workers may share it (hence `@unchecked Sendable`) because each worker
/// writes only rows it owns. Every accessor asserts its index in debug builds; release builds
/// (`-O`, never `-Ounchecked`) compile the asserts away, so the kernels run at pointer speed.

// MARK: - Sparse rows (CSR)

/// Read-only CSR rows: row `r`'s entries are `range(r)`, each with `column(k)` and `value(k)`.
/// Built from a ``SparseMatrix`` (columns, values) or ``RankedLists`` (indices, scores).
struct CSRRows: @unchecked Sendable {
    let rowCount: Int
    let entryCount: Int
    private let pointers: UnsafePointer<Int>
    private let columns: UnsafePointer<Int32>
    private let values: UnsafePointer<Float>

    /// The entries of row `r` (indices for ``column(_:)`` and ``value(_:)``).
    @inline(__always) func range(_ r: Int) -> Range<Int> {
        assert(r >= 0 && r < rowCount, "row \(r) out of 0..<\(rowCount)")
        return pointers[r]..<pointers[r &+ 1]
    }

    @inline(__always) func column(_ k: Int) -> Int {
        assert(k >= 0 && k < entryCount, "entry \(k) out of 0..<\(entryCount)")
        return Int(columns[k])
    }

    @inline(__always) func value(_ k: Int) -> Float {
        assert(k >= 0 && k < entryCount, "entry \(k) out of 0..<\(entryCount)")
        return values[k]
    }

    /// Runs `body` with rows over the three arrays (`pointers.count` = rows + 1).
    static func with<R>(
        pointers: [Int], columns: [Int32], values: [Float], _ body: (CSRRows) throws -> R
    ) rethrows -> R {
        precondition(pointers.count >= 1 && columns.count == values.count && pointers.last == columns.count)
        return try pointers.withUnsafeBufferPointer { p in
            try columns.withUnsafeBufferPointer { c in
                try values.withUnsafeBufferPointer { v in
                    try body(
                        CSRRows(
                            rowCount: p.count - 1, entryCount: c.count, pointers: address(p), columns: address(c),
                            values: address(v)))
                }
            }
        }
    }
}

/// A buffer's address; an empty buffer may have none, and gets an aligned one that is never read.
@inline(__always) private func address<T>(_ buffer: UnsafeBufferPointer<T>) -> UnsafePointer<T> {
    buffer.baseAddress ?? UnsafePointer(bitPattern: MemoryLayout<T>.alignment)!
}

@inline(__always) private func address<T>(_ buffer: UnsafeMutableBufferPointer<T>) -> UnsafeMutablePointer<T> {
    buffer.baseAddress ?? UnsafeMutablePointer(bitPattern: MemoryLayout<T>.alignment)!
}

extension SparseMatrix {
    /// The matrix's rows for a kernel; valid inside `body` only.
    func withRows<R>(_ body: (CSRRows) throws -> R) rethrows -> R {
        try CSRRows.with(pointers: rowPointers, columns: columns, values: values, body)
    }
}

extension RankedLists {
    /// The lists as rows (`column` = index, `value` = score) for a kernel; valid inside `body` only.
    func withRows<R>(_ body: (CSRRows) throws -> R) rethrows -> R {
        try CSRRows.with(pointers: rowPointers, columns: indices, values: scores, body)
    }
}

// MARK: - Dense rows

/// Read-only row-major rows of `width` elements (factor matrices, a Gram matrix).
struct DenseRows<Element>: @unchecked Sendable {
    let rowCount: Int
    let width: Int
    private let base: UnsafePointer<Element>

    init(_ base: UnsafePointer<Element>, rows: Int, width: Int) {
        self.base = base
        rowCount = rows
        self.width = width
    }

    /// The first of row `r`'s `width` elements.
    @inline(__always) func row(_ r: Int) -> UnsafePointer<Element> {
        assert(r >= 0 && r < rowCount, "row \(r) out of 0..<\(rowCount)")
        return base + r &* width
    }

    /// The whole storage (`rowCount × width` elements), for kernels that walk it linearly.
    var start: UnsafePointer<Element> { base }
}

/// Writable row-major rows of `width` elements: a factor matrix being solved, per-row outputs,
/// or per-worker scratch (row = worker). Workers write disjoint rows.
struct MutableDenseRows<Element>: @unchecked Sendable {
    /// The same rows, read-only (built from a mutable address, so writing through ``row(_:)`` is sound).
    let readOnly: DenseRows<Element>
    var rowCount: Int { readOnly.rowCount }
    var width: Int { readOnly.width }

    init(_ base: UnsafeMutablePointer<Element>, rows: Int, width: Int) {
        readOnly = DenseRows(base, rows: rows, width: width)
    }

    @inline(__always) func row(_ r: Int) -> UnsafeMutablePointer<Element> {
        UnsafeMutablePointer(mutating: readOnly.row(r))
    }

    /// Element `r` of a one-wide view.
    @inline(__always) subscript(r: Int) -> Element {
        get { row(r).pointee }
        nonmutating set { row(r).pointee = newValue }
    }
}

extension Array {
    /// The array as `count / width` rows; valid inside `body` only.
    func withRows<R>(width: Int, _ body: (DenseRows<Element>) throws -> R) rethrows -> R {
        precondition(width > 0 && count % width == 0, "\(count) elements are not rows of \(width)")
        return try withUnsafeBufferPointer { buf in
            try body(DenseRows(address(buf), rows: count / width, width: width))
        }
    }

    /// The array as `count / width` writable rows; valid inside `body` only.
    mutating func withMutableRows<R>(width: Int, _ body: (MutableDenseRows<Element>) throws -> R) rethrows -> R {
        precondition(width > 0 && count % width == 0, "\(count) elements are not rows of \(width)")
        return try withUnsafeMutableBufferPointer { buf in
            try body(MutableDenseRows(address(buf), rows: buf.count / width, width: width))
        }
    }
}

// MARK: - Scratch

/// Per-worker scratch (row = worker) or per-worker results, allocated here and freed with the
/// object, so kernels need no `withUnsafe…` for it. Workers write only their own row.
final class KernelScratch<Element: BitwiseCopyable>: @unchecked Sendable {
    let rows: MutableDenseRows<Element>
    private let storage: UnsafeMutableBufferPointer<Element>

    init(rows: Int, width: Int, repeating value: Element) {
        precondition(rows >= 0 && width > 0)
        storage = .allocate(capacity: max(1, rows * width))
        storage.initialize(repeating: value)
        self.rows = MutableDenseRows(storage.baseAddress!, rows: rows, width: width)
    }

    deinit { storage.deallocate() }

    @inline(__always) func row(_ w: Int) -> UnsafeMutablePointer<Element> { rows.row(w) }

    /// All rows' elements, in order.
    var elements: [Element] { Array(storage.prefix(rows.rowCount * rows.width)) }
}
