import NanoNN
import NanoTensor

/// The default `cnn` image encoder (docs/MODEL.md): five 3×3 stride-2 convolutions
/// 3→c0 (16×16) → c1 (8×8) → c2 (4×4) → c3 (2×2) → D (1×1), ReLU after the first four,
/// flatten → LayerNorm(D) → L2 normalisation. Activations are channels-last (B, H, W, C);
/// the input is the interleaved RGB of `RGBImage`, which is exactly that layout.
struct ConvolutionalImageEncoder: ImageEncoder {
    static let prefix = "image_encoder"
    let widths: [Int]  // [3, c0, c1, c2, c3, D]
    let sides: [Int]  // [32, 16, 8, 4, 2, 1]
    let weightOffsets: [Int]
    let biasOffsets: [Int]
    let normWeight: Int
    let normBias: Int
    var dim: Int { widths[5] }

    static func parameterTable(_ config: ModelConfiguration) -> [(String, [Int])] {
        let widths = [3] + config.channels + [config.embeddingDim]
        var table: [(String, [Int])] = []
        for i in 0..<5 {
            table.append(("\(prefix).convs.\(i).weight", [widths[i + 1], widths[i], 3, 3]))
            table.append(("\(prefix).convs.\(i).bias", [widths[i + 1]]))
        }
        table.append(("\(prefix).norm.weight", [config.embeddingDim]))
        table.append(("\(prefix).norm.bias", [config.embeddingDim]))
        return table
    }

    init(config: ModelConfiguration, layout: ParameterLayout) {
        widths = [3] + config.channels + [config.embeddingDim]
        sides = [32, 16, 8, 4, 2, 1]
        weightOffsets = (0..<5).map { layout.offset("\(Self.prefix).convs.\($0).weight") }
        biasOffsets = (0..<5).map { layout.offset("\(Self.prefix).convs.\($0).bias") }
        normWeight = layout.offset("\(Self.prefix).norm.weight")
        normBias = layout.offset("\(Self.prefix).norm.bias")
    }

    /// Each convolution's weight, packed for the products, and the parameter version it was
    /// packed from. Training shards that run the same step share one: packed once per step.
    final class PackedWeights {
        /// (O, 3, 3, C) order when training (the backward uses it so), else (3, 3, C, O) for
        /// `Conv2D.inferenceForward`.
        let buffers: [FloatBuffer]
        let training: Bool
        /// The model parameter version the buffers were made from (-1: none).
        var version = -1

        init(encoder: ConvolutionalImageEncoder, training: Bool) {
            let w = encoder.widths
            buffers = (0..<5).map { FloatBuffer(count: w[$0] * w[$0 + 1] * 9) }
            self.training = training
        }
    }

    /// Buffers for one batch size: activations and saved statistics for the backward,
    /// and their gradients when training. Allocated once, reused every step.
    final class Workspace: ImageEncoderWorkspace {
        let batch: Int
        let activations: [FloatBuffer]  // [0] input (B,32,32,3) … [5] conv out (B,D)
        let columns: [FloatBuffer]
        let packed: PackedWeights
        let training: Bool
        let normed: FloatBuffer, mean: FloatBuffer, rstd: FloatBuffer
        let output: FloatBuffer, norms: FloatBuffer  // (B, D) L2-normalised embeddings
        let gradients: [FloatBuffer]  // mirrors activations[1...5]; index i ↔ activations[i]
        let dNormed: FloatBuffer, dColumns: FloatBuffer, dPackedWeight: FloatBuffer
        /// - Parameter packed: packed weights shared with other workspaces of the same kind;
        ///   whoever runs them in parallel calls `ConvolutionalImageEncoder.pack` first.
        init(encoder: ConvolutionalImageEncoder, batch: Int, training: Bool, packed: PackedWeights? = nil) {
            precondition(packed.map { $0.training == training } ?? true, "packed weights of the other kind")
            self.batch = batch
            self.training = training
            let w = encoder.widths, s = encoder.sides
            activations = (0..<6).map { FloatBuffer(count: batch * s[$0] * s[$0] * w[$0]) }
            columns = (0..<5).map {
                FloatBuffer(count: Conv2D.columnCount(batch: batch, height: s[$0], width: s[$0], inChannels: w[$0]))
            }
            self.packed = packed ?? PackedWeights(encoder: encoder, training: training)
            let d = w[5]
            normed = FloatBuffer(count: batch * d)
            mean = FloatBuffer(count: batch)
            rstd = FloatBuffer(count: batch)
            output = FloatBuffer(count: batch * d)
            norms = FloatBuffer(count: batch)
            gradients = (0..<6).map {
                training && $0 > 0 ? FloatBuffer(count: batch * s[$0] * s[$0] * w[$0]) : FloatBuffer(count: 0)
            }
            dNormed = FloatBuffer(count: training ? batch * d : 0)
            dColumns = FloatBuffer(count: training ? columns.map(\.count).max() ?? 0 : 0)
            dPackedWeight = FloatBuffer(count: training ? self.packed.buffers.map(\.count).max() ?? 0 : 0)
        }

        var pixels: UnsafeMutablePointer<Float> { activations[0].pointer }
    }

    /// He-uniform convolution weights, zero biases, LayerNorm weight 1 and bias 0.
    func initialise(_ parameters: UnsafeMutablePointer<Float>, layout: ParameterLayout, using rng: inout SeededRandom) {
        Initialisation.forEach(under: Self.prefix, in: layout, parameters) {
            Initialisation.standard($0, $1, using: &rng)
        }
    }

    func makeWorkspace(batch: Int, training: Bool) -> Workspace {
        Workspace(encoder: self, batch: batch, training: training)
    }

    /// Shards share one set of packed weights, which `prepare` fills before each parallel forward.
    func makeShardWorkspaces(count: Int, batch: Int, training: Bool) -> [Workspace] {
        let packed = PackedWeights(encoder: self, training: training)
        return (0..<count).map { _ in Workspace(encoder: self, batch: batch, training: training, packed: packed) }
    }

    func prepare(_ workspace: Workspace, parameters: UnsafePointer<Float>, version: Int) {
        pack(workspace.packed, parameters: parameters, version: version)
    }

    /// Embeds the `count` (≤ workspace.batch) images already in `workspace.activations[0]`
    /// into `workspace.output` (count, D).
    /// `version` identifies the parameter values: packed weights are reused while it is
    /// unchanged (inference), and re-packed when it changes (every training step).
    func forward(_ ws: Workspace, parameters p: UnsafePointer<Float>, version: Int, count: Int) {
        let w = widths, s = sides
        pack(ws.packed, parameters: p, version: version)
        for i in 0..<5 {
            let output = ws.activations[i + 1].pointer, input = ws.activations[i].pointer
            if ws.training {
                Conv2D.forward(
                    output: output, columns: ws.columns[i].pointer, packedWeight: ws.packed.buffers[i].pointer,
                    input: input, bias: p + biasOffsets[i], relu: i < 4,
                    batch: count, height: s[i], width: s[i], inChannels: w[i], outChannels: w[i + 1])
            } else {
                Conv2D.inferenceForward(
                    output: output, columns: ws.columns[i].pointer, transposedWeight: ws.packed.buffers[i].pointer,
                    input: input, bias: p + biasOffsets[i], relu: i < 4,
                    batch: count, height: s[i], width: s[i], inChannels: w[i], outChannels: w[i + 1])
            }
        }
        LayerNorm.forward(
            output: ws.normed.pointer, mean: ws.mean.pointer, rstd: ws.rstd.pointer,
            input: ws.activations[5].pointer, weight: p + normWeight, bias: p + normBias, rows: count, dim: dim)
        L2Normalize.forward(
            output: ws.output.pointer, norms: ws.norms.pointer, input: ws.normed.pointer, rows: count, dim: dim)
    }

    /// Packs the weights of parameter version `version` unless `packed` holds them already
    /// (inference reuses them until the parameters change; training re-packs every step).
    func pack(_ packed: PackedWeights, parameters p: UnsafePointer<Float>, version: Int) {
        guard packed.version != version else { return }
        let w = widths
        for i in 0..<5 {
            let pack = packed.training ? Conv2D.pack : Conv2D.packTransposed
            pack(packed.buffers[i].pointer, p + weightOffsets[i], w[i], w[i + 1])
        }
        packed.version = version
    }

    /// Accumulates parameter gradients into `g` from dLoss/dEmbedding `dOutput` (count, D).
    func backward(
        _ ws: Workspace, dOutput: UnsafePointer<Float>, parameters p: UnsafePointer<Float>,
        gradients g: UnsafeMutablePointer<Float>, count: Int
    ) {
        let w = widths, s = sides
        ws.dNormed.zero()
        ws.gradients[5].zero()  // LayerNorm's backward accumulates; the convolutions' overwrite
        L2Normalize.backward(
            dInput: ws.dNormed.pointer, dOutput: dOutput, output: ws.output.pointer, norms: ws.norms.pointer,
            rows: count, dim: dim)
        LayerNorm.backward(
            dInput: ws.gradients[5].pointer, dWeight: g + normWeight, dBias: g + normBias,
            dOutput: ws.dNormed.pointer, input: ws.activations[5].pointer, mean: ws.mean.pointer,
            rstd: ws.rstd.pointer, weight: p + normWeight, rows: count, dim: dim)
        for i in stride(from: 4, through: 0, by: -1) {
            // Convolutions 1…4 read the output of a ReLU (the saved activation doubles as its
            // mask), whose backward is folded into writing their input gradient.
            Conv2D.backward(
                dInput: i > 0 ? ws.gradients[i].pointer : nil, dWeight: g + weightOffsets[i], dBias: g + biasOffsets[i],
                dColumns: ws.dColumns.pointer, dPackedWeight: ws.dPackedWeight.pointer,
                dOutput: ws.gradients[i + 1].pointer, columns: ws.columns[i].pointer,
                packedWeight: ws.packed.buffers[i].pointer, inputMask: i > 0 ? ws.activations[i].pointer : nil,
                batch: count, height: s[i], width: s[i], inChannels: w[i], outChannels: w[i + 1])
        }
    }
}
