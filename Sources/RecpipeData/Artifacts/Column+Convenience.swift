/// Short constructors used by artifacts' `exportTable()` views.
extension Column {
    /// A dictionary-encoded string column (no nulls). O(n) with a hash of distinct values.
    package static func strings(_ name: String, _ values: [String]) -> Column {
        var b = StringColumnBuilder()
        b.reserveCapacity(values.count)
        for v in values { b.append(v) }
        return Column(name: name, data: b.finish())
    }

    package static func ints(_ name: String, _ values: [Int64]) -> Column {
        Column(name: name, data: .int(values))
    }

    package static func doubles(_ name: String, _ values: [Double]) -> Column {
        Column(name: name, data: .float(values))
    }

    package static func floats(_ name: String, _ values: [Float]) -> Column {
        Column(name: name, data: .float(values.map(Double.init)))
    }
}

extension Table {
    /// Builds a table from columns that are known to have equal lengths (artifact views).
    package static func assemble(_ columns: [Column]) -> Table {
        do {
            return try Table(columns: columns)
        } catch {
            preconditionFailure("artifact view columns must have equal lengths: \(error)")
        }
    }
}

/// An id ↔ index map (user or item ids as strings), shared by interaction-based artifacts.
package struct IDMap: Sendable, Equatable {
    package private(set) var ids: [String]
    package private(set) var index: [String: Int]

    package init(_ ids: [String]) {
        self.ids = ids
        var m: [String: Int] = [:]
        m.reserveCapacity(ids.count)
        for (i, id) in ids.enumerated() { m[id] = i }
        index = m
    }

    package var count: Int { ids.count }
    package subscript(id: String) -> Int? { index[id] }
    package subscript(i: Int) -> String { ids[i] }
}
