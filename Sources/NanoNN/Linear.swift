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

    /// The same product for a handful of rows (a decoder step: one row per beam), as dot
    /// products of 8-wide SIMD lanes, four outputs at a time so that four independent sums
    /// are in flight: sgemm's packing and call overhead dominate at this size
    /// (BENCHMARKS.md, "Captions").
    public static func forwardFewRows(
        output: UnsafeMutablePointer<Float>, input: UnsafePointer<Float>,
        weight: UnsafePointer<Float>, bias: UnsafePointer<Float>?,
        rows: Int, inFeatures: Int, outFeatures: Int
    ) {
        let n = inFeatures
        guard n % 8 == 0, outFeatures % 4 == 0 else {
            Linear.forward(
                output: output, input: input, weight: weight, bias: bias, rows: rows, inFeatures: n,
                outFeatures: outFeatures)
            return
        }
        @inline(__always) func load(_ p: UnsafePointer<Float>) -> SIMD8<Float> {
            UnsafeRawPointer(p).loadUnaligned(as: SIMD8<Float>.self)
        }
        for r in 0..<rows {
            let x = input + r * n, y = output + r * outFeatures
            var o = 0
            while o < outFeatures {
                let w0 = weight + o * n, w1 = w0 + n, w2 = w1 + n, w3 = w2 + n
                var a0 = SIMD8<Float>(), a1 = SIMD8<Float>(), a2 = SIMD8<Float>(), a3 = SIMD8<Float>()
                var i = 0
                while i < n {
                    let xv = load(x + i)
                    a0 += load(w0 + i) * xv
                    a1 += load(w1 + i) * xv
                    a2 += load(w2 + i) * xv
                    a3 += load(w3 + i) * xv
                    i += 8
                }
                y[o] = a0.sum() + (bias?[o] ?? 0)
                y[o + 1] = a1.sum() + (bias?[o + 1] ?? 0)
                y[o + 2] = a2.sum() + (bias?[o + 2] ?? 0)
                y[o + 3] = a3.sum() + (bias?[o + 3] ?? 0)
                o += 4
            }
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
