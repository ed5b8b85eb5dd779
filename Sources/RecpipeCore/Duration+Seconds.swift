extension Duration {
    /// The duration in seconds, for timings in summaries, notes and manifests.
    package var seconds: Double {
        let c = components
        return Double(c.seconds) + Double(c.attoseconds) * 1e-18
    }
}
