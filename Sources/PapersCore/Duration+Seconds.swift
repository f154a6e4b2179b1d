extension Duration {
    /// This duration in seconds, with its fraction (attosecond precision folded into a `Double`).
    public var inSeconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}
