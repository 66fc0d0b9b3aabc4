import NanoTensor

/// y = x · Wᵀ + b with a PyTorch-layout weight (O, I).
public enum Linear {
    /// - Parameters: output (N, O), input (N, I), weight (O, I), bias (O).
    public static func forward(
        output: UnsafeMutablePointer<Float>, input: UnsafePointer<Float>,
        weight: UnsafePointer<Float>, bias: UnsafePointer<Float>?,
        rows: Int, inFeatures: Int, outFeatures: Int
    ) {
        BLAS.gemm(output, input, weight, m: rows, n: outFeatures, k: inFeatures, transposeB: true)
        guard let bias else { return }
        for r in 0..<rows {
            let row = output + r * outFeatures
            for o in 0..<outFeatures { row[o] += bias[o] }
        }
    }

    /// Accumulates into dWeight, dBias and, when given, dInput.
    public static func backward(
        dInput: UnsafeMutablePointer<Float>?, dWeight: UnsafeMutablePointer<Float>,
        dBias: UnsafeMutablePointer<Float>?,
        dOutput: UnsafePointer<Float>, input: UnsafePointer<Float>, weight: UnsafePointer<Float>,
        rows: Int, inFeatures: Int, outFeatures: Int
    ) {
        // dW (O, I) += dOutᵀ (O, N) · x (N, I)
        BLAS.gemm(dWeight, dOutput, input, m: outFeatures, n: inFeatures, k: rows, transposeA: true, beta: 1)
        if let dBias {
            for r in 0..<rows {
                let row = dOutput + r * outFeatures
                for o in 0..<outFeatures { dBias[o] += row[o] }
            }
        }
        if let dInput {
            // dx (N, I) += dOut (N, O) · W (O, I)
            BLAS.gemm(dInput, dOutput, weight, m: rows, n: inFeatures, k: outFeatures, beta: 1)
        }
    }
}
