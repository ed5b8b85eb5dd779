import Testing

@testable import RecpipeData

/// `as_of` dates: `YYYY-MM-DD` → seconds at 00:00 UTC, read the same way by every stage.
@Suite struct TimestampDateTests {
    @Test func aDateIsMidnightUTCAndAnythingElseIsNil() {
        #expect(Timestamp.date("2026-11-01") == Timestamp.seconds(year: 2026, month: 11, day: 1))
        #expect(Timestamp.date("1970-01-02") == 86_400)
        #expect(Timestamp.date("2026-02-30") == nil)
        #expect(Timestamp.date("2026-11") == nil)
        #expect(Timestamp.date("yesterday") == nil)
    }
}
