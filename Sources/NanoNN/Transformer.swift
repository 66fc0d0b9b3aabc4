import NanoTensor

/// One pre-LayerNorm transformer encoder block — PyTorch's
/// `nn.TransformerEncoderLayer(C, NH, dim_feedforward=M, dropout=0, activation=GELU(tanh),
/// batch_first=True, norm_first=True)`, with `src_key_padding_mask` given as lengths:
///
///     middle = x + out_proj(attention(in_proj(norm1(x))))
///     y      = middle + linear2(gelu(linear1(norm2(middle))))
///
/// Weights are offsets into one flat parameter buffer; the gradients use the same offsets
/// into the mirrored gradient buffer.
public enum TransformerBlock {
    /// Where each weight lives in the flat buffer.
    public struct Offsets: Sendable, Equatable {
        public var norm1Weight = 0, norm1Bias = 0, inProjWeight = 0, inProjBias = 0
        public var outProjWeight = 0, outProjBias = 0, norm2Weight = 0, norm2Bias = 0
        public var linear1Weight = 0, linear1Bias = 0, linear2Weight = 0, linear2Bias = 0
        public init() {}

        /// Offsets by PyTorch name under `prefix` (e.g. "text_encoder.transformer.layers.0"),
        /// looked up by `offset(name)`.
        public init(prefix: String, offset: (String) -> Int) {
            norm1Weight = offset("\(prefix).norm1.weight")
            norm1Bias = offset("\(prefix).norm1.bias")
            inProjWeight = offset("\(prefix).self_attn.in_proj_weight")
            inProjBias = offset("\(prefix).self_attn.in_proj_bias")
            outProjWeight = offset("\(prefix).self_attn.out_proj.weight")
            outProjBias = offset("\(prefix).self_attn.out_proj.bias")
            norm2Weight = offset("\(prefix).norm2.weight")
            norm2Bias = offset("\(prefix).norm2.bias")
            linear1Weight = offset("\(prefix).linear1.weight")
            linear1Bias = offset("\(prefix).linear1.bias")
            linear2Weight = offset("\(prefix).linear2.weight")
            linear2Bias = offset("\(prefix).linear2.bias")
        }
    }

    /// PyTorch names and shapes of one block's tensors, in layout order.
    public static func parameterTable(prefix: String, dim c: Int, hidden m: Int) -> [(String, [Int])] {
        [
            ("\(prefix).norm1.weight", [c]), ("\(prefix).norm1.bias", [c]),
            ("\(prefix).self_attn.in_proj_weight", [3 * c, c]), ("\(prefix).self_attn.in_proj_bias", [3 * c]),
            ("\(prefix).self_attn.out_proj.weight", [c, c]), ("\(prefix).self_attn.out_proj.bias", [c]),
            ("\(prefix).norm2.weight", [c]), ("\(prefix).norm2.bias", [c]),
            ("\(prefix).linear1.weight", [m, c]), ("\(prefix).linear1.bias", [m]),
            ("\(prefix).linear2.weight", [c, m]), ("\(prefix).linear2.bias", [c]),
        ]
    }

    /// What one block's forward saves for its backward, for up to `batch` sequences of `length`.
    public final class Saved {
        public let normed1: FloatBuffer, mean1: FloatBuffer, rstd1: FloatBuffer  // (B, T, C), (B, T), (B, T)
        public let qkv: FloatBuffer  // (B, T, 3C)
        public let probabilities: FloatBuffer  // (B, NH, T, T)
        public let attended: FloatBuffer  // (B, T, C) heads concatenated, before out_proj
        public let middle: FloatBuffer  // (B, T, C) x + attention branch
        public let normed2: FloatBuffer, mean2: FloatBuffer, rstd2: FloatBuffer
        public let hidden: FloatBuffer, activated: FloatBuffer  // (B, T, M) before and after GELU

        public init(batch: Int, length: Int, dim c: Int, heads: Int, hidden m: Int) {
            let rows = batch * length
            normed1 = FloatBuffer(count: rows * c)
            mean1 = FloatBuffer(count: rows)
            rstd1 = FloatBuffer(count: rows)
            qkv = FloatBuffer(count: rows * 3 * c)
            probabilities = FloatBuffer(count: batch * heads * length * length)
            attended = FloatBuffer(count: rows * c)
            middle = FloatBuffer(count: rows * c)
            normed2 = FloatBuffer(count: rows * c)
            mean2 = FloatBuffer(count: rows)
            rstd2 = FloatBuffer(count: rows)
            hidden = FloatBuffer(count: rows * m)
            activated = FloatBuffer(count: rows * m)
        }
    }

    /// Backward scratch, shared by every block of a stack (they run one at a time).
    public final class Scratch {
        let dNormed: FloatBuffer, dQKV: FloatBuffer, dAttended: FloatBuffer
        let dHidden: FloatBuffer, dActivated: FloatBuffer, dScores: FloatBuffer

        public init(batch: Int, length: Int, dim c: Int, hidden m: Int) {
            let rows = batch * length
            dNormed = FloatBuffer(count: rows * c)
            dQKV = FloatBuffer(count: rows * 3 * c)
            dAttended = FloatBuffer(count: rows * c)
            dHidden = FloatBuffer(count: rows * m)
            dActivated = FloatBuffer(count: rows * m)
            dScores = FloatBuffer(count: length * length)
        }
    }

    /// - Parameters:
    ///   - output: (B, T, C), overwritten (must not alias `input`).
    ///   - saved: filled for the backward.
    ///   - input: (B, T, C).
    ///   - lengths: (B) valid positions per sequence (the key padding mask).
    ///   - parameters: the flat buffer that `offsets` index.
    ///   - causal: each position attends to itself and earlier ones only (a decoder block).
    public static func forward(
        output: UnsafeMutablePointer<Float>, saved s: Saved,
        input: UnsafePointer<Float>, lengths: UnsafePointer<Int32>,
        parameters p: UnsafePointer<Float>, offsets o: Offsets,
        batch: Int, length: Int, dim c: Int, heads: Int, hidden m: Int, causal: Bool = false
    ) {
        let rows = batch * length
        LayerNorm.forward(
            output: s.normed1.pointer, mean: s.mean1.pointer, rstd: s.rstd1.pointer, input: input,
            weight: p + o.norm1Weight, bias: p + o.norm1Bias, rows: rows, dim: c)
        Linear.forward(
            output: s.qkv.pointer, input: s.normed1.pointer, weight: p + o.inProjWeight, bias: p + o.inProjBias,
            rows: rows, inFeatures: c, outFeatures: 3 * c)
        Attention.forward(
            output: s.attended.pointer, probabilities: s.probabilities.pointer, qkv: s.qkv.pointer, lengths: lengths,
            batch: batch, length: length, dim: c, heads: heads, causal: causal)
        Linear.forward(
            output: s.middle.pointer, input: s.attended.pointer, weight: p + o.outProjWeight, bias: p + o.outProjBias,
            rows: rows, inFeatures: c, outFeatures: c)
        let middle = s.middle.pointer
        for i in 0..<(rows * c) { middle[i] += input[i] }
        LayerNorm.forward(
            output: s.normed2.pointer, mean: s.mean2.pointer, rstd: s.rstd2.pointer, input: middle,
            weight: p + o.norm2Weight, bias: p + o.norm2Bias, rows: rows, dim: c)
        Linear.forward(
            output: s.hidden.pointer, input: s.normed2.pointer, weight: p + o.linear1Weight, bias: p + o.linear1Bias,
            rows: rows, inFeatures: c, outFeatures: m)
        GELU.forward(output: s.activated.pointer, input: s.hidden.pointer, count: rows * m)
        Linear.forward(
            output: output, input: s.activated.pointer, weight: p + o.linear2Weight, bias: p + o.linear2Bias,
            rows: rows, inFeatures: m, outFeatures: c)
        for i in 0..<(rows * c) { output[i] += middle[i] }
    }

    /// Accumulates the weights' gradients into `gradients` (same offsets). `dStream` holds
    /// dLoss/dOutput on entry and dLoss/dInput on return: both residual paths are identities,
    /// so each branch's input gradient is added to the stream in place.
    public static func backward(
        dStream: UnsafeMutablePointer<Float>, gradients g: UnsafeMutablePointer<Float>, scratch d: Scratch,
        saved s: Saved, input: UnsafePointer<Float>, lengths: UnsafePointer<Int32>,
        parameters p: UnsafePointer<Float>, offsets o: Offsets,
        batch: Int, length: Int, dim c: Int, heads: Int, hidden m: Int
    ) {
        let rows = batch * length
        // MLP branch: dStream is dLoss/dOutput = dLoss/dMiddle's residual part.
        d.dActivated.zero()
        Linear.backward(
            dInput: d.dActivated.pointer, dWeight: g + o.linear2Weight, dBias: g + o.linear2Bias, dOutput: dStream,
            input: s.activated.pointer, weight: p + o.linear2Weight, rows: rows, inFeatures: m, outFeatures: c)
        d.dHidden.zero()
        GELU.backward(
            dInput: d.dHidden.pointer, dOutput: d.dActivated.pointer, input: s.hidden.pointer, count: rows * m)
        d.dNormed.zero()
        Linear.backward(
            dInput: d.dNormed.pointer, dWeight: g + o.linear1Weight, dBias: g + o.linear1Bias,
            dOutput: d.dHidden.pointer,
            input: s.normed2.pointer, weight: p + o.linear1Weight, rows: rows, inFeatures: c, outFeatures: m)
        LayerNorm.backward(
            dInput: dStream, dWeight: g + o.norm2Weight, dBias: g + o.norm2Bias, dOutput: d.dNormed.pointer,
            input: s.middle.pointer, mean: s.mean2.pointer, rstd: s.rstd2.pointer, weight: p + o.norm2Weight,
            rows: rows, dim: c)
        // dStream is now dLoss/dMiddle. Attention branch.
        d.dAttended.zero()
        Linear.backward(
            dInput: d.dAttended.pointer, dWeight: g + o.outProjWeight, dBias: g + o.outProjBias, dOutput: dStream,
            input: s.attended.pointer, weight: p + o.outProjWeight, rows: rows, inFeatures: c, outFeatures: c)
        d.dQKV.zero()
        Attention.backward(
            dQKV: d.dQKV.pointer, dScores: d.dScores.pointer, dOutput: d.dAttended.pointer,
            probabilities: s.probabilities.pointer, qkv: s.qkv.pointer, lengths: lengths,
            batch: batch, length: length, dim: c, heads: heads)
        d.dNormed.zero()
        Linear.backward(
            dInput: d.dNormed.pointer, dWeight: g + o.inProjWeight, dBias: g + o.inProjBias, dOutput: d.dQKV.pointer,
            input: s.normed1.pointer, weight: p + o.inProjWeight, rows: rows, inFeatures: c, outFeatures: 3 * c)
        LayerNorm.backward(
            dInput: dStream, dWeight: g + o.norm1Weight, dBias: g + o.norm1Bias, dOutput: d.dNormed.pointer,
            input: input, mean: s.mean1.pointer, rstd: s.rstd1.pointer, weight: p + o.norm1Weight,
            rows: rows, dim: c)
    }
}
