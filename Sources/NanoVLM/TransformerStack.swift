import NanoNN
import NanoTensor

/// L pre-LayerNorm transformer blocks over a (B, T, C) residual stream — PyTorch's
/// `nn.TransformerEncoder(layer, L)` under `<prefix>.transformer`, so tensors are named
/// `<prefix>.transformer.layers.{i}.self_attn.in_proj_weight` and so on. Shared by the
/// attention text encoder and the vision transformer.
struct TransformerStack {
    let dim: Int, heads: Int, hidden: Int, layers: Int
    let offsets: [TransformerBlock.Offsets]

    static func parameterTable(prefix: String, dim: Int, layers: Int, hidden: Int) -> [(String, [Int])] {
        (0..<layers).flatMap {
            TransformerBlock.parameterTable(prefix: "\(prefix).transformer.layers.\($0)", dim: dim, hidden: hidden)
        }
    }

    init(prefix: String, dim: Int, heads: Int, layers: Int, hidden: Int, layout: ParameterLayout) {
        self.dim = dim
        self.heads = heads
        self.hidden = hidden
        self.layers = layers
        offsets = (0..<layers).map {
            TransformerBlock.Offsets(prefix: "\(prefix).transformer.layers.\($0)", offset: layout.offset)
        }
    }

    /// The stream before and after every block, what each block saves, the key padding
    /// mask, and (when training) backward scratch.
    final class Workspace {
        let batch: Int, length: Int
        let streams: [FloatBuffer]  // layers + 1 of (B, T, C); streams[0] is the input
        let saved: [TransformerBlock.Saved]
        let lengths: UnsafeMutablePointer<Int32>  // (B)
        let scratch: TransformerBlock.Scratch?
        let dStream: FloatBuffer  // (B, T, C) when training

        init(stack: TransformerStack, batch: Int, length: Int, training: Bool) {
            self.batch = batch
            self.length = length
            let c = stack.dim
            streams = (0...stack.layers).map { _ in FloatBuffer(count: batch * length * c) }
            saved = (0..<stack.layers).map { _ in
                TransformerBlock.Saved(batch: batch, length: length, dim: c, heads: stack.heads, hidden: stack.hidden)
            }
            lengths = .allocate(capacity: batch)
            lengths.initialize(repeating: Int32(length), count: batch)
            scratch = training ? TransformerBlock.Scratch(batch: batch, length: length, dim: c, hidden: stack.hidden) : nil
            dStream = FloatBuffer(count: training ? batch * length * c : 0)
        }

        deinit { lengths.deallocate() }

        /// The last stream: (B, T, C).
        var output: UnsafeMutablePointer<Float> { streams[streams.count - 1].pointer }
    }

    /// streams[0] → streams[L] for the first `count` sequences.
    func forward(_ ws: Workspace, parameters p: UnsafePointer<Float>, count: Int) {
        for l in 0..<layers {
            TransformerBlock.forward(
                output: ws.streams[l + 1].pointer, saved: ws.saved[l], input: ws.streams[l].pointer, lengths: ws.lengths,
                parameters: p, offsets: offsets[l], batch: count, length: ws.length, dim: dim, heads: heads, hidden: hidden)
        }
    }

    /// `ws.dStream` holds dLoss/dStreams[L] on entry and dLoss/dStreams[0] on return; weight
    /// gradients accumulate into `g`.
    func backward(_ ws: Workspace, parameters p: UnsafePointer<Float>, gradients g: UnsafeMutablePointer<Float>, count: Int) {
        guard let scratch = ws.scratch else { preconditionFailure("the workspace was made for inference") }
        for l in stride(from: layers - 1, through: 0, by: -1) {
            TransformerBlock.backward(
                dStream: ws.dStream.pointer, gradients: g, scratch: scratch, saved: ws.saved[l],
                input: ws.streams[l].pointer, lengths: ws.lengths, parameters: p, offsets: offsets[l],
                batch: count, length: ws.length, dim: dim, heads: heads, hidden: hidden)
        }
    }
}

/// The shared head of every encoder (SPEC §3): the `[CLS]` row of each sequence → linear
/// C→D (`projection`) → LayerNorm(D) (`norm`) → L2 normalisation.
struct ProjectionHead {
    let width: Int, dim: Int
    let projectionWeight: Int, projectionBias: Int, normWeight: Int, normBias: Int

    static func parameterTable(prefix: String, width: Int, dim: Int) -> [(String, [Int])] {
        [
            ("\(prefix).projection.weight", [dim, width]), ("\(prefix).projection.bias", [dim]),
            ("\(prefix).norm.weight", [dim]), ("\(prefix).norm.bias", [dim]),
        ]
    }

    init(prefix: String, width: Int, dim: Int, layout: ParameterLayout) {
        self.width = width
        self.dim = dim
        projectionWeight = layout.offset("\(prefix).projection.weight")
        projectionBias = layout.offset("\(prefix).projection.bias")
        normWeight = layout.offset("\(prefix).norm.weight")
        normBias = layout.offset("\(prefix).norm.bias")
    }

    final class Workspace {
        let classRows: FloatBuffer  // (B, C)
        let projected: FloatBuffer, normed: FloatBuffer, mean: FloatBuffer, rstd: FloatBuffer
        let output: FloatBuffer, norms: FloatBuffer  // (B, D) unit rows
        let dClassRows: FloatBuffer, dProjected: FloatBuffer, dNormed: FloatBuffer

        init(head: ProjectionHead, batch: Int, training: Bool) {
            let c = head.width, d = head.dim
            classRows = FloatBuffer(count: batch * c)
            projected = FloatBuffer(count: batch * d)
            normed = FloatBuffer(count: batch * d)
            mean = FloatBuffer(count: batch)
            rstd = FloatBuffer(count: batch)
            output = FloatBuffer(count: batch * d)
            norms = FloatBuffer(count: batch)
            dClassRows = FloatBuffer(count: training ? batch * c : 0)
            dProjected = FloatBuffer(count: training ? batch * d : 0)
            dNormed = FloatBuffer(count: training ? batch * d : 0)
        }
    }

    /// Reads row 0 of each of `count` sequences of `length` in `stream` (B, T, C).
    func forward(_ ws: Workspace, stream: UnsafePointer<Float>, length: Int, parameters p: UnsafePointer<Float>, count: Int) {
        for b in 0..<count { (ws.classRows.pointer + b * width).update(from: stream + b * length * width, count: width) }
        Linear.forward(
            output: ws.projected.pointer, input: ws.classRows.pointer, weight: p + projectionWeight,
            bias: p + projectionBias, rows: count, inFeatures: width, outFeatures: dim)
        LayerNorm.forward(
            output: ws.normed.pointer, mean: ws.mean.pointer, rstd: ws.rstd.pointer, input: ws.projected.pointer,
            weight: p + normWeight, bias: p + normBias, rows: count, dim: dim)
        L2Normalize.forward(output: ws.output.pointer, norms: ws.norms.pointer, input: ws.normed.pointer, rows: count, dim: dim)
    }

    /// Overwrites `dStream` (B, T, C) with the gradient of the `[CLS]` rows (zeros elsewhere).
    func backward(
        _ ws: Workspace, dStream: UnsafeMutablePointer<Float>, length: Int, dOutput: UnsafePointer<Float>,
        parameters p: UnsafePointer<Float>, gradients g: UnsafeMutablePointer<Float>, count: Int
    ) {
        ws.dNormed.zero()
        ws.dProjected.zero()
        ws.dClassRows.zero()
        L2Normalize.backward(
            dInput: ws.dNormed.pointer, dOutput: dOutput, output: ws.output.pointer, norms: ws.norms.pointer,
            rows: count, dim: dim)
        LayerNorm.backward(
            dInput: ws.dProjected.pointer, dWeight: g + normWeight, dBias: g + normBias, dOutput: ws.dNormed.pointer,
            input: ws.projected.pointer, mean: ws.mean.pointer, rstd: ws.rstd.pointer, weight: p + normWeight,
            rows: count, dim: dim)
        Linear.backward(
            dInput: ws.dClassRows.pointer, dWeight: g + projectionWeight, dBias: g + projectionBias,
            dOutput: ws.dProjected.pointer, input: ws.classRows.pointer, weight: p + projectionWeight,
            rows: count, inFeatures: width, outFeatures: dim)
        dStream.update(repeating: 0, count: count * length * width)
        for b in 0..<count { (dStream + b * length * width).update(from: ws.dClassRows.pointer + b * width, count: width) }
    }
}
