import NanoTensor

// Test data drawn from the library's own seeded generator (SplitMix64, `SeededRandom`), so a
// failing case repeats exactly on every run and machine. Tests that need a stream of draws
// use `SeededRandom` directly; these build the common arrays.

/// `count` values uniform in [-scale, scale); with `avoidingZero`, none closer to 0 than
/// 0.1 · scale (for probes where a sign flip at zero would cross a kink).
public func randomValues(_ count: Int, seed: UInt64, scale: Double = 1, avoidingZero: Bool = false) -> [Float] {
    var rng = SeededRandom(seed: seed)
    return (0..<count).map { _ in
        var v = rng.uniform(-scale, scale)
        if avoidingZero && abs(v) < 0.1 * scale { v += v < 0 ? -0.1 * scale : 0.1 * scale }
        return Float(v)
    }
}

/// `count` bytes, each the low byte of one draw.
public func randomBytes(_ count: Int, seed: UInt64) -> [UInt8] {
    var rng = SeededRandom(seed: seed)
    return (0..<count).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
}
