import NanoTensor

/// 3×3 convolution, stride 2, padding 1, on channels-last activations (B, H, W, C), with a
/// PyTorch-layout weight (O, C, 3, 3). Lowered to one sgemm over the whole batch through an
/// im2col buffer whose columns follow the weight's (c, kh, kw) order, so the weight is used
/// as stored. The output is (B, H/2, W/2, O) — channels-last, which is what the next im2col
/// reads; for a 1×1 output it equals PyTorch's flattened (B, O).
public enum Conv2D {
    public static let kernel = 3
    public static let stride = 2
    public static let padding = 1

    public static func outputSide(_ side: Int) -> Int { (side + 2 * padding - kernel) / stride + 1 }

    /// Size of the im2col buffer for one call: (B·OH·OW, C·9).
    public static func columnCount(batch: Int, height: Int, width: Int, inChannels: Int) -> Int {
        batch * outputSide(height) * outputSide(width) * inChannels * kernel * kernel
    }

    /// - Parameters:
    ///   - output: (B, OH, OW, O), overwritten.
    ///   - columns: (B·OH·OW, C·9), overwritten; the backward needs it.
    ///   - input: (B, H, W, C).
    ///   - weight: (O, C, 3, 3); bias: (O).
    public static func forward(
        output: UnsafeMutablePointer<Float>, columns: UnsafeMutablePointer<Float>,
        input: UnsafePointer<Float>, weight: UnsafePointer<Float>, bias: UnsafePointer<Float>,
        batch: Int, height: Int, width: Int, inChannels: Int, outChannels: Int
    ) {
        let oh = outputSide(height), ow = outputSide(width)
        let rows = batch * oh * ow
        let k = inChannels * 9
        im2col(columns, input, batch: batch, height: height, width: width, channels: inChannels)
        // (rows, O) = (rows, K) · (O, K)ᵀ
        BLAS.gemm(output, columns, weight, m: rows, n: outChannels, k: k, transposeB: true)
        for r in 0..<rows {
            let row = output + r * outChannels
            for o in 0..<outChannels { row[o] += bias[o] }
        }
    }

    /// Accumulates into `dWeight`, `dBias` and, when given, `dInput`.
    /// `dColumns` is scratch of `columnCount` floats.
    public static func backward(
        dInput: UnsafeMutablePointer<Float>?, dWeight: UnsafeMutablePointer<Float>,
        dBias: UnsafeMutablePointer<Float>, dColumns: UnsafeMutablePointer<Float>,
        dOutput: UnsafePointer<Float>, columns: UnsafePointer<Float>, weight: UnsafePointer<Float>,
        batch: Int, height: Int, width: Int, inChannels: Int, outChannels: Int
    ) {
        let oh = outputSide(height), ow = outputSide(width)
        let rows = batch * oh * ow
        let k = inChannels * 9
        // dW (O, K) += dOutᵀ (O, rows) · columns (rows, K)
        BLAS.gemm(dWeight, dOutput, columns, m: outChannels, n: k, k: rows, transposeA: true, beta: 1)
        for r in 0..<rows {
            let row = dOutput + r * outChannels
            for o in 0..<outChannels { dBias[o] += row[o] }
        }
        guard let dInput else { return }
        // dColumns (rows, K) = dOut (rows, O) · W (O, K)
        BLAS.gemm(dColumns, dOutput, weight, m: rows, n: k, k: outChannels)
        col2im(dInput, dColumns, batch: batch, height: height, width: width, channels: inChannels)
    }

    static func im2col(
        _ columns: UnsafeMutablePointer<Float>, _ input: UnsafePointer<Float>,
        batch: Int, height: Int, width: Int, channels: Int
    ) {
        let oh = outputSide(height), ow = outputSide(width)
        let k = channels * 9
        for b in 0..<batch {
            let image = input + b * height * width * channels
            for y in 0..<oh {
                for x in 0..<ow {
                    let row = columns + ((b * oh + y) * ow + x) * k
                    for kh in 0..<3 {
                        let iy = y * stride - padding + kh
                        for kw in 0..<3 {
                            let ix = x * stride - padding + kw
                            let tap = kh * 3 + kw
                            if iy < 0 || iy >= height || ix < 0 || ix >= width {
                                for c in 0..<channels { row[c * 9 + tap] = 0 }
                            } else {
                                let pixel = image + (iy * width + ix) * channels
                                for c in 0..<channels { row[c * 9 + tap] = pixel[c] }
                            }
                        }
                    }
                }
            }
        }
    }

    /// The adjoint of im2col: scatter-adds column gradients back onto the input.
    static func col2im(
        _ dInput: UnsafeMutablePointer<Float>, _ dColumns: UnsafePointer<Float>,
        batch: Int, height: Int, width: Int, channels: Int
    ) {
        let oh = outputSide(height), ow = outputSide(width)
        let k = channels * 9
        for b in 0..<batch {
            let image = dInput + b * height * width * channels
            for y in 0..<oh {
                for x in 0..<ow {
                    let row = dColumns + ((b * oh + y) * ow + x) * k
                    for kh in 0..<3 {
                        let iy = y * stride - padding + kh
                        guard iy >= 0 && iy < height else { continue }
                        for kw in 0..<3 {
                            let ix = x * stride - padding + kw
                            guard ix >= 0 && ix < width else { continue }
                            let tap = kh * 3 + kw
                            let pixel = image + (iy * width + ix) * channels
                            for c in 0..<channels { pixel[c] += row[c * 9 + tap] }
                        }
                    }
                }
            }
        }
    }
}
