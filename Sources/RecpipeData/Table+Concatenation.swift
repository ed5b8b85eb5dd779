import RecpipeCore

extension Table {
    /// The rows of `other` appended after these, matched by column name: a column `other` lacks
    /// is null in its rows, a column only `other` has is added (null in these rows). A column in
    /// both keeps this table's type (ints widen into a float column); another mismatch throws
    /// `TableError.typeMismatch`. O(cells).
    package func concatenating(_ other: Table) throws -> Table {
        var names = columnNames
        for n in other.columnNames where columnIndex(n) == nil { names.append(n) }
        let columns = try names.map { name -> Column in
            let mine = column(named: name), theirs = other.column(named: name)
            let type = mine?.type ?? theirs!.type
            var values: [Value] = []
            values.reserveCapacity(rowCount + other.rowCount)
            for r in 0..<rowCount { values.append(mine?.value(r) ?? .null) }
            for r in 0..<other.rowCount { values.append(theirs?.value(r) ?? .null) }
            return try Column(name: name, type: type, values: values)
        }
        return try Table(columns: columns)
    }
}
