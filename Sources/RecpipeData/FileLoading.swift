import CFileGuard
import Foundation
import RecpipeCore

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Opens input files with the errors users need: missing (with a did-you-mean from the same
/// folder), unreadable (a folder, no permission), empty, and changed while being read (a shop's
/// cron job exporting the file in place while recpipe reads it).
enum FileLoading {
    /// The file's bytes, read (not mapped: a file that shrinks cannot fault a read), and checked
    /// unchanged afterwards.
    static func load(path: String) throws -> Data {
        try checkIsFile(path)
        let fd = try openForReading(path)
        defer { close(fd) }
        let before = try FileIdentity(fd: fd, path: path)
        var data = Data(count: before.size)
        var filled = 0
        try data.withUnsafeMutableBytes { buffer in
            while filled < buffer.count {
                let n = pread(fd, buffer.baseAddress! + filled, buffer.count - filled, off_t(filled))
                if n < 0, errno == EINTR { continue }
                guard n >= 0 else {
                    throw IngestError(
                        .unreadableFile, path: path, "cannot read the file (\(String(cString: strerror(errno))))")
                }
                if n == 0 { break }
                filled += n
            }
        }
        try before.checkUnchanged(fd: fd, path: path, faults: filled < before.size ? 1 : 0)
        guard !isBlank(data) else {
            throw IngestError(
                .emptyFile, path: path, "the file is empty", hint: "check the path, or that the export finished")
        }
        return data
    }

    /// The file mapped read-only (`MAP_PRIVATE`), after the same checks as `load`. Parsers can
    /// hand back ranges they are done with (`release`), so a large file does not stay resident
    /// beside the table built from it. The mapping is guarded (``CFileGuard``): if the file
    /// shrinks meanwhile, reads past its new end see zeros instead of killing the process with
    /// SIGBUS, and ``MappedFile/checkUnchanged(path:)`` then reports the change.
    static func map(path: String) throws -> MappedFile {
        try checkIsFile(path)
        let fd = try openForReading(path)
        var keep = false
        defer { if !keep { close(fd) } }
        let identity = try FileIdentity(fd: fd, path: path)
        let size = identity.size
        var head = [UInt8](repeating: 0, count: min(size, 4096))
        let got = head.withUnsafeMutableBytes { pread(fd, $0.baseAddress, $0.count, 0) }
        guard size > 0, !(size < 4096 && got == size && isBlank(head)) else {
            throw IngestError(
                .emptyFile, path: path, "the file is empty", hint: "check the path, or that the export finished")
        }
        guard let base = mmap(nil, size, PROT_READ, MAP_PRIVATE, fd, 0), base != MAP_FAILED else {
            throw IngestError(.unreadableFile, path: path, "cannot map the file (\(String(cString: strerror(errno))))")
        }
        let slot = recpipe_file_guard_add(base, size)
        // Parsers read each chunk front to back: ask for aggressive read-ahead.
        _ = madvise(base, size, Int32(MADV_SEQUENTIAL))
        keep = true
        return MappedFile(base: UnsafeRawPointer(base), count: size, fd: fd, identity: identity, guardSlot: slot)
    }

    // MARK: - Checks

    private static func checkIsFile(_ path: String) throws {
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDir) else {
            let url = URL(fileURLWithPath: path)
            let siblings =
                (try? FileManager.default.contentsOfDirectory(atPath: url.deletingLastPathComponent().path)) ?? []
            throw IngestError(
                .missingFile, path: path, "file not found",
                hint: Suggestions.hint(for: url.lastPathComponent, in: siblings)
                    ?? "check the path; relative paths in a pipeline are relative to the pipeline file")
        }
        guard !isDir.boolValue else {
            throw IngestError(
                .unreadableFile, path: path, "is a directory, not a file", hint: "point the path at a file inside it")
        }
    }

    private static func openForReading(_ path: String) throws -> Int32 {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else {
            throw IngestError(
                .unreadableFile, path: path, "cannot read the file (\(String(cString: strerror(errno))))",
                hint: "check its permissions")
        }
        return fd
    }

    /// Only spaces, tabs, line ends, or a lone UTF-8 byte order mark.
    private static func isBlank<C: Collection<UInt8>>(_ bytes: C) -> Bool {
        bytes.allSatisfy { $0 == 10 || $0 == 13 || $0 == 32 || $0 == 9 } || bytes.elementsEqual([0xEF, 0xBB, 0xBF])
    }
}

// MARK: - Change detection

/// What `fstat` says about an open file: a change of size or modification time while it is read
/// means someone wrote it in place (a file replaced by rename keeps our descriptor on the old one,
/// which is a consistent read).
struct FileIdentity: Equatable {
    var size: Int
    var modified: timespec

    init(fd: Int32, path: String) throws {
        var st = stat()
        guard fstat(fd, &st) == 0 else {
            throw IngestError(.unreadableFile, path: path, "cannot read the file (\(String(cString: strerror(errno))))")
        }
        size = Int(st.st_size)
        #if canImport(Darwin)
            modified = st.st_mtimespec
        #else
            modified = st.st_mtim
        #endif
    }

    static func == (a: Self, b: Self) -> Bool {
        a.size == b.size && a.modified.tv_sec == b.modified.tv_sec && a.modified.tv_nsec == b.modified.tv_nsec
    }

    /// Throws `file-changed` when reads faulted (the file shrank under a mapping, or a read came
    /// up short) or the file's size or time differ from `self`.
    func checkUnchanged(fd: Int32, path: String, faults: Int) throws {
        let now = try FileIdentity(fd: fd, path: path)
        guard faults > 0 || now != self else { return }
        let what =
            now.size == size
            ? "it was rewritten in place" : "its size went from \(size) to \(now.size) bytes"
        throw IngestError(
            .fileChanged, path: path, "the file changed while it was being read (\(what)); re-run",
            hint:
                "have the export write to a temporary name and rename it into place, so a reader never sees a half-written file"
        )
    }
}

/// A read-only private file mapping under the SIGBUS guard, unmapped on deinit.
final class MappedFile: @unchecked Sendable {
    let base: UnsafeRawPointer
    let count: Int
    private let fd: Int32
    private let identity: FileIdentity
    private let guardSlot: Int32
    private static let pageSize = Int(sysconf(Int32(_SC_PAGESIZE)))

    init(base: UnsafeRawPointer, count: Int, fd: Int32, identity: FileIdentity, guardSlot: Int32) {
        self.base = base
        self.count = count
        self.fd = fd
        self.identity = identity
        self.guardSlot = guardSlot
    }

    deinit {
        _ = recpipe_file_guard_remove(guardSlot)
        munmap(UnsafeMutableRawPointer(mutating: base), count)
        close(fd)
    }

    var bytes: UnsafeRawBufferPointer { UnsafeRawBufferPointer(start: base, count: count) }

    /// Throws `file-changed` when the file shrank under the mapping (reads past its new end saw
    /// zeros) or was modified since it was mapped. Call after parsing, before trusting the result.
    func checkUnchanged(path: String) throws {
        try identity.checkUnchanged(fd: fd, path: path, faults: recpipe_file_guard_faults(guardSlot))
    }

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
