import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The process's peak resident memory (`getrusage` maximum RSS) — what a benchmark measures of the
/// whole process with `wait4` — for stage notes.
package enum ProcessMemory {
    /// The largest resident set the process has had so far, in bytes.
    package static var peakBytes: Int {
        var usage = rusage()
        #if canImport(Glibc)
            let who = __rusage_who_t(RUSAGE_SELF.rawValue)
        #else
            let who = RUSAGE_SELF
        #endif
        guard getrusage(who, &usage) == 0 else { return 0 }
        #if canImport(Darwin)
            return Int(usage.ru_maxrss)  // bytes on Darwin
        #else
            return Int(usage.ru_maxrss) * 1024  // KiB on Linux
        #endif
    }

    /// `312.4 MiB`.
    package static func describe(_ bytes: Int) -> String {
        String(format: "%.1f MiB", Double(bytes) / 1_048_576)
    }
}
