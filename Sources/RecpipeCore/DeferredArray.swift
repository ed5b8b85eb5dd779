import Synchronization

/// An array read from a cached artifact's file when it is first used, then kept: a decoded
/// artifact does not hold a column its consumer never reads (the timestamps of `Interactions` for
/// `als` or `cf`). Cache files are written once and replaced by rename, and the open file keeps
/// its bytes even when the cache prunes it, so a later read sees what the checksum covered.
///
/// `Sendable` (the state sits in a `Mutex`); equal when the values are equal.
package final class DeferredArray<Element: BitwiseCopyable & Sendable & Equatable>: Sendable, Equatable {
    private enum State {
        case loaded([Element])
        case inFile(ReadableFile, offset: Int, count: Int)
        case failed(String)
    }

    private let state: Mutex<State>

    package init(_ values: [Element]) { state = Mutex(.loaded(values)) }

    init(file: ReadableFile, offset: Int, count: Int) { state = Mutex(.inFile(file, offset: offset, count: count)) }

    /// The values, read on first use. A read that fails (the disk, not the checksummed content)
    /// stops the process with the reason: the artifact was already accepted as intact.
    package var values: [Element] {
        state.withLock { state in
            switch state {
            case .loaded(let values): return values
            case .failed(let reason): preconditionFailure(reason)
            case .inFile(let file, let offset, let count):
                do {
                    let values = try [Element](unsafeUninitializedCapacity: count) { buffer, initialized in
                        try file.read(into: UnsafeMutableRawBufferPointer(buffer), at: offset)
                        initialized = count
                    }
                    state = .loaded(values)
                    return values
                } catch {
                    state = .failed("cannot read a cached column of '\(file.path)': \(error)")
                    preconditionFailure("cannot read a cached column of '\(file.path)': \(error)")
                }
            }
        }
    }

    /// The number of values, without reading them.
    package var count: Int {
        state.withLock { state in
            switch state {
            case .loaded(let values): values.count
            case .inFile(_, _, let count): count
            case .failed: 0
            }
        }
    }

    package static func == (a: DeferredArray, b: DeferredArray) -> Bool { a === b || a.values == b.values }
}
