import RecpipeCore

/// The cache contract: a value that flows along a pipeline edge, with a binary encoding (wrapped in
/// a checksummed `ArtifactEnvelope` on disk) and a tabular view for CSV/JSONL export.
package protocol Artifact: Sendable {
    /// The default kind of this type.
    static var kind: ArtifactKind { get }
    func encode(into w: inout ByteWriter)
    init(decoding r: inout ByteReader) throws
    /// Rows for the run summary.
    var rowCount: Int { get }
    /// Tabular view for CSV/JSONL export.
    func exportTable() -> Table
    /// Further tables `export` writes beside the main one, as `<stage>.<suffix>.<format>`
    /// (segments: their summary). None by default.
    func extraExports() -> [(suffix: String, table: Table)]
}

extension Artifact {
    package func extraExports() -> [(suffix: String, table: Table)] { [] }
}

/// A payload that decoded without truncation but is not internally consistent.
package struct ArtifactDecodeError: Error, Sendable, Equatable, CustomStringConvertible {
    package var message: String
    package init(_ message: String) { self.message = message }
    package var description: String { "corrupt artifact: \(message)" }
}

extension Artifact {
    /// The encoded payload wrapped in an `ArtifactEnvelope` (magic, version, kind, length, XXH64).
    package func envelopeBytes(kind: ArtifactKind = Self.kind) -> [UInt8] {
        var w = ByteWriter()
        encode(into: &w)
        return ArtifactEnvelope.wrap(kind: kind, payload: w.bytes)
    }

    /// Decodes an envelope written by `envelopeBytes`; throws `ArtifactEnvelope.DecodeError` on
    /// corruption or a kind other than `kind`, `ArtifactDecodeError` on an inconsistent payload.
    package init(envelope bytes: [UInt8], kind: ArtifactKind = Self.kind) throws {
        let (found, payload) = try ArtifactEnvelope.unwrap(bytes)
        guard found == kind.rawValue else {
            throw ArtifactEnvelope.DecodeError.wrongKind(expected: kind.rawValue, found: found)
        }
        var r = ByteReader(payload)
        do {
            try self.init(decoding: &r)
        } catch is ByteReader.Truncated {
            throw ArtifactEnvelope.DecodeError.truncated
        }
        guard r.isAtEnd else { throw ArtifactDecodeError("\(payload.count - r.offset) trailing bytes") }
    }
}

// MARK: - Table as an artifact

extension Table: Artifact {
    package static var kind: ArtifactKind { .table }
    static let encodingVersion: UInt8 = 1

    package func exportTable() -> Table { self }

    /// Layout: version, row count, column count, then per column: name, type tag, validity
    /// (as a raw byte array or an empty array), raw data array. Strings: one UTF-8 arena plus an
    /// offsets array, then the codes. O(total bytes).
    package func encode(into w: inout ByteWriter) {
        w.write(Self.encodingVersion)
        w.write(UInt64(rowCount))
        w.write(UInt32(columns.count))
        for c in columns {
            w.write(c.name)
            w.write(UInt8(ColumnType.allCases.firstIndex(of: c.type)!))
            w.writeArray(c.validity.map { v in v.map { $0 ? UInt8(1) : 0 } } ?? [])
            switch c.data {
            case .int(let a), .timestamp(let a): w.writeArray(a)
            case .float(let a): w.writeArray(a)
            case .bool(let a): w.writeArray(a.map { $0 ? UInt8(1) : 0 })
            case .string(let dict, let codes):
                var arena: [UInt8] = []
                var offsets: [UInt64] = [0]
                offsets.reserveCapacity(dict.count + 1)
                for s in dict {
                    arena.append(contentsOf: s.utf8)
                    offsets.append(UInt64(arena.count))
                }
                w.writeArray(arena)
                w.writeArray(offsets)
                w.writeArray(codes)
            }
        }
    }

    package init(decoding r: inout ByteReader) throws {
        let version = try r.read(UInt8.self)
        guard version == Self.encodingVersion else { throw ArtifactDecodeError("table encoding version \(version)") }
        let n = Int(try r.read(UInt64.self))
        let ncols = Int(try r.read(UInt32.self))
        var cols: [Column] = []
        for _ in 0..<ncols {
            let name = try r.readString()
            let tag = Int(try r.read(UInt8.self))
            guard tag < ColumnType.allCases.count else { throw ArtifactDecodeError("column type tag \(tag)") }
            let type = ColumnType.allCases[tag]
            let rawValidity = try r.readArray(UInt8.self)
            guard rawValidity.isEmpty || rawValidity.count == n else {
                throw ArtifactDecodeError("validity of column '\(name)' has \(rawValidity.count) rows, expected \(n)")
            }
            let data: ColumnData
            switch type {
            case .int: data = .int(try r.readArray(Int64.self))
            case .timestamp: data = .timestamp(try r.readArray(Int64.self))
            case .float: data = .float(try r.readArray(Double.self))
            case .bool: data = .bool(try r.readArray(UInt8.self).map { $0 != 0 })
            case .string:
                let arena = try r.readArray(UInt8.self)
                let offsets = try r.readArray(UInt64.self)
                let codes = try r.readArray(UInt32.self)
                guard offsets.first == 0, offsets.last == UInt64(arena.count) else {
                    throw ArtifactDecodeError("string arena of column '\(name)'")
                }
                var dict: [String] = []
                dict.reserveCapacity(offsets.count - 1)
                for k in 1..<offsets.count {
                    guard offsets[k - 1] <= offsets[k] else { throw ArtifactDecodeError("string offsets of '\(name)'") }
                    dict.append(String(decoding: arena[Int(offsets[k - 1])..<Int(offsets[k])], as: UTF8.self))
                }
                for (row, c) in codes.enumerated()
                where Int(c) >= dict.count && (rawValidity.isEmpty || rawValidity[row] != 0) {
                    throw ArtifactDecodeError("string code \(c) out of range in column '\(name)'")
                }
                data = .string(dictionary: dict, codes: codes)
            }
            guard data.count == n else {
                throw ArtifactDecodeError("column '\(name)' has \(data.count) rows, expected \(n)")
            }
            cols.append(
                Column(name: name, data: data, validity: rawValidity.isEmpty ? nil : rawValidity.map { $0 != 0 }))
        }
        do {
            self = try Table(columns: cols)
        } catch {
            throw ArtifactDecodeError("\(error)")
        }
    }
}
