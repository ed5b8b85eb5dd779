import Foundation

/// Maps a numeric domain linearly onto pixels (`range` may run backwards, as a y axis does).
package struct LinearScale: Sendable, Equatable {
    package var domain: ClosedRange<Double>
    package var range: ClosedRange<Double>
    /// True when the y axis points up: the domain's lower end maps to `range.upperBound`.
    package var inverted: Bool

    package init(domain: ClosedRange<Double>, range: ClosedRange<Double>, inverted: Bool = false) {
        self.domain = domain
        self.range = range
        self.inverted = inverted
    }

    /// A scale over `values` widened to nice ticks and including zero (for bars).
    package init(
        covering values: [Double], range: ClosedRange<Double>, inverted: Bool = false, includeZero: Bool = true
    ) {
        let finite = values.filter(\.isFinite)
        let lo = finite.min() ?? 0, hi = finite.max() ?? 0
        self.init(
            domain: Ticks.niceDomain(includeZero ? min(0, lo) : lo, includeZero ? max(0, hi) : hi), range: range,
            inverted: inverted)
    }

    /// The pixel position of `x`; a degenerate domain maps everything to the range's start.
    package func callAsFunction(_ x: Double) -> Double {
        let span = domain.upperBound - domain.lowerBound
        let t = span == 0 ? 0 : (x - domain.lowerBound) / span
        let u = inverted ? 1 - t : t
        return range.lowerBound + u * (range.upperBound - range.lowerBound)
    }

    package func ticks(count: Int = 5) -> [Double] {
        Ticks.nice(domain.lowerBound, domain.upperBound, count: count)
    }

    package func tickStep(count: Int = 5) -> Double { Ticks.step(domain.lowerBound, domain.upperBound, count: count) }
}

/// Maps a positive domain onto pixels by its logarithm (for counts and amounts spanning decades).
package struct LogScale: Sendable, Equatable {
    package var domain: ClosedRange<Double>
    package var range: ClosedRange<Double>

    /// `domain` must be positive; its ends are widened to whole decades (`3…420` → `1…1000`).
    package init(domain: ClosedRange<Double>, range: ClosedRange<Double>) {
        let lo = max(domain.lowerBound, .leastNormalMagnitude)
        let hi = max(domain.upperBound, lo)
        let a = pow(10, log10(lo).rounded(.down)), b = pow(10, log10(hi).rounded(.up))
        self.domain = a...(b > a ? b : a * 10)
        self.range = range
    }

    package func callAsFunction(_ x: Double) -> Double {
        let lo = log10(domain.lowerBound), hi = log10(domain.upperBound)
        let t = (log10(max(x, domain.lowerBound)) - lo) / (hi - lo)
        return range.lowerBound + t * (range.upperBound - range.lowerBound)
    }

    package func ticks() -> [Double] { Ticks.logarithmic(domain.lowerBound, domain.upperBound) }
}

/// Evenly spaced bands for categories (one bar or one heat-map cell each).
package struct BandScale: Sendable, Equatable {
    package var count: Int
    package var range: ClosedRange<Double>
    /// Fraction of each band left empty, split on both sides (0 for heat-map cells).
    package var padding: Double

    package init(count: Int, range: ClosedRange<Double>, padding: Double = 0.2) {
        self.count = count
        self.range = range
        self.padding = min(max(padding, 0), 0.9)
    }

    /// The width of one band including its padding.
    package var step: Double { count == 0 ? 0 : (range.upperBound - range.lowerBound) / Double(count) }
    /// The drawn width of one band.
    package var bandwidth: Double { step * (1 - padding) }
    /// Where band `i` starts to be drawn.
    package func start(_ i: Int) -> Double { range.lowerBound + step * Double(i) + step * padding / 2 }
    /// The middle of band `i`.
    package func center(_ i: Int) -> Double { range.lowerBound + step * (Double(i) + 0.5) }
}
