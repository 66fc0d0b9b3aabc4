import NanoNN
import NanoTensor

/// The head every text encoder and the vision transformer end with (docs/MODEL.md): rows of width
/// C (the mean encoder's pooled tokens, or each sequence's `[CLS]` row) → linear C→D
/// (`projection`) → LayerNorm(D) (`norm`) → L2 normalisation.
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
        let input: FloatBuffer  // (B, C)
        let projected: FloatBuffer, normed: FloatBuffer, mean: FloatBuffer, rstd: FloatBuffer
        let output: FloatBuffer, norms: FloatBuffer  // (B, D) unit rows
        let dInput: FloatBuffer, dProjected: FloatBuffer, dNormed: FloatBuffer

        init(head: ProjectionHead, batch: Int, training: Bool) {
            let c = head.width, d = head.dim
            input = FloatBuffer(count: batch * c)
            projected = FloatBuffer(count: batch * d)
            normed = FloatBuffer(count: batch * d)
            mean = FloatBuffer(count: batch)
            rstd = FloatBuffer(count: batch)
            output = FloatBuffer(count: batch * d)
            norms = FloatBuffer(count: batch)
            dInput = FloatBuffer(count: training ? batch * c : 0)
            dProjected = FloatBuffer(count: training ? batch * d : 0)
            dNormed = FloatBuffer(count: training ? batch * d : 0)
        }
    }

    /// `ws.input` (count, C) → `ws.output` (count, D).
    func forward(_ ws: Workspace, parameters p: UnsafePointer<Float>, count: Int) {
        Linear.forward(
            output: ws.projected.pointer, input: ws.input.pointer, weight: p + projectionWeight,
            bias: p + projectionBias, rows: count, inFeatures: width, outFeatures: dim)
        LayerNorm.forward(
            output: ws.normed.pointer, mean: ws.mean.pointer, rstd: ws.rstd.pointer, input: ws.projected.pointer,
            weight: p + normWeight, bias: p + normBias, rows: count, dim: dim)
        L2Normalize.forward(
            output: ws.output.pointer, norms: ws.norms.pointer, input: ws.normed.pointer, rows: count, dim: dim)
    }

    /// Reads each of `count` sequences of `length` in `stream` (B, T, C): row 0 (`[CLS]`), or
    /// the mean of all rows when `mean`.
    func forward(
        _ ws: Workspace, stream: UnsafePointer<Float>, length: Int, mean: Bool = false,
        parameters p: UnsafePointer<Float>, count: Int
    ) {
        for b in 0..<count {
            let row = ws.input.pointer + b * width, sequence = stream + b * length * width
            row.update(from: sequence, count: width)
            guard mean else { continue }
            for t in 1..<length {
                for c in 0..<width { row[c] += sequence[t * width + c] }
            }
            let scale = 1 / Float(length)
            for c in 0..<width { row[c] *= scale }
        }
        forward(ws, parameters: p, count: count)
    }

    /// Accumulates the head's parameter gradients into `g` and overwrites `ws.dInput` (count, C).
    func backward(
        _ ws: Workspace, dOutput: UnsafePointer<Float>, parameters p: UnsafePointer<Float>,
        gradients g: UnsafeMutablePointer<Float>, count: Int
    ) {
        ws.dNormed.zero()
        ws.dProjected.zero()
        ws.dInput.zero()
        L2Normalize.backward(
            dInput: ws.dNormed.pointer, dOutput: dOutput, output: ws.output.pointer, norms: ws.norms.pointer,
            rows: count, dim: dim)
        LayerNorm.backward(
            dInput: ws.dProjected.pointer, dWeight: g + normWeight, dBias: g + normBias, dOutput: ws.dNormed.pointer,
            input: ws.projected.pointer, mean: ws.mean.pointer, rstd: ws.rstd.pointer, weight: p + normWeight,
            rows: count, dim: dim)
        Linear.backward(
            dInput: ws.dInput.pointer, dWeight: g + projectionWeight, dBias: g + projectionBias,
            dOutput: ws.dProjected.pointer, input: ws.input.pointer, weight: p + projectionWeight,
            rows: count, inFeatures: width, outFeatures: dim)
    }

    /// Overwrites `dStream` (B, T, C) with the gradient of the rows read: the `[CLS]` rows
    /// (zeros elsewhere), or every row's share of the mean.
    func backward(
        _ ws: Workspace, dStream: UnsafeMutablePointer<Float>, length: Int, mean: Bool = false,
        dOutput: UnsafePointer<Float>, parameters p: UnsafePointer<Float>, gradients g: UnsafeMutablePointer<Float>,
        count: Int
    ) {
        backward(ws, dOutput: dOutput, parameters: p, gradients: g, count: count)
        guard mean else {
            dStream.update(repeating: 0, count: count * length * width)
            for b in 0..<count {
                (dStream + b * length * width).update(from: ws.dInput.pointer + b * width, count: width)
            }
            return
        }
        let scale = 1 / Float(length)
        for b in 0..<count {
            let d = ws.dInput.pointer + b * width
            for t in 0..<length {
                let row = dStream + (b * length + t) * width
                for c in 0..<width { row[c] = d[c] * scale }
            }
        }
    }
}
