import RecpipeCore
import Testing

@testable import RecpipeData

@Suite struct ArtifactTests {
    @Test func tableRoundTripsWithNullsAndUTF8() throws {
        let t = try TableTests.sample()
        let bytes = t.envelopeBytes()
        let back = try Table(envelope: bytes)
        #expect(back == t)
        #expect(back.string(row: 0, col: 1) == "张三")
        #expect(back.isNull(row: 2, col: 2))
        #expect(Table.kind == .table)
        #expect(back.rowCount == 3)
        #expect(back.exportTable() == back)
    }

    @Test func emptyTableRoundTrips() throws {
        let t = try Table(schema: [Field("a", .string)], rows: [])
        #expect(try Table(envelope: t.envelopeBytes()) == t)
        #expect(try Table(envelope: Table().envelopeBytes()).columnCount == 0)
    }

    @Test(arguments: [20, 45, 80])
    func bitFlipIsDetected(offset: Int) throws {
        var bytes = try TableTests.sample().envelopeBytes()
        bytes[bytes.count - offset] ^= 0x10
        #expect(throws: ArtifactEnvelope.DecodeError.checksumMismatch) { try Table(envelope: bytes) }
    }

    @Test func truncationIsDetected() throws {
        let bytes = try TableTests.sample().envelopeBytes()
        #expect(throws: ArtifactEnvelope.DecodeError.truncated) { try Table(envelope: Array(bytes.dropLast(7))) }
        #expect(throws: ArtifactEnvelope.DecodeError.self) { try Table(envelope: Array(bytes.prefix(10))) }
    }

    @Test func wrongKindIsReported() throws {
        let bytes = try TableTests.sample().envelopeBytes(kind: .features)
        #expect(throws: ArtifactEnvelope.DecodeError.wrongKind(expected: "table", found: "features")) {
            try Table(envelope: bytes)
        }
        #expect(try Table(envelope: bytes, kind: .features).rowCount == 3)
    }

    @Test func inconsistentPayloadIsRejected() throws {
        var w = ByteWriter()
        w.write(UInt8(1)); w.write(UInt64(2)); w.write(UInt32(1))
        w.write("a"); w.write(UInt8(0)); w.writeArray([UInt8]()); w.writeArray([Int64(1)])  // 1 value, 2 rows
        let bytes = ArtifactEnvelope.wrap(kind: .table, payload: w.bytes)
        #expect(throws: ArtifactDecodeError.self) { try Table(envelope: bytes) }
    }
}
