import Foundation
import RecpipeEngine

/// A stage's directory shared with Spark: recpipe writes the input there, the job writes its
/// result (Spark's part files) beside it, and the whole directory is removed afterwards, whether
/// the job succeeded or not.
struct SparkWorkDirectory {
    let path: String
    let stageName: String

    init(_ context: StageContext) throws {
        path = SparkJob.workDirectory(context)
        stageName = context.stageName
        let fm = FileManager.default
        try? fm.removeItem(atPath: path)
        do {
            try fm.createDirectory(atPath: path, withIntermediateDirectories: true)
        } catch {
            throw StageError(
                "stage '\(context.stageName)': cannot create the Spark work directory \(path): \(error.localizedDescription)",
                code: .writeFailed, at: context.pipeline.spark.location ?? context.spec.location,
                hint: "set `spark: { work_dir: … }` to a directory recpipe and Spark can both write")
        }
    }

    func remove() { try? FileManager.default.removeItem(atPath: path) }

    // MARK: - Writing

    /// Writes `name` line by line: `rows` calls of `body(row, emit)`, flushed in 1 MiB chunks.
    func write(_ name: String, rows: Int, _ body: (Int, (String) -> Void) -> Void) throws {
        let file = path + "/" + name
        guard FileManager.default.createFile(atPath: file, contents: nil),
            let handle = FileHandle(forWritingAtPath: file)
        else {
            throw StageError("stage '\(stageName)': cannot write \(file) for Spark", code: .writeFailed)
        }
        defer { try? handle.close() }
        var buffer = ""
        buffer.reserveCapacity(1 << 20)
        for row in 0..<rows {
            body(row) { line in
                buffer += line
                buffer += "\n"
            }
            if buffer.utf8.count >= 1 << 20 {
                try handle.write(contentsOf: Data(buffer.utf8))
                buffer.removeAll(keepingCapacity: true)
            }
        }
        try handle.write(contentsOf: Data(buffer.utf8))
    }

    // MARK: - Reading Spark's part files

    /// Every line of the part files in `name/` (Spark's `saveAsTextFile` output).
    func lines(_ name: String) throws -> [Substring] {
        let dir = path + "/" + name
        let parts = ((try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []).filter { $0.hasPrefix("part-") }
            .sorted()
        guard FileManager.default.fileExists(atPath: dir + "/_SUCCESS") else {
            throw StageError(
                "stage '\(stageName)': the Spark job left no complete result in \(dir) (no _SUCCESS file)",
                code: .sparkBadOutput)
        }
        var out: [Substring] = []
        for part in parts {
            let text = try String(contentsOfFile: dir + "/" + part, encoding: .utf8)
            out += text.split(separator: "\n", omittingEmptySubsequences: true)
        }
        return out
    }

    /// `index,v1 v2 … vw` lines as a row-major `count × width` matrix (rows Spark did not write
    /// stay zero) and how many rows it wrote.
    func readVectors(_ name: String, count: Int, width: Int) throws -> (values: [Float], found: Int) {
        var values = [Float](repeating: 0, count: count * width)
        var seen = [Bool](repeating: false, count: count)
        var found = 0
        for line in try lines(name) {
            guard let comma = line.firstIndex(of: ","), let index = Int(line[..<comma]), (0..<count).contains(index)
            else {
                throw malformed(name, line)
            }
            let numbers = line[line.index(after: comma)...].split(separator: " ").compactMap { Float($0) }
            guard numbers.count == width, numbers.allSatisfy(\.isFinite), !seen[index] else {
                throw malformed(name, line)
            }
            seen[index] = true
            found += 1
            values.replaceSubrange(index * width..<(index + 1) * width, with: numbers)
        }
        return (values, found)
    }

    /// `row,label` lines as one label per row; every row must be present.
    func readLabels(_ name: String, count: Int, k: Int) throws -> [Int] {
        var labels = [Int](repeating: -1, count: count)
        for line in try lines(name) {
            let f = line.split(separator: ",")
            guard f.count == 2, let row = Int(f[0]), let label = Int(f[1]), (0..<count).contains(row),
                (0..<k).contains(label),
                labels[row] == -1
            else { throw malformed(name, line) }
            labels[row] = label
        }
        if let missing = labels.firstIndex(of: -1) {
            throw StageError(
                "stage '\(stageName)': the Spark job wrote no label for row \(missing) of \(count)",
                code: .sparkBadOutput)
        }
        return labels
    }

    private func malformed(_ name: String, _ line: Substring) -> StageError {
        StageError(
            "stage '\(stageName)': unexpected line in the Spark job's \(name) output: '\(line.prefix(120))'",
            code: .sparkBadOutput)
    }
}
