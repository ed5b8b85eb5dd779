import Foundation
import RecpipeCore
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

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

    /// The file mapped read-only (`MAP_PRIVATE`), after the same checks as `load`. Parsers can
    /// hand back ranges they are done with (`release`), so a large file does not stay resident
    /// beside the table built from it.
    static func map(path: String) throws -> MappedFile {
        let data = try load(path: path)  // existence, folder and emptiness checks with their messages
        let size = data.count
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else {
            throw IngestError(.unreadableFile, path: path, "cannot open the file (\(String(cString: strerror(errno))))", hint: "check its permissions")
        }
        defer { close(fd) }
        guard let base = mmap(nil, size, PROT_READ, MAP_PRIVATE, fd, 0), base != MAP_FAILED else {
            throw IngestError(.unreadableFile, path: path, "cannot map the file (\(String(cString: strerror(errno))))")
        }
        // Parsers read each chunk front to back: ask for aggressive read-ahead.
        _ = madvise(base, size, Int32(MADV_SEQUENTIAL))
        return MappedFile(base: UnsafeRawPointer(base), count: size)
    }
}

/// A read-only private file mapping, unmapped on deinit.
final class MappedFile: @unchecked Sendable {
    let base: UnsafeRawPointer
    let count: Int
    private static let pageSize = Int(sysconf(Int32(_SC_PAGESIZE)))

    init(base: UnsafeRawPointer, count: Int) {
        self.base = base
        self.count = count
    }

    deinit { munmap(UnsafeMutableRawPointer(mutating: base), count) }

    var bytes: UnsafeRawBufferPointer { UnsafeRawBufferPointer(start: base, count: count) }

    /// Drops the resident pages wholly inside `[start, start + length)` (addresses in this
    /// mapping). The bytes stay readable: touching them again reads the file anew.
    func release(_ start: UnsafeRawPointer, _ length: Int) {
        let page = Self.pageSize
        let from = (start - base + page - 1) / page * page
        let to = (start - base + length) / page * page
        guard from < to, from >= 0, to <= count else { return }
        _ = madvise(UnsafeMutableRawPointer(mutating: base + from), to - from, Int32(MADV_DONTNEED))
    }
}
