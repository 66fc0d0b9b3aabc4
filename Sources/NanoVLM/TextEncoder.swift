import NanoNN
import NanoTensor

/// The default `mean` text encoder (SPEC §3): `[CLS] w1 w2 w3` → token embeddings →
/// mean over all tokens ([CLS] included) → linear → LayerNorm(D) → L2 normalisation.
struct TextEncoder {
    let tokenDim: Int
    let dim: Int
    let vocabularySize: Int
    let table: Int
    let projectionWeight: Int, projectionBias: Int
    let normWeight: Int, normBias: Int

    init(config: ModelConfiguration, layout: ParameterLayout, vocabularySize: Int) {
        tokenDim = config.tokenDim
        dim = config.embeddingDim
        self.vocabularySize = vocabularySize
        table = layout.offset("text_encoder.token_embedding.weight")
        projectionWeight = layout.offset("text_encoder.projection.weight")
        projectionBias = layout.offset("text_encoder.projection.bias")
        normWeight = layout.offset("text_encoder.norm.weight")
        normBias = layout.offset("text_encoder.norm.bias")
    }

    final class Workspace {
        let batch: Int, maxLength: Int
        let tokens: UnsafeMutablePointer<Int32>  // (B, T), padded
        let lengths: UnsafeMutablePointer<Int32>  // (B)
        let gathered: FloatBuffer, pooled: FloatBuffer, projected: FloatBuffer
        let normed: FloatBuffer, mean: FloatBuffer, rstd: FloatBuffer
        let output: FloatBuffer, norms: FloatBuffer
        let dGathered: FloatBuffer, dPooled: FloatBuffer, dProjected: FloatBuffer, dNormed: FloatBuffer

        init(encoder: TextEncoder, batch: Int, maxLength: Int, training: Bool) {
            self.batch = batch
            self.maxLength = maxLength
            tokens = .allocate(capacity: batch * maxLength)
            tokens.initialize(repeating: 0, count: batch * maxLength)
            lengths = .allocate(capacity: batch)
            lengths.initialize(repeating: 0, count: batch)
            let e = encoder.tokenDim, d = encoder.dim
            gathered = FloatBuffer(count: batch * maxLength * e)
            pooled = FloatBuffer(count: batch * e)
            projected = FloatBuffer(count: batch * d)
            normed = FloatBuffer(count: batch * d)
            mean = FloatBuffer(count: batch)
            rstd = FloatBuffer(count: batch)
            output = FloatBuffer(count: batch * d)
            norms = FloatBuffer(count: batch)
            dGathered = FloatBuffer(count: training ? batch * maxLength * e : 0)
            dPooled = FloatBuffer(count: training ? batch * e : 0)
            dProjected = FloatBuffer(count: training ? batch * d : 0)
            dNormed = FloatBuffer(count: training ? batch * d : 0)
        }

        deinit {
            tokens.deallocate()
            lengths.deallocate()
        }

        /// Writes row `row`'s sequence: [CLS] followed by `words` (vocabulary indices).
        func set(row: Int, words: [Int], classToken: Int = 0) {
            precondition(words.count + 1 <= maxLength)
            let base = tokens + row * maxLength
            base.update(repeating: Int32(classToken), count: maxLength)
            for (i, w) in words.enumerated() { base[i + 1] = Int32(w) }
            lengths[row] = Int32(words.count + 1)
        }
    }

    func forward(_ ws: Workspace, parameters p: UnsafePointer<Float>, count: Int) {
        let e = tokenDim
        Embedding.forward(output: ws.gathered.pointer, tokens: ws.tokens, table: p + table, count: count * ws.maxLength, dim: e)
        MaskedMeanPool.forward(
            output: ws.pooled.pointer, input: ws.gathered.pointer, lengths: ws.lengths,
            batch: count, maxLength: ws.maxLength, dim: e)
        Linear.forward(
            output: ws.projected.pointer, input: ws.pooled.pointer, weight: p + projectionWeight,
            bias: p + projectionBias, rows: count, inFeatures: e, outFeatures: dim)
        LayerNorm.forward(
            output: ws.normed.pointer, mean: ws.mean.pointer, rstd: ws.rstd.pointer, input: ws.projected.pointer,
            weight: p + normWeight, bias: p + normBias, rows: count, dim: dim)
        L2Normalize.forward(output: ws.output.pointer, norms: ws.norms.pointer, input: ws.normed.pointer, rows: count, dim: dim)
    }

    func backward(_ ws: Workspace, dOutput: UnsafePointer<Float>, parameters p: UnsafePointer<Float>,
                  gradients g: UnsafeMutablePointer<Float>, count: Int) {
        let e = tokenDim
        ws.dNormed.zero()
        ws.dProjected.zero()
        ws.dPooled.zero()
        ws.dGathered.zero()
        L2Normalize.backward(
            dInput: ws.dNormed.pointer, dOutput: dOutput, output: ws.output.pointer, norms: ws.norms.pointer,
            rows: count, dim: dim)
        LayerNorm.backward(
            dInput: ws.dProjected.pointer, dWeight: g + normWeight, dBias: g + normBias, dOutput: ws.dNormed.pointer,
            input: ws.projected.pointer, mean: ws.mean.pointer, rstd: ws.rstd.pointer, weight: p + normWeight,
            rows: count, dim: dim)
        Linear.backward(
            dInput: ws.dPooled.pointer, dWeight: g + projectionWeight, dBias: g + projectionBias,
            dOutput: ws.dProjected.pointer, input: ws.pooled.pointer, weight: p + projectionWeight,
            rows: count, inFeatures: e, outFeatures: dim)
        MaskedMeanPool.backward(
            dInput: ws.dGathered.pointer, dOutput: ws.dPooled.pointer, lengths: ws.lengths,
            batch: count, maxLength: ws.maxLength, dim: e)
        Embedding.backward(
            dTable: g + table, dOutput: ws.dGathered.pointer, tokens: ws.tokens, count: count * ws.maxLength, dim: e)
    }
}
