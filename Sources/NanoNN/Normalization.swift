/// LayerNorm over the last dimension, ε = 1e-5 as PyTorch's default.
public enum LayerNorm {
    public static let epsilon: Float = 1e-5

    /// - Parameters: output (N, D); mean, rstd (N) saved for the backward; input (N, D); weight, bias (D).
    public static func forward(
        output: UnsafeMutablePointer<Float>, mean: UnsafeMutablePointer<Float>, rstd: UnsafeMutablePointer<Float>,
        input: UnsafePointer<Float>, weight: UnsafePointer<Float>, bias: UnsafePointer<Float>,
        rows: Int, dim: Int
    ) {
        for r in 0..<rows {
            let x = input + r * dim
            var m: Float = 0
            for i in 0..<dim { m += x[i] }
            m /= Float(dim)
            var variance: Float = 0
            for i in 0..<dim {
                let d = x[i] - m
                variance += d * d
            }
            variance /= Float(dim)
            let s = 1 / (variance + epsilon).squareRoot()
            let y = output + r * dim
            for i in 0..<dim { y[i] = (x[i] - m) * s * weight[i] + bias[i] }
            mean[r] = m
            rstd[r] = s
        }
    }

    /// Accumulates into dInput, dWeight and dBias.
    public static func backward(
        dInput: UnsafeMutablePointer<Float>, dWeight: UnsafeMutablePointer<Float>, dBias: UnsafeMutablePointer<Float>,
        dOutput: UnsafePointer<Float>, input: UnsafePointer<Float>,
        mean: UnsafePointer<Float>, rstd: UnsafePointer<Float>, weight: UnsafePointer<Float>,
        rows: Int, dim: Int
    ) {
        for r in 0..<rows {
            let x = input + r * dim
            let dy = dOutput + r * dim
            let dx = dInput + r * dim
            let m = mean[r], s = rstd[r]
            var dNormMean: Float = 0
            var dNormDotNorm: Float = 0
            for i in 0..<dim {
                let norm = (x[i] - m) * s
                let dNorm = dy[i] * weight[i]
                dNormMean += dNorm
                dNormDotNorm += dNorm * norm
            }
            dNormMean /= Float(dim)
            dNormDotNorm /= Float(dim)
            for i in 0..<dim {
                let norm = (x[i] - m) * s
                let dNorm = dy[i] * weight[i]
                dx[i] += (dNorm - dNormMean - norm * dNormDotNorm) * s
                dWeight[i] += dy[i] * norm
                dBias[i] += dy[i]
            }
        }
    }
}

/// Row-wise L2 normalisation, y = x / max(‖x‖, 1e-12) as PyTorch's `F.normalize`.
public enum L2Normalize {
    public static let epsilon: Float = 1e-12

    /// - Parameters: output (N, D); norms (N) saved for the backward; input (N, D).
    public static func forward(
        output: UnsafeMutablePointer<Float>, norms: UnsafeMutablePointer<Float>,
        input: UnsafePointer<Float>, rows: Int, dim: Int
    ) {
        for r in 0..<rows {
            let x = input + r * dim
            var sum: Float = 0
            for i in 0..<dim { sum += x[i] * x[i] }
            let n = max(sum.squareRoot(), epsilon)
            norms[r] = n
            let y = output + r * dim
            for i in 0..<dim { y[i] = x[i] / n }
        }
    }

    /// dInput += (dy − y·(y·dy)) / ‖x‖.
    public static func backward(
        dInput: UnsafeMutablePointer<Float>, dOutput: UnsafePointer<Float>,
        output: UnsafePointer<Float>, norms: UnsafePointer<Float>, rows: Int, dim: Int
    ) {
        for r in 0..<rows {
            let y = output + r * dim
            let dy = dOutput + r * dim
            var dot: Float = 0
            for i in 0..<dim { dot += y[i] * dy[i] }
            let n = norms[r]
            let dx = dInput + r * dim
            for i in 0..<dim { dx[i] += (dy[i] - y[i] * dot) / n }
        }
    }
}
