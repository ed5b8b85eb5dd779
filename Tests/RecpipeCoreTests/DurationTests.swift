import Testing

@testable import RecpipeCore

/// One conversion of a `Duration` for every timing: seconds for summaries, whole milliseconds
/// (truncated) for latencies.
@Suite struct DurationTests {
    @Test func secondsAndMilliseconds() {
        let d = Duration.seconds(2) + .nanoseconds(345_678_901)
        #expect(abs(d.seconds - 2.345678901) < 1e-12)
        #expect(d.milliseconds == 2345)
        #expect(Duration.nanoseconds(999_999).milliseconds == 0)
        #expect(Duration.zero.seconds == 0 && Duration.zero.milliseconds == 0)
    }
}
