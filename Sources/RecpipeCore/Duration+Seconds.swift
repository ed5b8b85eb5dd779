extension Duration {
    /// The duration in seconds, for timings in summaries, notes and manifests.
    package var seconds: Double {
        let c = components
        return Double(c.seconds) + Double(c.attoseconds) * 1e-18
    }

    /// The duration in whole milliseconds (truncated), for latencies.
    package var milliseconds: Int {
        let c = components
        return Int(c.seconds * 1000 + c.attoseconds / 1_000_000_000_000_000)
    }
}
