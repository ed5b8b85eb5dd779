import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

extension AtomicFile {
    // MARK: - Leftovers of dead writers

    /// The writer pid in a temporary's name (`.tmp-<name>-<pid>-<random>`), or nil when `name`
    /// is not one of ours.
    package static func writerPID(ofTemporary name: String) -> Int32? {
        guard name.hasPrefix(".tmp-") else { return nil }
        let parts = name.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count >= 4, UInt64(parts[parts.count - 1]) != nil, let pid = Int32(parts[parts.count - 2]), pid > 0
        else { return nil }
        return pid
    }

    /// Whether a process with this pid exists (a pid reused by another process counts as alive,
    /// which only keeps a leftover longer).
    package static func isAlive(_ pid: Int32) -> Bool {
        pid == getpid() || kill(pid, 0) == 0 || errno == EPERM
    }

    /// Deletes the temporaries (files or directories) in `directory` whose writer process is gone:
    /// what a killed or crashed run left. Returns how many entries and bytes were removed.
    @discardableResult
    package static func removeDeadTemporaries(in directory: String) -> (entries: Int, bytes: UInt64) {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory) else { return (0, 0) }
        var removed = 0
        var bytes: UInt64 = 0
        for name in names {
            guard let pid = writerPID(ofTemporary: name), !isAlive(pid) else { continue }
            let path = directory + "/" + name
            let size = diskSize(path)
            if (try? FileManager.default.removeItem(atPath: path)) != nil {
                removed += 1
                bytes += size
            }
        }
        return (removed, bytes)
    }

    /// Bytes under `path` (a file, or a directory's files).
    static func diskSize(_ path: String) -> UInt64 {
        var st = stat()
        guard lstat(path, &st) == 0 else { return 0 }
        guard (st.st_mode & S_IFMT) == S_IFDIR else { return UInt64(st.st_size) }
        let names = (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []
        return names.reduce(0) { $0 + diskSize(path + "/" + $1) }
    }
}
