import Foundation
import RecpipeTestSupport
import Testing

@testable import RecpipeCore

/// `OutputSet`: a directory of files that switch together, and the clean-up of killed runs.
@Suite struct OutputSetTests {
    func read(_ path: String) -> String? { try? String(contentsOfFile: path, encoding: .utf8) }

    /// Writes `files` as one committed set.
    @discardableResult
    func commitSet(_ set: OutputSet, _ runID: String, _ files: [String: String], keep: Int = 3) throws
        -> OutputSet.Commit
    {
        let staging = try set.begin(runID: runID)
        for (name, text) in files { try AtomicFile.write(text, to: staging.path(for: name)) }
        return try set.commit(staging, keep: keep)
    }

    @Test func theLinkSwitchesToTheNewSetAndOldSetsBeyondKeepAreRemoved() throws {
        let dir = TestSupport.temporaryDirectory("outputset")
        let set = OutputSet(path: dir + "/out/demo/")
        #expect(set.path == dir + "/out/demo")
        try commitSet(set, "20260101T000001Z-aaaa", ["recs.csv": "r1", "profiles.csv": "p1"], keep: 2)
        #expect(read(dir + "/out/demo/recs.csv") == "r1" && read(dir + "/out/demo/profiles.csv") == "p1")
        #expect(
            try FileManager.default.destinationOfSymbolicLink(atPath: dir + "/out/demo")
                == "demo.runs/20260101T000001Z-aaaa")
        try commitSet(set, "20260101T000002Z-bbbb", ["recs.csv": "r2", "profiles.csv": "p2"], keep: 2)
        let third = try commitSet(set, "20260101T000003Z-cccc", ["recs.csv": "r3", "profiles.csv": "p3"], keep: 2)
        #expect(read(dir + "/out/demo/recs.csv") == "r3" && read(dir + "/out/demo/profiles.csv") == "p3")
        #expect(third.directory == dir + "/out/demo.runs/20260101T000003Z-cccc")
        #expect(third.removedSets == 1)
        #expect(set.current() == dir + "/out/demo.runs/20260101T000003Z-cccc")
        let kept = try FileManager.default.contentsOfDirectory(atPath: dir + "/out/demo.runs").sorted()
        #expect(kept == ["20260101T000002Z-bbbb", "20260101T000003Z-cccc"])
        // Nothing else is left beside the link (no temporary links).
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir + "/out").sorted() == ["demo", "demo.runs"])
    }

    @Test func aRunKilledMidSetLeavesTheLastCompleteSetAndItsLeftoversAreRemovedLater() throws {
        let dir = TestSupport.temporaryDirectory("outputset")
        let set = OutputSet(path: dir + "/out")
        try commitSet(set, "20260101T000001Z-aaaa", ["recs.csv": "old recs", "profiles.csv": "old profiles"])
        // A second run writes recs.csv, then dies before profiles.csv and before the switch:
        // what it leaves is its staging directory, named with its (now dead) pid, and a
        // temporary file of the write it was in.
        let staging = try set.begin(runID: "20260101T000002Z-bbbb")
        try AtomicFile.write("new recs", to: staging.path(for: "recs.csv"))
        #expect(
            FileManager.default.createFile(
                atPath: staging.path(for: ".tmp-profiles.csv-1-2"), contents: Data("new pro".utf8)))
        let dead = try TestSupport.deadPID()
        let killed = set.runsDirectory + "/.tmp-20260101T000002Z-bbbb-\(dead)-77"
        try FileManager.default.moveItem(atPath: staging.directory, toPath: killed)
        let strayLink = dir + "/.tmp-out-\(dead)-5"
        try FileManager.default.createSymbolicLink(atPath: strayLink, withDestinationPath: "out.runs/x")

        // Readers see the old set, whole.
        #expect(read(dir + "/out/recs.csv") == "old recs")
        #expect(read(dir + "/out/profiles.csv") == "old profiles")

        // The next run publishes its set and removes what the killed run left.
        let next = try commitSet(
            set, "20260101T000003Z-cccc", ["recs.csv": "new recs", "profiles.csv": "new profiles"])
        #expect(read(dir + "/out/recs.csv") == "new recs" && read(dir + "/out/profiles.csv") == "new profiles")
        #expect(next.removedTemporaries == 2)
        #expect(next.removedBytes == 8 + 7 + 10)  // two files and the link's own size
        #expect(!FileManager.default.fileExists(atPath: killed))
        #expect((try? FileManager.default.destinationOfSymbolicLink(atPath: strayLink)) == nil)
    }

    @Test func aLiveWritersTemporariesAreKept() throws {
        let dir = TestSupport.temporaryDirectory("outputset")
        let mine = dir + "/" + AtomicFile.temporaryName(for: "recs.csv")
        FileManager.default.createFile(atPath: mine, contents: Data("x".utf8))
        let dead = try TestSupport.deadPID()
        FileManager.default.createFile(atPath: dir + "/.tmp-recs.csv-\(dead)-9", contents: Data("xy".utf8))
        FileManager.default.createFile(atPath: dir + "/.tmp-notes", contents: nil)  // not ours: no pid
        let removed = AtomicFile.removeDeadTemporaries(in: dir)
        #expect(removed.entries == 1 && removed.bytes == 2)
        #expect(FileManager.default.fileExists(atPath: mine))
        #expect(FileManager.default.fileExists(atPath: dir + "/.tmp-notes"))
        #expect(AtomicFile.writerPID(ofTemporary: ".tmp-a-b-c-123-456") == 123)
        #expect(AtomicFile.writerPID(ofTemporary: ".tmp-123") == nil)
    }

    @Test func aDirectoryOfTheEarlierLayoutIsMovedAsideButForeignFilesAreNeverTouched() throws {
        let dir = TestSupport.temporaryDirectory("outputset")
        try FileManager.default.createDirectory(atPath: dir + "/out", withIntermediateDirectories: true)
        FileManager.default.createFile(atPath: dir + "/out/recs.csv", contents: Data("legacy".utf8))
        let set = OutputSet(path: dir + "/out")
        let commit = try commitSet(set, "20260101T000001Z-aaaa", ["recs.csv": "new"])
        #expect(commit.movedLegacy == dir + "/out.runs/20260101T000001Z-aaaa-previous")
        #expect(read(dir + "/out/recs.csv") == "new")
        #expect(read(dir + "/out.runs/20260101T000001Z-aaaa-previous/recs.csv") == "legacy")

        let other = TestSupport.temporaryDirectory("outputset")
        try FileManager.default.createDirectory(atPath: other + "/out", withIntermediateDirectories: true)
        FileManager.default.createFile(atPath: other + "/out/notes.txt", contents: Data("mine".utf8))
        let foreign = OutputSet(path: other + "/out")
        let staging = try foreign.begin(runID: "20260101T000001Z-aaaa")
        #expect {
            try foreign.commit(staging, keep: 3)
        } throws: { error in
            "\(error)".contains("is a directory holding files export did not write ('notes.txt')")
        }
        #expect(read(other + "/out/notes.txt") == "mine")
    }
}

/// `WriteError`: every failed write says the OS reason, what was done, and the file.
@Suite struct WriteErrorTests {
    @Test func aFullDiskSaysNoSpaceLeftAndNamesTheFile() throws {
        let fd = open("/dev/full", O_WRONLY)
        try #require(fd >= 0, "/dev/full is needed to simulate a full disk")
        let writer = AtomicFile.Writer(fd: fd, path: "/nowhere/out/recs.csv")
        #expect(throws: WriteError(code: ENOSPC, operation: "writing", path: "/nowhere/out/recs.csv")) {
            try writer.write(contentsOf: [UInt8](repeating: 65, count: 100))
        }
        #expect(
            "\(WriteError(code: ENOSPC, operation: "writing", path: "/x/.recpipe/state/demo.json"))"
                == "no space left on device (writing /x/.recpipe/state/demo.json)")
        #expect(
            "\(WriteError(code: EROFS, operation: "creating directory", path: "/x/out"))"
                == "read-only file system (creating directory /x/out)")
    }

    @Test func aFileWhereADirectoryShouldBeIsNamed() throws {
        let dir = NSTemporaryDirectory() + "recpipe-writeerror-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        #expect(FileManager.default.createFile(atPath: dir + "/runs", contents: nil))
        #expect {
            try AtomicFile.write("x", to: dir + "/runs/1/manifest.json")
        } throws: { error in
            "\(error)" == "not a directory (creating directory \(dir)/runs)"
        }
        let cwd = FileManager.default.currentDirectoryPath
        #expect(WriteError.display(cwd + "/pipelines/.recpipe/x") == "pipelines/.recpipe/x")
    }
}
