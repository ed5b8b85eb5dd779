import Foundation
import RecpipeCore
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// Content hashes of input files, remembered by (size, modification time) as DVC does, so an
/// unchanged 500 MB CSV is not re-read on every run. Directories hash their sorted entries.
package final class FileHashCache: Sendable {
    struct Entry: Codable, Sendable {
        var size: UInt64
        var mtime: Double
        var hash: String
    }

    private let state: Mutex<[String: Entry]>
    private let storePath: String?

    /// Loads remembered hashes from `storePath` (if given and readable).
    package init(storePath: String?) {
        self.storePath = storePath
        var loaded: [String: Entry] = [:]
        if let storePath, let data = FileManager.default.contents(atPath: storePath) {
            loaded = (try? JSONDecoder().decode([String: Entry].self, from: data)) ?? [:]
        }
        state = Mutex(loaded)
    }

    /// The content hash of a file or directory, or `missing` when it does not exist.
    package func hash(of path: String) -> String {
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDir) else { return "missing" }
        if isDir.boolValue {
            var h = ContentHasher()
            let entries = (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []
            for name in entries.sorted() where !name.hasPrefix(".") {
                h.update(name)
                h.update(hash(of: path + "/" + name))
            }
            return h.hexDigest()
        }
        var st = stat()
        guard stat(path, &st) == 0 else { return "unreadable" }
        let size = UInt64(st.st_size)
        let mtime = Double(st.st_mtim.tv_sec) + Double(st.st_mtim.tv_nsec) * 1e-9
        if let e = state.withLock({ $0[path] }), e.size == size, e.mtime == mtime { return e.hash }
        guard let digest = Self.hashFile(path) else { return "unreadable" }
        state.withLock { $0[path] = Entry(size: size, mtime: mtime, hash: digest) }
        return digest
    }

    /// Streams the file through XXH64 in 4 MiB blocks.
    package static func hashFile(_ path: String) -> String? {
        guard let handle = FileHandle(forReadingAtPath: path) else { return nil }
        defer { try? handle.close() }
        var h = ContentHasher()
        while true {
            let chunk: Data?
            do { chunk = try handle.read(upToCount: 4 << 20) } catch { return nil }
            guard let chunk, !chunk.isEmpty else { break }  // nil or empty: end of file
            chunk.withUnsafeBytes { h.update($0) }
        }
        return h.hexDigest()
    }

    /// Writes the remembered hashes back (atomically).
    package func save() throws {
        guard let storePath else { return }
        let snapshot = state.withLock { $0 }
        try AtomicFile.write(try JSONEncoder().encode(snapshot), to: storePath)
    }
}
