/// A small, portable, seeded pseudo-random generator (SplitMix64).
///
/// Every random choice in nanovlm — weight initialisation, the train/validation split,
/// augmentation — draws from this generator so that the same seed gives the same result on
/// every machine. It is simple enough to re-implement in any language:
///
///     state = seed
///     next():  state = state &+ 0x9E3779B97F4A7C15
///              z = state
///              z = (z ^ (z >> 30)) &* 0xBF58476D1CE4E5B9
///              z = (z ^ (z >> 27)) &* 0x94D049BB133111EB
///              return z ^ (z >> 31)
///     uniform() = Double(next() >> 11) * 2^-53          // in [0, 1)
///     below(n)  = Int(next() % n)                        // modulo bias < 2^-56 for n < 256
///     shuffle(a): for i in (1..<a.count).reversed(): swap(a[i], a[below(i + 1)])   // Fisher–Yates
public struct SeededRandom: Sendable {
    public private(set) var state: UInt64

    public init(seed: UInt64) { state = seed }

    public mutating func next() -> UInt64 {
        state = state &+ 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    public mutating func uniform() -> Double {
        Double(next() >> 11) * 0x1.0p-53
    }

    /// Uniform in [lower, upper).
    public mutating func uniform(_ lower: Double, _ upper: Double) -> Double {
        lower + (upper - lower) * uniform()
    }

    /// Uniform integer in 0..<n (n > 0).
    public mutating func below(_ n: Int) -> Int {
        precondition(n > 0, "below(n) needs n > 0")
        return Int(next() % UInt64(n))
    }

    /// Standard normal by Box–Muller (one draw per call; two uniforms consumed).
    public mutating func normal() -> Double {
        let u1 = max(uniform(), 0x1.0p-60)
        let u2 = uniform()
        return (-2 * _log(u1)).squareRoot() * _cos(2 * Double.pi * u2)
    }

    /// Fisher–Yates shuffle, from the last element down, as documented above.
    public mutating func shuffle<T>(_ array: inout [T]) {
        guard array.count > 1 else { return }
        for i in stride(from: array.count - 1, to: 0, by: -1) {
            array.swapAt(i, below(i + 1))
        }
    }
}

#if canImport(Glibc)
    import Glibc
    @inline(__always) private func _log(_ x: Double) -> Double { Glibc.log(x) }
    @inline(__always) private func _cos(_ x: Double) -> Double { Glibc.cos(x) }
#else
    import Darwin
    @inline(__always) private func _log(_ x: Double) -> Double { Darwin.log(x) }
    @inline(__always) private func _cos(_ x: Double) -> Double { Darwin.cos(x) }
#endif
