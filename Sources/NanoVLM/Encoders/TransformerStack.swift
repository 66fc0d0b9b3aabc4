import NanoNN
import NanoTensor

/// L pre-LayerNorm transformer blocks over a (B, T, C) residual stream — PyTorch's
/// `nn.TransformerEncoder(layer, L)` under `<prefix>.transformer`, so tensors are named
/// `<prefix>.transformer.layers.{i}.self_attn.in_proj_weight` and so on. Shared by the
/// attention text encoder and the vision transformer.
struct TransformerStack {
    let dim: Int, heads: Int, hidden: Int, layers: Int
    let offsets: [TransformerBlock.Offsets]
    /// Each position attends to itself and earlier ones only (the caption decoder).
    var causal = false

    static func parameterTable(prefix: String, dim: Int, layers: Int, hidden: Int) -> [(String, [Int])] {
        (0..<layers).flatMap {
            TransformerBlock.parameterTable(prefix: "\(prefix).transformer.layers.\($0)", dim: dim, hidden: hidden)
        }
    }

    init(
        prefix: String, dim: Int, heads: Int, layers: Int, hidden: Int, layout: ParameterLayout, causal: Bool = false
    ) {
        self.causal = causal
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
            scratch =
                training ? TransformerBlock.Scratch(batch: batch, length: length, dim: c, hidden: stack.hidden) : nil
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
                output: ws.streams[l + 1].pointer, saved: ws.saved[l], input: ws.streams[l].pointer,
                lengths: ws.lengths,
                parameters: p, offsets: offsets[l], batch: count, length: ws.length, dim: dim, heads: heads,
                hidden: hidden, causal: causal)
        }
    }

    /// `ws.dStream` holds dLoss/dStreams[L] on entry and dLoss/dStreams[0] on return; weight
    /// gradients accumulate into `g`.
    func backward(
        _ ws: Workspace, parameters p: UnsafePointer<Float>, gradients g: UnsafeMutablePointer<Float>, count: Int
    ) {
        guard let scratch = ws.scratch else { preconditionFailure("the workspace was made for inference") }
        for l in stride(from: layers - 1, through: 0, by: -1) {
            TransformerBlock.backward(
                dStream: ws.dStream.pointer, gradients: g, scratch: scratch, saved: ws.saved[l],
                input: ws.streams[l].pointer, lengths: ws.lengths, parameters: p, offsets: offsets[l],
                batch: count, length: ws.length, dim: dim, heads: heads, hidden: hidden)
        }
    }
}
