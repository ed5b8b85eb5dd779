import Foundation

/// Tick positions and the numbers printed beside them: "nice" steps of 1, 2 or 5 × 10ⁿ, so that
/// an axis reads 0, 20, 40 … rather than 0, 17.3, 34.6 …
package enum Ticks {
    /// About `count` evenly spaced round values covering `[lower, upper]` (both ends inside the
    /// returned range when they are themselves round). Empty for a non-finite domain; a single
    /// value for a degenerate one. O(count).
    package static func nice(_ lower: Double, _ upper: Double, count: Int = 5) -> [Double] {
        guard lower.isFinite, upper.isFinite else { return [] }
        if lower == upper { return [lower] }
        let (lo, hi) = (min(lower, upper), max(lower, upper))
        let step = self.step(lo, hi, count: count)
        let first = (lo / step).rounded(.up), last = (hi / step).rounded(.down)
        guard first <= last else { return [] }
        // Multiplying integer indices by the step (not adding steps) keeps 0.1 × 3 at 0.3.
        return stride(from: first, through: last, by: 1).map { clean($0 * step) }
    }

    /// The tick step for about `count` ticks over `[lower, upper]`: 1, 2 or 5 × 10ⁿ.
    package static func step(_ lower: Double, _ upper: Double, count: Int = 5) -> Double {
        let span = abs(upper - lower)
        guard span > 0, span.isFinite else { return 1 }
        let raw = span / Double(max(1, count))
        let power = pow(10, (log10(raw)).rounded(.down))
        let error = raw / power
        let factor: Double = error >= 7.07 ? 10 : error >= 3.16 ? 5 : error >= 1.41 ? 2 : 1
        return factor * power
    }

    /// `[lower, upper]` widened outwards to whole steps, so bars never touch the chart's edge.
    /// A degenerate domain becomes `[0, 1]` around zero, or reaches from zero to the value.
    package static func niceDomain(_ lower: Double, _ upper: Double, count: Int = 5) -> ClosedRange<Double> {
        var (lo, hi) = (min(lower, upper), max(lower, upper))
        guard lo.isFinite, hi.isFinite else { return 0...1 }
        if lo == hi {
            if lo == 0 { return 0...1 }
            (lo, hi) = lo > 0 ? (0, hi) : (lo, 0)
        }
        let step = self.step(lo, hi, count: count)
        return clean((lo / step).rounded(.down) * step)...clean((hi / step).rounded(.up) * step)
    }

    /// Powers of ten inside `[lower, upper]` (both > 0) for a log axis; when that gives fewer than
    /// three ticks, the 2× and 5× marks between them too.
    package static func logarithmic(_ lower: Double, _ upper: Double) -> [Double] {
        guard lower > 0, upper > 0, lower.isFinite, upper.isFinite else { return [] }
        let (lo, hi) = (min(lower, upper), max(lower, upper))
        let from = Int(log10(lo).rounded(.down)), to = Int(log10(hi).rounded(.up))
        let (lowest, highest) = (lo * (1 - 1e-9), hi * (1 + 1e-9))
        func inside(_ marks: [Double]) -> [Double] {
            var out: [Double] = []
            for e in from...to {
                let scale: Double = pow(10, Double(e))
                for m in marks {
                    let v = clean(m * scale)
                    if v >= lowest && v <= highest { out.append(v) }
                }
            }
            return out
        }
        let decades = inside([1])
        if decades.count >= 3 { return decades }
        let finer = inside([1, 2, 5])
        return finer.isEmpty ? [lo] : finer
    }

    /// A tick label with as many decimals as `step` needs (`0.25` → 2), thousands grouped with
    /// commas, and no "-0".
    package static func label(_ value: Double, step: Double) -> String {
        let decimals = step > 0 && step < 1 ? min(6, Int((-log10(step)).rounded(.up))) : 0
        return NumberText.fixed(value, decimals: decimals)
    }

    /// Removes the binary noise of products like `3 × 0.1` (`0.30000000000000004` → `0.3`).
    static func clean(_ x: Double) -> Double {
        guard x != 0, x.isFinite else { return x == 0 ? 0 : x }
        let digits = 12 - Int(log10(abs(x)).rounded(.down))
        guard digits > 0, digits < 300 else { return x }
        let f = pow(10, Double(digits))
        return (x * f).rounded() / f
    }
}

/// Numbers as a report prints them, independent of the machine's locale.
package enum NumberText {
    /// `value` with exactly `decimals` decimals and commas between thousands: `12,345.60`.
    package static func fixed(_ value: Double, decimals: Int) -> String {
        guard value.isFinite else { return value.isNaN ? "–" : (value > 0 ? "∞" : "-∞") }
        let text = String(format: "%.\(max(0, decimals))f", abs(value))
        let parts = text.split(separator: ".", maxSplits: 1).map(String.init)
        var whole = ""
        for (i, ch) in parts[0].reversed().enumerated() {
            if i > 0 && i % 3 == 0 { whole.append(",") }
            whole.append(ch)
        }
        whole = String(whole.reversed())
        let body = parts.count > 1 ? whole + "." + parts[1] : whole
        let isZero = body.allSatisfy { $0 == "0" || $0 == "." || $0 == "," }
        return value < 0 && !isZero ? "-" + body : body
    }

    /// A count: `1,984`.
    package static func count(_ value: Int) -> String { fixed(Double(value), decimals: 0) }

    /// A general value: whole numbers grouped, others with four significant digits
    /// (`0.1832`, `174.2`, `12,142`).
    package static func value(_ value: Double) -> String {
        guard value.isFinite else { return fixed(value, decimals: 0) }
        if value == value.rounded() && abs(value) < 1e15 { return fixed(value, decimals: 0) }
        let magnitude = abs(value) < 1e-12 ? 0 : Int(log10(abs(value)).rounded(.down))
        return fixed(value, decimals: max(0, 3 - magnitude))
    }

    /// A share of 1 as a percentage with one decimal: `0.263` → `26.3%`.
    package static func percent(_ share: Double) -> String { fixed(share * 100, decimals: 1) + "%" }
}
