import Foundation
import RecpipeCore

extension PipelineDecoder {
    // MARK: - Output paths

    /// Two stages may not write the same output directory, nor one inside the other: an export
    /// directory is one stage's set of files that switches as a whole (a second stage's set
    /// would hide the first's, and each run would re-export the other).
    mutating func checkOutputPaths() {
        var seen: [(path: String, stage: Int, param: String)] = []
        for i in drafts.indices where !drafts[i].failed {
            guard let declaration = drafts[i].declaration else { continue }
            for spec in declaration.params where spec.type == .outputPath {
                guard let written = drafts[i].params[spec.name]?.stringValue else { continue }
                let path = Self.standardized(written, base: baseDirectory)
                if let other = seen.first(where: { Self.overlaps($0.path, path) }) {
                    let same = other.path == path
                    report(
                        .error(
                            "output-conflict",
                            "stages '\(drafts[other.stage].name)' and '\(drafts[i].name)' both write "
                                + (same ? "'\(written)'" : "into '\(written)' (one directory inside the other)"),
                            at: drafts[i].paramLocations[spec.name] ?? drafts[i].location,
                            hint: "an output directory holds one stage's files and switches as a whole; "
                                + "list every artifact in one export stage's `inputs: { data: [...] }`, or choose another `\(spec.name)`"
                        ),
                        stage: i)
                } else {
                    seen.append((path, i, spec.name))
                }
            }
        }
    }

    static func standardized(_ path: String, base: String) -> String {
        var p = URL(fileURLWithPath: PipelinePath.resolve(path, base: base)).standardizedFileURL.path
        while p.count > 1, p.hasSuffix("/") { p.removeLast() }
        return p
    }

    static func overlaps(_ a: String, _ b: String) -> Bool {
        a == b || a.hasPrefix(b == "/" ? b : b + "/") || b.hasPrefix(a == "/" ? a : a + "/")
    }
}
