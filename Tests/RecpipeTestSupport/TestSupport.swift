import Foundation

/// Shared helpers for recpipe's test targets.
public enum TestSupport {
    /// A fresh empty directory under the system temp directory.
    public static func temporaryDirectory(_ label: String = "test") -> String {
        let dir = NSTemporaryDirectory() + "recpipe-\(label)-\(UUID().uuidString)"
        try! FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }

    /// `../shared/data` beside the repository (the real datasets), located from this source file.
    public static let sharedDataDirectory: String = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }  // Tests/RecpipeTestSupport/TestSupport.swift → repo
        return url.deletingLastPathComponent().appendingPathComponent("shared/data").path
    }()

    /// The path of a shared dataset file, or nil when it is absent (tests then skip).
    public static func sharedData(_ relative: String) -> String? {
        let p = sharedDataDirectory + "/" + relative
        return FileManager.default.fileExists(atPath: p) ? p : nil
    }

    /// The repository root (for pipelines/ and fixtures).
    public static let repositoryRoot: String = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url.path
    }()

    /// A pid that no process has now (a finished child's): what a killed writer leaves in names.
    public static func deadPID() throws -> Int32 {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/true")
        try p.run()
        p.waitUntilExit()
        return p.processIdentifier
    }

    /// Writes `text` to `dir/name`, creating folders, and returns the path.
    @discardableResult
    public static func write(_ text: String, to name: String, in dir: String) -> String {
        let path = dir + "/" + name
        try! FileManager.default.createDirectory(
            atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try! text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }
}
