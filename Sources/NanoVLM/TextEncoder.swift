import NanoNN
import NanoTensor

/// The default `mean` text encoder (docs/MODEL.md): `[CLS] w1 w2 w3` → token embeddings →
/// mean over all tokens ([CLS] included) → linear → LayerNorm(D) → L2 normalisation.
struct TextEncoder {
    let tokenDim: Int
    let dim: Int
    let vocabularySize: Int
    let table: Int
    let head: ProjectionHead

    init(config: ModelConfiguration, layout: ParameterLayout, vocabularySize: Int) {
        tokenDim = config.tokenDim
        dim = config.embeddingDim
        self.vocabularySize = vocabularySize
        table = layout.offset("text_encoder.token_embedding.weight")
        head = ProjectionHead(prefix: "text_encoder", width: tokenDim, dim: dim, layout: layout)
    }

    final class Workspace {
        let batch: Int, maxLength: Int
        let tokens: UnsafeMutablePointer<Int32>  // (B, T), padded
        let lengths: UnsafeMutablePointer<Int32>  // (B)
        let gathered: FloatBuffer
        /// Its input is the pooled (B, token width) rows.
        let head: ProjectionHead.Workspace
        let dGathered: FloatBuffer
        var output: FloatBuffer { head.output }

        init(encoder: TextEncoder, batch: Int, maxLength: Int, training: Bool) {
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
            output: ws.head.input.pointer, input: ws.gathered.pointer, lengths: ws.lengths,
            batch: count, maxLength: ws.maxLength, dim: e)
        head.forward(ws.head, parameters: p, count: count)
    }

    func backward(_ ws: Workspace, dOutput: UnsafePointer<Float>, parameters p: UnsafePointer<Float>,
                  gradients g: UnsafeMutablePointer<Float>, count: Int) {
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
