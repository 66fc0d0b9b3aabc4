import NanoNN
import NanoTensor

/// The `attention` text encoder (docs/MODEL.md): `[CLS] w1 w2 w3` → token embeddings + learned
/// position embeddings (width C = `token_dim`) → L pre-LayerNorm transformer blocks with a
/// key padding mask → the `[CLS]` row → linear C→D → LayerNorm(D) → L2 normalisation.
/// Word order matters (positions), and padding never reaches `[CLS]` (the mask).
struct AttentionTextEncoder: TextEncoder {
    static let prefix = "text_encoder"
    let width: Int, dim: Int
    let table: Int, positions: Int
    /// Rows of the position table: the longest sequence taken.
    let sequenceLength: Int
    let stack: TransformerStack
    let head: ProjectionHead

    static func parameterTable(_ config: ModelConfiguration, vocabularySize: Int, sequenceLength: Int) -> [(
        String, [Int]
    )] {
        let c = config.tokenDim, a = config.attention
        return [
            ("\(prefix).token_embedding.weight", [vocabularySize, c]),
            ("\(prefix).position_embedding.weight", [sequenceLength, c]),
        ]
            + TransformerStack.parameterTable(prefix: prefix, dim: c, layers: a.layers, hidden: a.mlpRatio * c)
            + ProjectionHead.parameterTable(prefix: prefix, width: c, dim: config.embeddingDim)
    }

    init(config: ModelConfiguration, layout: ParameterLayout, vocabularySize: Int, sequenceLength: Int) {
        self.sequenceLength = sequenceLength
        width = config.tokenDim
        dim = config.embeddingDim
        table = layout.offset("\(Self.prefix).token_embedding.weight")
        positions = layout.offset("\(Self.prefix).position_embedding.weight")
        let a = config.attention
        stack = TransformerStack(
            prefix: Self.prefix, dim: width, heads: a.heads, layers: a.layers, hidden: a.mlpRatio * width,
            layout: layout)
        head = ProjectionHead(prefix: Self.prefix, width: width, dim: dim, layout: layout)
    }

    final class Workspace: TextEncoderWorkspace {
        let batch: Int, maxLength: Int
        let tokens: UnsafeMutablePointer<Int32>  // (B, T), padded
        let stack: TransformerStack.Workspace
        let head: ProjectionHead.Workspace
        var output: FloatBuffer { head.output }

        init(encoder: AttentionTextEncoder, batch: Int, maxLength: Int, training: Bool) {
            precondition(maxLength <= encoder.sequenceLength)
            self.batch = batch
            self.maxLength = maxLength
            tokens = .allocate(capacity: batch * maxLength)
            tokens.initialize(repeating: 0, count: batch * maxLength)
            stack = TransformerStack.Workspace(
                stack: encoder.stack, batch: batch, length: maxLength, training: training)
            head = ProjectionHead.Workspace(head: encoder.head, batch: batch, training: training)
        }

        deinit { tokens.deallocate() }

        /// Writes row `row`'s sequence: [CLS] followed by `words`; the rest is masked padding.
        func set(row: Int, words: [Int]) {
            precondition(words.count + 1 <= maxLength)
            let base = tokens + row * maxLength
            base.update(repeating: 0, count: maxLength)  // [CLS] is token 0
            for (i, w) in words.enumerated() { base[i + 1] = Int32(w) }
            stack.lengths[row] = Int32(words.count + 1)
        }
    }

    /// Token embeddings N(0, 1), position embeddings N(0, 1/C); the rest by `Initialisation.standard`.
    func initialise(_ parameters: UnsafeMutablePointer<Float>, layout: ParameterLayout, using rng: inout SeededRandom) {
        Initialisation.forEach(under: Self.prefix, in: layout, parameters) { entry, base in
            switch entry.name {
            case "\(Self.prefix).token_embedding.weight": Initialisation.normal(entry, base, std: 1, using: &rng)
            case "\(Self.prefix).position_embedding.weight": Initialisation.normal(entry, base, std: 1, using: &rng)
            default: Initialisation.standard(entry, base, using: &rng)
            }
        }
    }

    func makeWorkspace(batch: Int, maxLength: Int, training: Bool) -> Workspace {
        Workspace(encoder: self, batch: batch, maxLength: maxLength, training: training)
    }

    func forward(_ ws: Workspace, parameters p: UnsafePointer<Float>, count: Int) {
        let t = ws.maxLength, x = ws.stack.streams[0].pointer
        Embedding.forward(output: x, tokens: ws.tokens, table: p + table, count: count * t, dim: width)
        PositionalEmbedding.forward(output: x, input: x, table: p + positions, batch: count, length: t, dim: width)
        stack.forward(ws.stack, parameters: p, count: count)
        head.forward(ws.head, stream: ws.stack.output, length: t, parameters: p, count: count)
    }

    func backward(
        _ ws: Workspace, dOutput: UnsafePointer<Float>, parameters p: UnsafePointer<Float>,
        gradients g: UnsafeMutablePointer<Float>, count: Int
    ) {
        let t = ws.maxLength, dx = ws.stack.dStream.pointer
        head.backward(ws.head, dStream: dx, length: t, dOutput: dOutput, parameters: p, gradients: g, count: count)
        stack.backward(ws.stack, parameters: p, gradients: g, count: count)
        // The position add ran in place: the stream's gradient is also the token embeddings'.
        PositionalEmbedding.backward(
            dInput: nil, dTable: g + positions, dOutput: dx, batch: count, length: t, dim: width)
        Embedding.backward(dTable: g + table, dOutput: dx, tokens: ws.tokens, count: count * t, dim: width)
    }
}
