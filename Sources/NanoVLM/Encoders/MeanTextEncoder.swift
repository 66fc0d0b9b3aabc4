import NanoNN
import NanoTensor

/// The default `mean` text encoder (docs/MODEL.md): `[CLS] w1 w2 w3` → token embeddings →
/// mean over all tokens ([CLS] included) → linear → LayerNorm(D) → L2 normalisation.
struct MeanTextEncoder: TextEncoder {
    static let prefix = "text_encoder"
    let tokenDim: Int
    let dim: Int
    let vocabularySize: Int
    let table: Int
    let head: ProjectionHead

    static func parameterTable(_ config: ModelConfiguration, vocabularySize: Int, sequenceLength: Int) -> [(
        String, [Int]
    )] {
        [("\(prefix).token_embedding.weight", [vocabularySize, config.tokenDim])]
            + ProjectionHead.parameterTable(prefix: prefix, width: config.tokenDim, dim: config.embeddingDim)
    }

    init(config: ModelConfiguration, layout: ParameterLayout, vocabularySize: Int, sequenceLength: Int) {
        tokenDim = config.tokenDim
        dim = config.embeddingDim
        self.vocabularySize = vocabularySize
        table = layout.offset("\(Self.prefix).token_embedding.weight")
        head = ProjectionHead(prefix: Self.prefix, width: tokenDim, dim: dim, layout: layout)
    }

    final class Workspace: TextEncoderWorkspace {
        let batch: Int, maxLength: Int
        let tokens: UnsafeMutablePointer<Int32>  // (B, T), padded
        let lengths: UnsafeMutablePointer<Int32>  // (B)
        let gathered: FloatBuffer
        /// Its input is the pooled (B, token width) rows.
        let head: ProjectionHead.Workspace
        let dGathered: FloatBuffer
        var output: FloatBuffer { head.output }

        init(encoder: MeanTextEncoder, batch: Int, maxLength: Int, training: Bool) {
            self.batch = batch
            self.maxLength = maxLength
            tokens = .allocate(capacity: batch * maxLength)
            tokens.initialize(repeating: 0, count: batch * maxLength)
            lengths = .allocate(capacity: batch)
            lengths.initialize(repeating: 0, count: batch)
            let e = encoder.tokenDim
            gathered = FloatBuffer(count: batch * maxLength * e)
            head = ProjectionHead.Workspace(head: encoder.head, batch: batch, training: training)
            dGathered = FloatBuffer(count: training ? batch * maxLength * e : 0)
        }

        deinit {
            tokens.deallocate()
            lengths.deallocate()
        }

        /// Writes row `row`'s sequence: [CLS] followed by `words` (vocabulary indices).
        func set(row: Int, words: [Int]) {
            precondition(words.count + 1 <= maxLength)
            let base = tokens + row * maxLength
            base.update(repeating: 0, count: maxLength)  // [CLS] is token 0
            for (i, w) in words.enumerated() { base[i + 1] = Int32(w) }
            lengths[row] = Int32(words.count + 1)
        }
    }

    /// Token embeddings N(0, 1); the head by `Initialisation.standard`.
    func initialise(_ parameters: UnsafeMutablePointer<Float>, layout: ParameterLayout, using rng: inout SeededRandom) {
        Initialisation.forEach(under: Self.prefix, in: layout, parameters) { entry, base in
            if entry.name == "\(Self.prefix).token_embedding.weight" {
                Initialisation.normal(entry, base, std: 1, using: &rng)
            } else {
                Initialisation.standard(entry, base, using: &rng)
            }
        }
    }

    func makeWorkspace(batch: Int, maxLength: Int, training: Bool) -> Workspace {
        Workspace(encoder: self, batch: batch, maxLength: maxLength, training: training)
    }

    func forward(_ ws: Workspace, parameters p: UnsafePointer<Float>, count: Int) {
        let e = tokenDim
        Embedding.forward(
            output: ws.gathered.pointer, tokens: ws.tokens, table: p + table, count: count * ws.maxLength, dim: e)
        MaskedMeanPool.forward(
            output: ws.head.input.pointer, input: ws.gathered.pointer, lengths: ws.lengths,
            batch: count, maxLength: ws.maxLength, dim: e)
        head.forward(ws.head, parameters: p, count: count)
    }

    func backward(
        _ ws: Workspace, dOutput: UnsafePointer<Float>, parameters p: UnsafePointer<Float>,
        gradients g: UnsafeMutablePointer<Float>, count: Int
    ) {
        let e = tokenDim
        ws.dGathered.zero()
        head.backward(ws.head, dOutput: dOutput, parameters: p, gradients: g, count: count)
        MaskedMeanPool.backward(
            dInput: ws.dGathered.pointer, dOutput: ws.head.dInput.pointer, lengths: ws.lengths,
            batch: count, maxLength: ws.maxLength, dim: e)
        Embedding.backward(
            dTable: g + table, dOutput: ws.dGathered.pointer, tokens: ws.tokens, count: count * ws.maxLength, dim: e)
    }
}

extension MeanTextEncoder {
    /// The exact share of `score(text, image)` that each word contributed. With
    /// z = W·mean(e) + b, LayerNorm is affine in z once its mean and rstd are fixed, and L2
    /// normalisation divides by a fixed norm, so
    ///   score = Σ_words (img · g ⊙ (W e_w − mean(W e_w)) · rstd / n / ‖LN‖)
    ///         + (img · (g ⊙ ((W e_cls − mean) / n + b − mean(b)) · rstd + β) / ‖LN‖)
    /// — one term per word plus one bias term ([CLS], projection bias and LayerNorm shift).
    /// - Parameters:
    ///   - tokens: the query's word tokens (no `[CLS]`).
    ///   - image: the image's (D) unit embedding.
    func explain(tokens: [Int], image: [Float], parameters p: UnsafePointer<Float>) -> (words: [Float], bias: Float) {
        let d = dim, e = tokenDim
        let w = head.projectionWeight, b = head.projectionBias, g = head.normWeight, beta = head.normBias
        let sequence = [0] + tokens  // [CLS] is token 0
        let n = Float(sequence.count)
        // Per-token projected contribution W e_t / n, centred (LayerNorm subtracts the mean).
        func centredProjection(_ token: Int) -> [Float] {
            var out = [Float](repeating: 0, count: d)
            for i in 0..<d {
                var s: Float = 0
                for j in 0..<e { s += p[w + i * e + j] * p[table + token * e + j] }
                out[i] = s / n
            }
            let mean = out.reduce(0, +) / Float(d)
            return out.map { $0 - mean }
        }
        var z = [Float](repeating: 0, count: d)
        let parts = sequence.map(centredProjection)
        for part in parts { for i in 0..<d { z[i] += part[i] } }
        var biasPart = (0..<d).map { p[b + $0] }
        let biasMean = biasPart.reduce(0, +) / Float(d)
        biasPart = biasPart.map { $0 - biasMean }
        for i in 0..<d { z[i] += biasPart[i] }
        // z is now the centred pre-norm vector; rstd from its variance.
        let variance = z.map { $0 * $0 }.reduce(0, +) / Float(d)
        let rstd = 1 / (variance + 1e-5).squareRoot()
        var normed = [Float](repeating: 0, count: d)
        for i in 0..<d { normed[i] = z[i] * rstd * p[g + i] + p[beta + i] }
        let norm = max(normed.map { $0 * $0 }.reduce(0, +).squareRoot(), 1e-12)
        func project(_ v: [Float], shift: Bool) -> Float {
            var s: Float = 0
            for i in 0..<d { s += image[i] * (v[i] * rstd * p[g + i] + (shift ? p[beta + i] : 0)) }
            return s / norm
        }
        let wordTerms = parts.dropFirst().map { project($0, shift: false) }
        var clsAndBias = parts[0]
        for i in 0..<d { clsAndBias[i] += biasPart[i] }
        return (Array(wordTerms), project(clsAndBias, shift: true))
    }
}
