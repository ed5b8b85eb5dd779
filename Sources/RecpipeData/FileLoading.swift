import Foundation
import RecpipeCore

/// Opens input files with the errors users need: missing (with a did-you-mean from the same
/// folder), unreadable (a folder, no permission), empty.
enum FileLoading {
    /// The file's bytes, memory-mapped when possible.
    static func load(path: String) throws -> Data {
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDir) else {
            let url = URL(fileURLWithPath: path)
            let siblings = (try? FileManager.default.contentsOfDirectory(atPath: url.deletingLastPathComponent().path)) ?? []
            throw IngestError(
                .missingFile, path: path, "file not found",
                hint: Suggestions.hint(for: url.lastPathComponent, in: siblings) ?? "check the path; relative paths in a pipeline are relative to the pipeline file")
        }
        guard !isDir.boolValue else {
            throw IngestError(.unreadableFile, path: path, "is a directory, not a file", hint: "point the path at a file inside it")
        }
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path), options: .alwaysMapped)
        } catch {
            throw IngestError(.unreadableFile, path: path, "cannot read the file (\(error.localizedDescription))", hint: "check its permissions")
        }
        let blank = data.allSatisfy { $0 == 10 || $0 == 13 || $0 == 32 || $0 == 9 } || data.elementsEqual([0xEF, 0xBB, 0xBF])
        guard !data.isEmpty, !(data.count < 4096 && blank) else {
            throw IngestError(.emptyFile, path: path, "the file is empty", hint: "check the path, or that the export finished")
        }
        return data
    }
}
