import Foundation

/// How a pipeline's paths are read: relative to the pipeline file's directory, absolute, or
/// `~/…`. The one resolver, for validation (`recpipe validate`, stage checks), runs, fingerprints
/// and `serve`, so a path that validates is the path that runs.
package enum PipelinePath {
    /// `path` as written in a pipeline (relative to the directory `base`, absolute, or `~/…`),
    /// made absolute and standardized.
    package static func resolve(_ path: String, base: String) -> String {
        if path.hasPrefix("/") { return path }
        if path.hasPrefix("~/") {
            return FileManager.default.homeDirectoryForCurrentUser.path + String(path.dropFirst(1))
        }
        return URL(fileURLWithPath: path, relativeTo: URL(fileURLWithPath: base, isDirectory: true))
            .standardizedFileURL.path
    }
}
