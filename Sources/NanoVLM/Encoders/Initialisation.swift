import NanoTensor

/// The initialisation rules the encoders share. Each encoder walks its own tensors in
/// layout order, handles its embeddings itself and leaves the rest to `standard`, so one
/// generator drawn in layout order gives the same weights for the same seed.
enum Initialisation {
    /// LayerNorm weights 1 and biases 0; transformer-block weights uniform with bound
    /// √(3 / fan_in) (standard deviation 1/√fan_in); other weights He-uniform, bound
    /// √(6 / fan_in). fan_in is the product of all but the first dimension.
    static func standard(
        _ entry: ParameterLayout.Entry, _ base: UnsafeMutablePointer<Float>, using rng: inout SeededRandom
    ) {
        let name = entry.name
        if name.hasSuffix("norm.weight") || name.hasSuffix("norm1.weight") || name.hasSuffix("norm2.weight") {
            base.update(repeating: 1, count: entry.count)
        } else if name.hasSuffix("bias") {
            base.update(repeating: 0, count: entry.count)
        } else {
            let fanIn = Double(entry.shape.dropFirst().reduce(1, *))
            let bound = ((name.contains(".transformer.") ? 3 : 6) / fanIn).squareRoot()
            for i in 0..<entry.count { base[i] = Float(rng.uniform(-bound, bound)) }
        }
    }

    /// N(0, std²) values.
    static func normal(
        _ entry: ParameterLayout.Entry, _ base: UnsafeMutablePointer<Float>, std: Double, using rng: inout SeededRandom
    ) {
        for i in 0..<entry.count { base[i] = Float(std * rng.normal()) }
    }

    /// N(0, 1/C) for a position or class embedding whose last dimension is the width C (CLIP's scale).
    static func embedding(
        _ entry: ParameterLayout.Entry, _ base: UnsafeMutablePointer<Float>, using rng: inout SeededRandom
    ) {
        normal(entry, base, std: 1 / Double(entry.shape.last ?? 1).squareRoot(), using: &rng)
    }

    /// Runs `body` for every tensor under `prefix`, in layout order.
    static func forEach(
        under prefix: String, in layout: ParameterLayout, _ parameters: UnsafeMutablePointer<Float>,
        _ body: (ParameterLayout.Entry, UnsafeMutablePointer<Float>) -> Void
    ) {
        for entry in layout.entries where entry.name.hasPrefix(prefix + ".") { body(entry, parameters + entry.offset) }
    }
}
