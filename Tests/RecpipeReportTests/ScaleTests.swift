import Testing

@testable import RecpipeReport

@Suite struct TickTests {
    @Test func niceStepsAreOneTwoOrFiveTimesAPowerOfTen() {
        #expect(Ticks.step(0, 100, count: 5) == 20)
        #expect(Ticks.step(0, 1, count: 5) == 0.2)
        #expect(Ticks.step(0, 7, count: 5) == 1)
        #expect(Ticks.step(0, 35, count: 5) == 5)
        #expect(Ticks.step(3, 3, count: 5) == 1)
    }

    @Test func ticksCoverTheDomainWithRoundNumbers() {
        #expect(Ticks.nice(0, 100) == [0, 20, 40, 60, 80, 100])
        #expect(Ticks.nice(0, 1) == [0, 0.2, 0.4, 0.6, 0.8, 1])
        #expect(Ticks.nice(0.3, 0.9, count: 3) == [0.4, 0.6, 0.8])
        #expect(Ticks.nice(-10, 10, count: 4) == [-10, -5, 0, 5, 10])
        // 3 × 0.1 is 0.30000000000000004 in binary; the tick is 0.3.
        #expect(Ticks.nice(0, 0.5, count: 5).contains(0.3))
    }

    @Test func degenerateAndNonFiniteDomains() {
        #expect(Ticks.nice(4, 4) == [4])
        #expect(Ticks.nice(.nan, 1).isEmpty)
        #expect(Ticks.nice(0, .infinity).isEmpty)
        #expect(Ticks.niceDomain(0, 0) == 0...1)
        #expect(Ticks.niceDomain(7, 7) == 0...7)
        #expect(Ticks.niceDomain(-3, -3) == -3...0)
        #expect(Ticks.niceDomain(0, 93) == 0...100)
        #expect(Ticks.niceDomain(.nan, 3) == 0...1)
    }

    @Test func logTicksArePowersOfTenOrFinerForShortSpans() {
        #expect(Ticks.logarithmic(1, 1000) == [1, 10, 100, 1000])
        #expect(Ticks.logarithmic(3, 420) == [5, 10, 20, 50, 100, 200])
        #expect(Ticks.logarithmic(1, 10) == [1, 2, 5, 10])
        #expect(Ticks.logarithmic(0, 10).isEmpty)
        #expect(Ticks.logarithmic(7, 7) == [7])
    }

    @Test func labelsUseTheStepsDecimalsAndGroupThousands() {
        #expect(Ticks.label(0.2, step: 0.2) == "0.2")
        #expect(Ticks.label(0.25, step: 0.05) == "0.25")
        #expect(Ticks.label(20000, step: 5000) == "20,000")
        #expect(Ticks.label(-0.0, step: 1) == "0")
        #expect(NumberText.count(1_234_567) == "1,234,567")
        #expect(NumberText.value(0.18324) == "0.1832")
        #expect(NumberText.value(174.1991) == "174.2")
        #expect(NumberText.value(12142) == "12,142")
        #expect(NumberText.value(-0.00004) == "-0.00004000")
        #expect(NumberText.percent(0.2631) == "26.3%")
        #expect(NumberText.value(.nan) == "–")
        #expect(NumberText.fixed(-0.001, decimals: 1) == "0.0")
    }
}

@Suite struct ScaleTests {
    @Test func linearScaleMapsAndInverts() {
        let s = LinearScale(domain: 0...10, range: 100...200)
        #expect(s(0) == 100)
        #expect(s(5) == 150)
        #expect(s(10) == 200)
        let y = LinearScale(domain: 0...10, range: 0...100, inverted: true)
        #expect(y(0) == 100)
        #expect(y(10) == 0)
    }

    @Test func linearScaleOverDataIncludesZeroAndNiceEnds() {
        let s = LinearScale(covering: [3, 47, 12], range: 0...100)
        #expect(s.domain == 0...50)
        #expect(s.ticks() == [0, 10, 20, 30, 40, 50])
        let single = LinearScale(covering: [0.42], range: 0...100)
        #expect(single.domain == 0...0.5)
        let none = LinearScale(covering: [], range: 0...100)
        #expect(none.domain == 0...1)
        let degenerate = LinearScale(domain: 2...2, range: 10...20)
        #expect(degenerate(2) == 10)
    }

    @Test func logScaleWidensToDecades() {
        let s = LogScale(domain: 3...420, range: 0...300)
        #expect(s.domain == 1...1000)
        #expect(abs(s(10) - 100) < 1e-9)
        #expect(abs(s(100) - 200) < 1e-9)
        // Values below the domain sit at its start rather than at -∞.
        #expect(s(0) == 0)
        let one = LogScale(domain: 10...10, range: 0...100)
        #expect(one.domain == 10...100)
    }

    @Test func bandScaleSplitsTheRange() {
        let b = BandScale(count: 4, range: 0...100, padding: 0.2)
        #expect(b.step == 25)
        #expect(b.bandwidth == 20)
        #expect(b.start(0) == 2.5)
        #expect(b.center(3) == 87.5)
        #expect(BandScale(count: 0, range: 0...100).step == 0)
    }
}
