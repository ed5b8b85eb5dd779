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

    /// The ml-100k positive split (rating ≥ 4, 20% test, seed 42) beside the repository.
    public static let movieLensSplitPath = sharedDataDirectory + "/ml-100k/split-ml-100k-pos-ge4-test20-seed42.csv"

    /// The split's training triplets (0-based user, item; the rating as value), its test items per
    /// user (0-based), and the user and item counts (the largest 1-based ids).
    public static func movieLensSplit() throws -> (
        train: [(row: Int, col: Int, value: Float)], test: [Int: Set<Int>], users: Int, items: Int
    ) {
        let text = try String(contentsOfFile: movieLensSplitPath, encoding: .utf8)
        var train: [(row: Int, col: Int, value: Float)] = []
        var test: [Int: Set<Int>] = [:]
        var users = 0, items = 0
        for line in text.split(separator: "\n").dropFirst() {
            let f = line.split(separator: ",")
            guard f.count == 5, let u = Int(f[0]), let i = Int(f[1]), let r = Float(f[2]) else { continue }
            users = max(users, u)
            items = max(items, i)
            if f[4] == "train" {
                train.append((row: u - 1, col: i - 1, value: r))
            } else {
                test[u - 1, default: []].insert(i - 1)
            }
        }
        return (train, test, users, items)
    }
}
