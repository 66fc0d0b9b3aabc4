import NanoNN
import NanoTensor

/// The `vit` image encoder (docs/MODEL.md): p×p stride-p patch embedding of the 32×32 image
/// ((32/p)² patches of width C) → a learned `[CLS]` in front → + learned position embeddings
/// → L pre-LayerNorm transformer blocks → the `[CLS]` row → linear C→D → LayerNorm(D) → L2.
/// The input is channels-last (B, 32, 32, 3), as for the CNN.
struct VisionTransformerEncoder: ImageEncoder {
    static let prefix = "image_encoder"
    static let side = 32
    let width: Int, dim: Int, patch: Int, kernel: Int
    /// The head reads the mean of every row instead of `[CLS]` (`model.vit.pool` `mean`).
    let meanPool: Bool
    var patches: Int { (Self.side / patch) * (Self.side / patch) }
    var length: Int { patches + 1 }
    let patchWeight: Int, patchBias: Int, classEmbedding: Int, positions: Int
    let stack: TransformerStack
    let head: ProjectionHead

    static func parameterTable(_ config: ModelConfiguration) -> [(String, [Int])] {
        let v = config.vit, c = v.width, p = v.patchSize, k = v.kernel
        let n = (side / p) * (side / p)
        return [
            ("\(prefix).patch_embedding.weight", [c, PatchEmbedding.inChannels, k, k]),
            ("\(prefix).patch_embedding.bias", [c]),
            ("\(prefix).class_embedding", [c]),
            ("\(prefix).position_embedding", [n + 1, c]),
        ]
            + TransformerStack.parameterTable(prefix: prefix, dim: c, layers: v.layers, hidden: v.mlpRatio * c)
            + ProjectionHead.parameterTable(prefix: prefix, width: c, dim: config.embeddingDim)
    }

    init(config: ModelConfiguration, layout: ParameterLayout) {
        let v = config.vit
        width = v.width
        dim = config.embeddingDim
        patch = v.patchSize
        kernel = v.kernel
        meanPool = v.pool == .mean
        patchWeight = layout.offset("\(Self.prefix).patch_embedding.weight")
        patchBias = layout.offset("\(Self.prefix).patch_embedding.bias")
        classEmbedding = layout.offset("\(Self.prefix).class_embedding")
        positions = layout.offset("\(Self.prefix).position_embedding")
        stack = TransformerStack(
            prefix: Self.prefix, dim: width, heads: v.heads, layers: v.layers, hidden: v.mlpRatio * width,
            layout: layout)
        head = ProjectionHead(prefix: Self.prefix, width: width, dim: dim, layout: layout)
    }

    final class Workspace: ImageEncoderWorkspace {
        let batch: Int
        let pixelBuffer: FloatBuffer  // (B, 32, 32, 3)
        let patchRows: FloatBuffer  // (B, N, 3·p·p), saved
        let embedded: FloatBuffer  // (B, N, C) patch embeddings
        let stack: TransformerStack.Workspace
        let head: ProjectionHead.Workspace
        let dEmbedded: FloatBuffer
        var output: FloatBuffer { head.output }

        init(encoder: VisionTransformerEncoder, batch: Int, training: Bool) {
            self.batch = batch
            let n = encoder.patches, c = encoder.width
            pixelBuffer = FloatBuffer(count: batch * Self.pixelsPerImage)
            patchRows = FloatBuffer(count: batch * n * PatchEmbedding.inChannels * encoder.kernel * encoder.kernel)
            embedded = FloatBuffer(count: batch * n * c)
            stack = TransformerStack.Workspace(
                stack: encoder.stack, batch: batch, length: encoder.length, training: training)
            head = ProjectionHead.Workspace(head: encoder.head, batch: batch, training: training)
            dEmbedded = FloatBuffer(count: training ? batch * n * c : 0)
        }

        static let pixelsPerImage = VisionTransformerEncoder.side * VisionTransformerEncoder.side * 3
        var pixels: UnsafeMutablePointer<Float> { pixelBuffer.pointer }
    }

    /// Position and class embeddings N(0, 1/C); the rest by `Initialisation.standard`.
    func initialise(_ parameters: UnsafeMutablePointer<Float>, layout: ParameterLayout, using rng: inout SeededRandom) {
        Initialisation.forEach(under: Self.prefix, in: layout, parameters) { entry, base in
            switch entry.name {
            case "\(Self.prefix).position_embedding", "\(Self.prefix).class_embedding":
                Initialisation.embedding(entry, base, using: &rng)
            default:
                Initialisation.standard(entry, base, using: &rng)
            }
        }
    }

    func makeWorkspace(batch: Int, training: Bool) -> Workspace {
        Workspace(encoder: self, batch: batch, training: training)
    }

    func forward(_ ws: Workspace, parameters p: UnsafePointer<Float>, version: Int, count: Int) {
        let n = patches, x = ws.stack.streams[0].pointer
        PatchEmbedding.forward(
            output: ws.embedded.pointer, patches: ws.patchRows.pointer, input: ws.pixels,
            weight: p + patchWeight, bias: p + patchBias, batch: count, side: Self.side, patch: patch, kernel: kernel,
            dim: width)
        ClassToken.forward(
            output: x, input: ws.embedded.pointer, classEmbedding: p + classEmbedding, batch: count, count: n,
            dim: width)
        PositionalEmbedding.forward(output: x, input: x, table: p + positions, batch: count, length: length, dim: width)
        stack.forward(ws.stack, parameters: p, count: count)
        head.forward(ws.head, stream: ws.stack.output, length: length, mean: meanPool, parameters: p, count: count)
    }

    func backward(
        _ ws: Workspace, dOutput: UnsafePointer<Float>, parameters p: UnsafePointer<Float>,
        gradients g: UnsafeMutablePointer<Float>, count: Int
    ) {
        let n = patches, dx = ws.stack.dStream.pointer
        head.backward(
            ws.head, dStream: dx, length: length, mean: meanPool, dOutput: dOutput, parameters: p, gradients: g,
            count: count)
        stack.backward(ws.stack, parameters: p, gradients: g, count: count)
        PositionalEmbedding.backward(
            dInput: nil, dTable: g + positions, dOutput: dx, batch: count, length: length, dim: width)
        ws.dEmbedded.zero()
        ClassToken.backward(
            dInput: ws.dEmbedded.pointer, dClassEmbedding: g + classEmbedding, dOutput: dx, batch: count, count: n,
            dim: width)
        // The pixels need no gradient.
        PatchEmbedding.backward(
            dInput: nil, dWeight: g + patchWeight, dBias: g + patchBias, dPatches: nil, dOutput: ws.dEmbedded.pointer,
            patches: ws.patchRows.pointer, weight: p + patchWeight, batch: count, side: Self.side, patch: patch,
            kernel: kernel, dim: width)
    }
}
