import Foundation
import RecpipeEngine
import RecpipeSpec

/// The `max_memory` parameter: bytes as an int, or a string like "2GB", "512MB", "64KB".
enum MemoryLimit {
    /// Default: half of physical memory.
    static var defaultBytes: Int { Int(ProcessInfo.processInfo.physicalMemory / 2) }

    static func bytes(_ context: StageContext, param: String = "max_memory") throws -> Int {
        guard let value = context.param(param) else { return defaultBytes }
        if let i = value.intValue, i > 0 { return i }
        if let s = value.stringValue, let b = parse(s) { return b }
        throw StageError(
            "`\(param)` must be a positive byte count or a size like \"2GB\" or \"512MB\" (got \(value))",
            code: .invalidParam, at: context.location(of: param),
            hint: "units: B, KB, MB, GB, TB (powers of 1000); KiB, MiB, GiB (1024)")
    }

    static func parse(_ text: String) -> Int? {
        let s = text.trimmingCharacters(in: .whitespaces).uppercased()
        let units: [(String, Double)] = [
            ("KIB", 1024), ("MIB", 1024 * 1024), ("GIB", 1024 * 1024 * 1024), ("TIB", 1024 * 1024 * 1024 * 1024),
            ("KB", 1e3), ("MB", 1e6), ("GB", 1e9), ("TB", 1e12), ("K", 1e3), ("M", 1e6), ("G", 1e9), ("B", 1),
        ]
        for (suffix, factor) in units where s.hasSuffix(suffix) {
            let number = s.dropLast(suffix.count).trimmingCharacters(in: .whitespaces)
            guard let v = Double(number), v > 0 else { return nil }
            return Int(v * factor)
        }
        guard let v = Int(s), v > 0 else { return nil }
        return v
    }
}
