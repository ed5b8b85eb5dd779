import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Where commands write. Tests swap in a capturing console through the task-local `current`.
public struct Console: Sendable {
    public var out: @Sendable (String) -> Void
    public var err: @Sendable (String) -> Void
    /// Whether stderr is an interactive terminal (live progress vs plain lines).
    public var isTerminal: Bool

    public init(out: @escaping @Sendable (String) -> Void, err: @escaping @Sendable (String) -> Void, isTerminal: Bool)
    {
        self.out = out
        self.err = err
        self.isTerminal = isTerminal
    }

    public static let standard = Console(
        out: { s in FileHandle.standardOutput.write(Data(s.utf8)) },
        err: { s in FileHandle.standardError.write(Data(s.utf8)) },
        isTerminal: isatty(STDERR_FILENO) == 1 && ProcessInfo.processInfo.environment["TERM"] != "dumb")

    @TaskLocal public static var current: Console = .standard

    /// Prints a line to standard output.
    public static func print(_ s: String = "") { current.out(s + "\n") }
    /// Prints a line to standard error.
    public static func error(_ s: String) { current.err(s + "\n") }
}
