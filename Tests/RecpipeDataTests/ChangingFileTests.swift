import Foundation
import Testing

@testable import RecpipeData

/// An input file that a shop's export rewrites while recpipe reads it (issue #20, item 4): a file
/// that shrinks under the mapping used to kill the process with SIGBUS; now every change while
/// reading is a `file-changed` error naming the file.
@Suite struct ChangingFileTests {
    /// A CSV of `rows` rows (about 30 bytes each) in a fresh folder.
    func bigCSV(rows: Int) throws -> String {
        let path = try makeTempDir() + "/events.csv"
        var text = "user_id,item_id,price\n"
        for i in 0..<rows { text += "U\(i % 997),SKU-\(i % 311),\(Double(i % 50) + 0.5)\n" }
        try text.write(toFile: path, atomically: false, encoding: .utf8)
        return path
    }

    func expectChanged(_ path: String, _ body: () throws -> Void) throws {
        do {
            try body()
            Issue.record("expected a file-changed error")
        } catch let e as IngestError {
            #expect(e.code == .fileChanged)
            #expect(e.path == path)
            #expect(e.message.hasPrefix("the file changed while it was being read ("))
            #expect(e.message.hasSuffix("; re-run"))
        }
    }

    @Test func fileTruncatedAfterMappingIsAnErrorNotSIGBUS() throws {
        let path = try bigCSV(rows: 200_000)
        let size = try #require(try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int)
        #expect(size > 3_000_000)  // several 1 MiB chunks, parsed in parallel
        try expectChanged(path) {
            _ = try CSVReader.read(
                path: path, options: IngestOptions(),
                afterMapping: {
                    #expect(truncate(path, 100) == 0)
                })
        }
    }

    @Test func truncationMessageGivesBothSizes() throws {
        let again = try bigCSV(rows: 50_000)
        let size = try #require(try FileManager.default.attributesOfItem(atPath: again)[.size] as? Int)
        do {
            _ = try CSVReader.read(path: again, options: IngestOptions(), afterMapping: { _ = truncate(again, 4096) })
            Issue.record("expected an error")
        } catch let e as IngestError {
            #expect(
                e.message
                    == "the file changed while it was being read (its size went from \(size) to 4096 bytes); re-run")
            #expect(
                e.hint
                    == "have the export write to a temporary name and rename it into place, so a reader never sees a half-written file"
            )
        }
    }

    @Test func fileRewrittenInPlaceWithTheSameSizeIsAnError() throws {
        let path = try bigCSV(rows: 10_000)
        try expectChanged(path) {
            _ = try CSVReader.read(
                path: path, options: IngestOptions(),
                afterMapping: {
                    let handle = try #require(FileHandle(forWritingAtPath: path))
                    try handle.write(contentsOf: Data("user_id,item_id,price\nX".utf8))
                    try handle.close()
                    // Make the change visible even on a clock coarser than the write.
                    try FileManager.default.setAttributes(
                        [.modificationDate: Date(timeIntervalSinceNow: 5)], ofItemAtPath: path)
                })
        }
    }

    /// A file replaced by rename leaves the reader on the old, complete file: no error.
    @Test func fileReplacedByRenameReadsTheOldFileWhole() throws {
        let path = try bigCSV(rows: 10_000)
        let result = try CSVReader.read(
            path: path, options: IngestOptions(),
            afterMapping: {
                let other = path + ".new"
                try "user_id,item_id,price\nA,B,1\n".write(toFile: other, atomically: false, encoding: .utf8)
                #expect(rename(other, path) == 0)
            })
        #expect(result.rowsOk == 10_000)
        #expect(result.rowsRejected == 0)
    }

    @Test func unchangedFileReadsNormally() throws {
        let path = try bigCSV(rows: 100_000)
        let result = try CSVReader.read(path: path, options: IngestOptions(), afterMapping: {})
        #expect(result.rowsIn == 100_000)
        #expect(result.rowsOk == 100_000)
    }

    @Test func jsonLinesAreReadNotMapped() throws {
        let dir = try makeTempDir()
        let path = dir + "/e.jsonl"
        try "{\"user_id\": \"U1\", \"n\": 1}\n{\"user_id\": \"U2\", \"n\": 2}\n".write(
            toFile: path, atomically: false, encoding: .utf8)
        let result = try JSONLinesReader.read(path: path)
        #expect(result.rowsOk == 2)
        // An empty or blank file is still the empty-file error, before any change check.
        try "  \n\n".write(toFile: path, atomically: false, encoding: .utf8)
        #expect { try JSONLinesReader.read(path: path) } throws: { ($0 as? IngestError)?.code == .emptyFile }
    }
}
