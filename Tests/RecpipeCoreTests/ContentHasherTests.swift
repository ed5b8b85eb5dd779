import Foundation
import RecpipeCore
import Testing

@Suite struct ContentHasherTests {
    @Test(arguments: [
        ([UInt8](), UInt64(0xef46_db37_51d8_e999)),
        (Array("abc".utf8), UInt64(0x44bc_2cf5_ad77_0999)),
        ((0..<100).map { UInt8($0) }, UInt64(0x6ac1_e580_3216_6597)),
    ])
    func matchesReferenceXXH64(input: [UInt8], expected: UInt64) {
        #expect(ContentHasher.hash(input) == expected)
    }

    @Test func streamingInPiecesEqualsOneShot() {
        var rng = SystemRandomNumberGenerator()
        let bytes = (0..<1000).map { _ in UInt8.random(in: 0...255, using: &rng) }
        for split in [1, 7, 31, 32, 33, 500, 999] {
            var h = ContentHasher()
            h.update(bytes[0..<split])
            h.update(bytes[split...])
            #expect(h.finalize() == ContentHasher.hash(bytes), "split at \(split)")
        }
    }

    @Test func lengthPrefixedStringsDoNotCollideOnConcatenation() {
        var a = ContentHasher(), b = ContentHasher()
        a.update("ab"); a.update("c")
        b.update("a"); b.update("bc")
        #expect(a.finalize() != b.finalize())
        #expect(a.hexDigest().count == 16)
    }
}

@Suite struct EnvelopeTests {
    @Test func roundTripsAndDetectsCorruption() throws {
        var w = ByteWriter()
        w.write("上海")
        w.writeArray([1.5, 2.5] as [Double])
        w.write(Int32(-7))
        let wrapped = ArtifactEnvelope.wrap(kind: .table, payload: w.bytes)
        let (kind, payload) = try ArtifactEnvelope.unwrap(wrapped)
        #expect(kind == "table")
        var r = ByteReader(payload)
        #expect(try r.readString() == "上海")
        #expect(try r.readArray(Double.self) == [1.5, 2.5])
        #expect(try r.read(Int32.self) == -7)
        #expect(r.isAtEnd)

        var flipped = wrapped
        flipped[flipped.count - 2] ^= 1
        #expect(throws: ArtifactEnvelope.DecodeError.checksumMismatch) { try ArtifactEnvelope.unwrap(flipped) }
        #expect(throws: ArtifactEnvelope.DecodeError.truncated) {
            try ArtifactEnvelope.unwrap(Array(wrapped.dropLast()))
        }
        #expect(throws: ArtifactEnvelope.DecodeError.badMagic) {
            try ArtifactEnvelope.unwrap(Array("nope, not it".utf8))
        }
    }

    @Test func readerRejectsImpossibleCounts() {
        var w = ByteWriter()
        w.write(UInt64.max)
        var r = ByteReader(w.bytes)
        #expect(throws: ByteReader.Truncated.self) { try r.readArray(Double.self) }
    }
}

@Suite struct DiagnosticTests {
    @Test func rendersLocationSourceLineCaretAndHint() {
        let text = "pipeline: x\nstages:\n  a: { uses: clustr }\n"
        let d = Diagnostic.error(
            "unknown-kind", "unknown stage kind 'clustr'",
            at: SourceLocation(file: "p.yaml", line: 3, column: 14), hint: "did you mean 'cluster'?")
        let lines = DiagnosticRenderer(sources: ["p.yaml": text]).render(d).split(
            separator: "\n", omittingEmptySubsequences: false)
        #expect(lines.count == 4)
        #expect(lines[0] == "p.yaml:3:14: error: unknown stage kind 'clustr'")
        #expect(lines[1] == "      a: { uses: clustr }")
        #expect(lines[2] == "    " + String(repeating: " ", count: 13) + "^")
        #expect(lines[3] == "    hint: did you mean 'cluster'?")
        #expect(d.description == "p.yaml:3:14: error: unknown stage kind 'clustr' (did you mean 'cluster'?)")
    }

    @Test func suggestsCloseNamesOnly() {
        #expect(Suggestions.closest(to: "factros", in: ["factors", "iterations"]) == "factors")
        #expect(Suggestions.closest(to: "clustr", in: ["cluster", "clean"]) == "cluster")
        #expect(Suggestions.closest(to: "zzzzzz", in: ["factors"]) == nil)
        #expect(Suggestions.distance("ab", "ba") == 1)
    }
}

@Suite struct AtomicFileTests {
    @Test func failedWriteLeavesTheOldFileIntact() throws {
        let dir = NSTemporaryDirectory() + "recpipe-atomic-\(UUID().uuidString)"
        let path = dir + "/out.csv"
        try AtomicFile.write("old\n", to: path)
        struct Boom: Error {}
        #expect(throws: Boom.self) {
            try AtomicFile.write(to: path) { h in
                try h.write(contentsOf: Data("half a fi".utf8))
                throw Boom()
            }
        }
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "old\n")
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir) == ["out.csv"])
        try AtomicFile.write("new\n", to: path)
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "new\n")
    }
}
