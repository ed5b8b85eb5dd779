import RecpipeCore
import Testing

@testable import RecpipeStages

@Suite struct ALSMemoryNoteTests {
    /// The `als` notes show the process's peak resident memory (what `scripts/bench_als.sh` compares).
    @Test func notesShowThePeakMemory() async throws {
        let (_, out) = try await ALSStageTests.run([:])
        let line = try #require(out.notes.first { $0.hasPrefix("peak memory ") })
        let mib = try #require(Double(line.dropFirst("peak memory ".count).prefix { $0 != " " }))
        #expect(line.contains(" MiB (the process's largest resident set so far"))
        #expect(mib > 1)
        #expect(mib * 1_048_576 <= Double(ProcessMemory.peakBytes) + 1_048_576)
    }
}
