import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Where commands write. Tests swap in a capturing console through the task-local `current`.
package struct Console: Sendable {
    package var out: @Sendable (String) -> Void
    package var err: @Sendable (String) -> Void
    /// Whether stderr is an interactive terminal (live progress vs plain lines).
    package var isTerminal: Bool

    package init(out: @escaping @Sendable (String) -> Void, err: @escaping @Sendable (String) -> Void, isTerminal: Bool)
    {
        self.out = out
        self.err = err
        self.isTerminal = isTerminal
    }

    package static let standard = Console(
        out: { s in FileHandle.standardOutput.write(Data(s.utf8)) },
        err: { s in FileHandle.standardError.write(Data(s.utf8)) },
        isTerminal: isatty(STDERR_FILENO) == 1 && ProcessInfo.processInfo.environment["TERM"] != "dumb")

    @TaskLocal package static var current: Console = .standard

    /// Prints a line to standard output.
    package static func print(_ s: String = "") { current.out(s + "\n") }
    /// Prints a line to standard error.
    package static func error(_ s: String) { current.err(s + "\n") }
}
