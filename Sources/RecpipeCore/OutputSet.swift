import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A directory of output files that switch together: a reader of `out/demo/recs.csv` and
/// `out/demo/profiles.csv` sees both files of one run, never one old and one new.
///
/// ```
/// out/demo                         symbolic link → demo.runs/<run-id>  (replaced by rename(2))
/// out/demo.runs/<run-id>/          one complete set per run; the newest `keep` are kept
/// out/demo.runs/.tmp-<run-id>-<pid>-<random>/   a set being written (removed once its pid is gone)
/// ```
///
/// A run writes every file into its staging directory, renames it to `<run-id>`, then points
/// the link at it with one `rename(2)`. A run killed at any moment leaves the link on the last
/// complete set. Readers that open several files over a long time resolve the link once
/// (`realpath out/demo`) and read from that directory, which stays until `keep` newer sets exist.
package struct OutputSet: Sendable {
    /// The path users read (`out/demo`), without a trailing slash.
    package let path: String

    package init(path: String) {
        var p = path
        while p.count > 1, p.hasSuffix("/") { p.removeLast() }
        self.path = p
    }

    /// Where the sets live: `out/demo.runs`.
    package var runsDirectory: String { path + ".runs" }

    /// A set being written: files go under `directory`, then ``OutputSet/commit(_:keep:)``.
    package struct Staging: Sendable {
        package let directory: String
        let runID: String

        package func path(for name: String) -> String { directory + "/" + name }
    }

    /// What a commit published and cleaned.
    package struct Commit: Sendable, Equatable {
        /// The set's directory (`out/demo.runs/<run-id>`).
        package var directory: String
        /// Older complete sets removed beyond `keep`.
        package var removedSets: Int
        /// Leftovers of killed runs removed (staging directories and temporary files), and their bytes.
        package var removedTemporaries: Int
        package var removedBytes: UInt64
        /// Where a directory of the earlier layout (plain files in `out/demo`) was moved, if any.
        package var movedLegacy: String?
    }

    // MARK: - Writing a set

    /// Creates the staging directory of a new set.
    package func begin(runID: String) throws(WriteError) -> Staging {
        try WriteError.createDirectory(runsDirectory)
        let directory = runsDirectory + "/" + AtomicFile.temporaryName(for: runID)
        try WriteError.check(mkdir(directory, 0o755), "creating directory", directory)
        return Staging(directory: directory, runID: runID)
    }

    /// Removes a staging directory whose writing failed.
    package func discard(_ staging: Staging) {
        try? FileManager.default.removeItem(atPath: staging.directory)
    }

    /// Publishes `staging` as the current set, then removes complete sets beyond the newest
    /// `keep` (the current one always stays) and the leftovers of dead runs.
    package func commit(_ staging: Staging, keep: Int) throws -> Commit {
        var name = staging.runID
        var n = 1
        while FileManager.default.fileExists(atPath: runsDirectory + "/" + name) {
            n += 1
            name = "\(staging.runID)-\(n)"
        }
        let directory = runsDirectory + "/" + name
        try WriteError.check(rename(staging.directory, directory), "renaming", directory)
        WriteError.syncDirectory(runsDirectory)
        let legacy = try moveLegacyDirectory(beside: name)
        try point(to: name)
        let removedSets = prune(keep: keep, current: name)
        let dead = AtomicFile.removeDeadTemporaries(in: runsDirectory)
        let deadLinks = AtomicFile.removeDeadTemporaries(in: parentDirectory)
        return Commit(
            directory: directory, removedSets: removedSets, removedTemporaries: dead.entries + deadLinks.entries,
            removedBytes: dead.bytes + deadLinks.bytes, movedLegacy: legacy)
    }

    /// The directory the link points at now, or nil when there is no set yet.
    package func current() -> String? {
        guard let target = try? FileManager.default.destinationOfSymbolicLink(atPath: path) else { return nil }
        return parentDirectory + "/" + target
    }

    // MARK: - The link

    var parentDirectory: String {
        let parent = (path as NSString).deletingLastPathComponent
        return parent.isEmpty ? "." : parent
    }

    var linkName: String { (path as NSString).lastPathComponent }

    /// Replaces the link with one to `<name>.runs/<set>` in one `rename(2)`.
    func point(to set: String) throws(WriteError) {
        let tmp = parentDirectory + "/" + AtomicFile.temporaryName(for: linkName)
        try WriteError.check(symlink(linkName + ".runs/" + set, tmp), "linking", path)
        guard rename(tmp, path) == 0 else {
            let code = errno
            unlink(tmp)
            throw WriteError(code: code, operation: "linking", path: path)
        }
        WriteError.syncDirectory(parentDirectory)
    }

    /// A real directory at `path` (written by recpipe before output sets existed) is moved into
    /// `<path>.runs/<set>-previous` when it holds only exported files (`*.csv`, `*.jsonl`, and
    /// temporaries); any other content is an error, so no user file is ever moved or replaced.
    func moveLegacyDirectory(beside set: String) throws -> String? {
        var st = stat()
        guard lstat(path, &st) == 0 else { return nil }
        switch st.st_mode & S_IFMT {
        case S_IFLNK: return nil
        case S_IFDIR: break
        default:
            throw OutputSetError(
                path: path, message: "is a file, not an output directory; remove it or choose another `to`")
        }
        let names = (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []
        let foreign = names.filter { name in
            var est = stat()
            let isFile = lstat(path + "/" + name, &est) == 0 && (est.st_mode & S_IFMT) == S_IFREG
            return !(isFile && (name.hasSuffix(".csv") || name.hasSuffix(".jsonl") || name.hasPrefix(".tmp-")))
        }.sorted()
        guard foreign.isEmpty else {
            let shown = foreign.prefix(3).map { "'\($0)'" }.joined(separator: ", ") + (foreign.count > 3 ? ", …" : "")
            throw OutputSetError(
                path: path,
                message:
                    "is a directory holding files export did not write (\(shown)); export replaces `to` with a link to its newest set of files, so move those files away or choose another `to`"
            )
        }
        let moved = runsDirectory + "/" + set + "-previous"
        try WriteError.check(rename(path, moved), "renaming", path)
        return moved
    }

    // MARK: - Pruning

    /// Removes complete sets other than `current` beyond the newest `keep - 1`; returns how many.
    func prune(keep: Int, current: String) -> Int {
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: runsDirectory)) ?? [])
            .filter { !$0.hasPrefix(".") && $0 != current }
            .sorted(by: >)
        var removed = 0
        for name in names.dropFirst(max(0, keep - 1)) {
            if (try? FileManager.default.removeItem(atPath: runsDirectory + "/" + name)) != nil { removed += 1 }
        }
        return removed
    }
}

/// An output directory that cannot become an ``OutputSet`` link, with what to do about it.
package struct OutputSetError: Error, CustomStringConvertible, Sendable {
    package var path: String
    package var message: String
    package var description: String { "'\(WriteError.display(path))' \(message)" }
}
